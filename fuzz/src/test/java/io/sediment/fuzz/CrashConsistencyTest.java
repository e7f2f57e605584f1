package io.sediment.fuzz;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Crash consistency: a child JVM writes, we SIGKILL it at random moments, reopen and verify ({@link CrashRun}).
 * {@code -Dfuzz.kills=N} kills per backend and flush mode (CI default in the pom); {@code -Dfuzz.seed} replays.
 */
class CrashConsistencyTest {
    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0}, flushEach={1}")
    @CsvSource({"mmap, true", "mmap, false", "lmdb, true", "lmdb, false"})
    void everyAcknowledgedRecordSurvivesSigkill(final String backend, final boolean flushEach) throws Exception {
        Assumptions.assumeTrue(FuzzSettings.backends().contains(backend),
                () -> "backend " + backend + " not on the class path or not selected by -Dfuzz.backends");
        Assumptions.assumeTrue(System.getProperty("fuzz.modes", "flush,pagecache").contains(flushEach ? "flush" : "pagecache"),
                "flush mode not selected by -Dfuzz.modes");
        final int kills = FuzzSettings.intProperty("fuzz.kills", 20);
        final long seed = FuzzSettings.seed();
        final long t0 = System.nanoTime();
        // -Dfuzz.minutes: a time budget for this backend and mode, for long runs that must end by a given time
        final int minutes = FuzzSettings.intProperty("fuzz.minutes", 0);
        final long deadline = minutes > 0 ? t0 + minutes * 60_000_000_000L : t0 + Long.MAX_VALUE / 2;
        final CrashRun.CrashResult r = new CrashRun(tmp.resolve("data"), backend, flushEach, seed,
                System.getProperty("java.class.path"), FuzzSettings.childFlags(backend)).run(kills, deadline);
        final long secs = (System.nanoTime() - t0) / 1_000_000_000L;
        FuzzSettings.report("| crash | " + backend + " | " + r.mode + " | " + r.kills + " | " + r.kills
                + " SIGKILLs " + r.phases + " | " + r.recordsAcked + " acked, " + r.recordsVerified + " verified | "
                + r.recordsLost + " | " + r.corruptReads + " | " + r.indexMismatches + " | " + secs + " s | seed "
                + seed + " |");
        for (String f : r.failures) {
            FuzzSettings.report("<!-- crash " + backend + " flushEach=" + flushEach + " FAILURE: " + f.replace("--", "- -") + " -->");
        }
        assertTrue(r.failures.isEmpty(), () -> "seed " + seed + ": " + r);
        if (minutes == 0) {
            assertEquals(kills, r.kills, () -> "seed " + seed + ": " + r);
        }
        assertEquals(0, r.recordsLost);
        assertEquals(0, r.corruptReads);
    }
}
