package io.sediment.bench.engine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Keeps the engine suite from rotting: runs every benchmark of it once for every peer (the pwrite baseline: append
 * and latency only), in this JVM, with tiny
 * iterations (50 ms, 8 MiB segments, a 20,000-record log to read, a 4 MiB log to recover), fails if any throws
 * (JMH's fail-on-error) or goes missing, and renders the report and charts from the results. It measures nothing.
 */
class EngineSuiteSmokeTest {

    @Test
    void everyBenchmarkRunsOnEveryPeerAndTheReportHasEveryTableAndChart(@TempDir final Path out)
            throws RunnerException, IOException {
        final Options options = new OptionsBuilder()
                .include(EngineSuite.INCLUDE)
                .forks(0)
                .warmupIterations(0)
                .measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(50))
                .param("segmentBytes", String.valueOf(8 * 1024 * 1024))
                .param("records", "20000")
                .param("logBytes", String.valueOf(4 * 1024 * 1024))
                .shouldFailOnError(true)
                .verbosity(VerboseMode.SILENT)
                .build();

        final Collection<RunResult> results = new Runner(options).run();

        final Set<String> ran = new TreeSet<>();
        for (RunResult r : results) {
            final String full = r.getParams().getBenchmark();
            ran.add(full.substring(full.lastIndexOf('.', full.lastIndexOf('.') - 1) + 1) + "/"
                    + r.getParams().getParam("peer"));
            assertTrue(r.getPrimaryResult().getScore() > 0, full + " scored " + r.getPrimaryResult().getScore());
        }
        final Set<String> expected = new TreeSet<>();
        for (String peer : Peers.ALL) {
            expected.add(EngineReport.APPEND + "/" + peer);
            expected.add(EngineReport.LATENCY + "/" + peer);
        }
        for (String peer : List.of(Peers.SEDIMENT_MMAP, Peers.SEDIMENT_LMDB, Peers.KAFKA, Peers.CHRONICLE,
                Peers.MEMCPY)) {
            expected.add(EngineReport.SEQUENTIAL + "/" + peer);
        }
        for (String peer : List.of(Peers.SEDIMENT_MMAP, Peers.SEDIMENT_LMDB, Peers.KAFKA, Peers.CHRONICLE)) {
            expected.add(EngineReport.RANDOM + "/" + peer);
        }
        for (String peer : List.of(Peers.SEDIMENT_MMAP, Peers.SEDIMENT_LMDB, Peers.KAFKA)) {
            expected.add(EngineReport.TIMESTAMP + "/" + peer);
            expected.add(EngineReport.RECOVERY + "/" + peer);
        }
        assertEquals(expected, ran);
        assertEquals(9 * Peers.ALL.size(), results.stream()
                .filter(r -> r.getParams().getBenchmark().endsWith(EngineReport.APPEND)).count(),
                "three record sizes by three batch sizes on every peer");

        final EngineReport report = new EngineReport(results);
        final String md = report.markdown();
        assertTrue(md.contains("| mmap / pwrite |"), "no pwrite ratio column in\n" + md);
        for (String heading : List.of("### Append throughput", "### Append latency", "### Reads", "### Recovery",
                "### Targets")) {
            assertTrue(md.contains(heading), "no " + heading + " in\n" + md);
        }
        for (String target : List.of("append ≥ 2× Kafka", "append ≥ 60% of memcpy", "p99.9 append ≤ ½ Kafka",
                "random read no slower than Kafka", "recovery ≥ 2× faster")) {
            assertTrue(md.matches("(?s).*\\| " + java.util.regex.Pattern.quote(target) + "[^\n]*\\| (met|\\*\\*missed\\*\\*[^|]*) \\|\n.*"),
                    "target " + target + " has no verdict in\n" + md);
        }
        assertTrue(report.recoverySecondsPerGib(Peers.KAFKA) > 0);
        final List<String> charts = report.charts(out);
        assertEquals(List.of("engine-append.png", "engine-latency.png", "engine-sequential-read.png",
                "engine-lookups.png", "engine-recovery.png"), charts);
        for (String chart : charts) {
            assertTrue(Files.size(out.resolve(chart)) > 1000, chart + " is empty");
        }
    }

    @Test
    void chronicleAnalyticsIsNotOnTheClassPathAndIsSwitchedOff() {
        assertThrows(ClassNotFoundException.class, () -> Class.forName("net.openhft.chronicle.analytics.Analytics"));
        Peers.open(Peers.CHRONICLE, 1 << 20, 1 << 20).close();
        assertEquals("true", System.getProperty("chronicle.analytics.disable"));
    }
}
