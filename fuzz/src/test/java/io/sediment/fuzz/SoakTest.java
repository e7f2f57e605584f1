package io.sediment.fuzz;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Soak ({@link SoakRun}): {@code -Dfuzz.soakSeconds=N} of steady produce and consume over 64 KiB segments and 3 s
 * of retention (CI default in the pom; the README's long run is 30 minutes). No record lost above the retention
 * horizon, none seen twice, none corrupt; the broker's resources flat.
 *
 * <p>Flat means: the maximum over the last quarter of the samples is at most the maximum over the first quarter
 * plus a slack. The first quarter holds the warm-up (heap and code cache sizing, the first segments filling
 * before retention starts deleting, __consumer_offsets created); the slacks are:
 * <ul>
 *   <li>heap after GC: 16 MiB. Live state is producer and group state of a fixed set of clients; a leak of one
 *       object per record or per segment (the run rolls several segments a second) would pass it in minutes.</li>
 *   <li>RSS: 48 MiB. RSS moves with heap capacity (the collector resizes within -Xmx192m) and page cache of the
 *       mapped active segments; a leak of mappings or direct buffers grows without bound.</li>
 *   <li>open descriptors: 32, and mappings of data files: 48, both without the files of
 *       {@code __consumer_offsets}. At a steady rate about a dozen segments per partition are live (3 s retention +
 *       250 ms check + 100 ms delete delay, several rolls a second), each with three files; how many sit in a
 *       sample's window varies with timing. A segment deleted but never closed or unmapped adds three per roll.</li>
 *   <li>{@code __consumer_offsets} files: at most {@link #OFFSETS_FILES_CAP}. Its segments roll too (the 4 KiB
 *       index applies broker-wide) but go only when the coordinator rewrites a partition, after 10,000 records
 *       ({@code GroupCoordinator.MIN_REWRITE_RECORDS}): at this commit rate a sawtooth of about 9 minutes, whose
 *       peaks a 30-minute run showed to be the same each cycle (254-304 fds). Judging it by quarters would fail a
 *       run that ends on a rising edge; a cap tests that it is bounded.</li>
 * </ul>
 */
class SoakTest {
    /**
     * 50 partitions with one segment (3 files) each, plus 16 segments more for each group's partition: the
     * 30-minute run peaked at 8 more per partition.
     */
    static final int OFFSETS_FILES_CAP = 50 * 3 + SoakRun.GROUPS * 16 * 3;

    @TempDir
    Path tmp;

    @Test
    void steadyLoadWithRollsAndDeletionsLosesNothingAndLeaksNothing() throws Exception {
        final int seconds = FuzzSettings.intProperty("fuzz.soakSeconds", 20);
        final int rate = FuzzSettings.intProperty("fuzz.soakRate", 1000);
        final long seed = FuzzSettings.seed();
        System.out.println("soak: " + seconds + " s at " + rate + " records/s, seed " + seed);
        final SoakRun.SoakResult r = new SoakRun(tmp, seed, System.getProperty("java.class.path"), seconds, rate).run();
        System.out.println(r);
        final var s = r.samples;
        for (int i = 0; i < r.sampleMillis.size(); i++) {
            System.out.println("sample " + r.sampleMillis.get(i) / 1000.0 + " s: " + s.get(i));
        }
        final String quarters = "quarter maxima: heap " + SoakRun.quarters(s, ProcessStats::heapUsedBytes) + " B; RSS "
                + SoakRun.quarters(s, ProcessStats::rssKb) + " KiB; fds without __consumer_offsets "
                + SoakRun.quarters(s, x -> x.openFds() - x.offsetsMaps()) + "; data maps without __consumer_offsets "
                + SoakRun.quarters(s, x -> x.dataMaps() - x.offsetsMaps()) + "; __consumer_offsets files "
                + SoakRun.quarters(s, ProcessStats::offsetsMaps);
        System.out.println(quarters);
        FuzzSettings.report("| soak | " + r.produced + " records (" + rate + "/s) | " + r.segmentsSeen + " segments rolled, "
                + r.segmentsDeleted + " deleted, " + r.consumerRestarts + " consumer restarts | lost " + r.lostTotal()
                + " | corrupt " + r.corruptReads + " | duplicates " + r.duplicatesTotal() + " | " + quarters + " | "
                + String.format("%.0f s", r.seconds) + " | seed " + seed + " | failures " + r.failures.size() + " |");
        assertTrue(r.failures.isEmpty(), r::toString);
        assertEquals(0, r.lostTotal(), r::toString);
        assertEquals(0, r.duplicatesTotal(), r::toString);
        assertEquals(0, r.corruptReads, r::toString);
        assertEquals(r.produced, r.acked, r::toString);
        assertTrue(r.segmentsDeleted > 10, () -> "retention must have deleted segments: " + r);
        assertTrue(s.size() >= 8, () -> "too few samples: " + s.size());
        assertTrue(SoakRun.bounded(s, ProcessStats::heapUsedBytes, 16L << 20), () -> "heap grew: " + quarters);
        assertTrue(SoakRun.bounded(s, ProcessStats::rssKb, 48L << 10), () -> "RSS grew: " + quarters);
        assertTrue(SoakRun.bounded(s, x -> x.openFds() - x.offsetsMaps(), 32), () -> "descriptors grew: " + quarters);
        assertTrue(SoakRun.bounded(s, x -> x.dataMaps() - x.offsetsMaps(), 48), () -> "data-file mappings grew: " + quarters);
        assertTrue(r.peak(ProcessStats::offsetsMaps) <= OFFSETS_FILES_CAP, () -> "__consumer_offsets files: " + quarters);
    }
}
