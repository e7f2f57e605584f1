package io.sediment.fuzz;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Corruption: random damage to one file of a data directory, then open and read everything
 * ({@link CorruptionRun}). {@code -Dfuzz.corruptions=N} per backend (CI default in the pom).
 *
 * <p>Asserted: no unchecked error, hang or silently wrong answer, whatever file is damaged. Failures with segment
 * files damaged behind a clean shutdown (trusted without a CRC scan, as in Kafka, but checked: segment-log README)
 * or with LMDB's {@code data.mdb} damaged (no page checksums) are counted apart in the report; the engine bugs found
 * there were fixed ({@link CleanShutdownDamageTest}), and they fail the test unless {@code -Dfuzz.strict=false}.
 */
class CorruptionFuzzTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"mmap", "lmdb"})
    void damagedFilesAreRefusedOrRecoveredNeverServedWrong(final String backend) throws Exception {
        Assumptions.assumeTrue(FuzzSettings.backends().contains(backend),
                () -> "backend " + backend + " not on the class path or not selected by -Dfuzz.backends");
        final int n = FuzzSettings.intProperty("fuzz.corruptions", 300);
        final long seed = FuzzSettings.seed();
        final long t0 = System.nanoTime();
        final CorruptionRun.CorruptionResult r = new CorruptionRun(tmp, backend, seed).run(n);
        final long secs = (System.nanoTime() - t0) / 1_000_000_000L;
        FuzzSettings.report("| corruption | " + backend + " | " + r.iterations + " | " + r.byFault + " | "
                + r.outcomes + " | read " + r.recordsRead + ", dropped by recovery " + r.recordsDropped
                + " | detected corrupt reads " + r.detectedCorruptReads + " | silently wrong " + r.silentlyWrong
                + " | " + secs + " s | seed " + seed + " |");
        FuzzSettings.report("<!-- " + r.toString().replace("--", "- -") + " -->");
        assertEquals(n, r.iterations, () -> "seed " + seed + ": " + r);
        assertEquals(0, r.failuresElsewhere(), () -> "seed " + seed + ": " + r);
        if (Boolean.parseBoolean(System.getProperty("fuzz.strict", "true"))) {
            assertEquals(0, r.failuresBehindCleanShutdown(), () -> "seed " + seed + ": " + r);
        }
    }
}
