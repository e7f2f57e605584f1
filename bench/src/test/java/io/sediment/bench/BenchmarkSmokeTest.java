package io.sediment.bench;

import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Keeps the benchmarks from rotting: runs every one of them once, in this JVM, for 100 ms with tiny parameters
 * (8 MiB segments so that appends roll, a 20,000-record log to read), on both backends, and fails if any of them
 * throws (JMH's fail-on-error) or goes missing. Also checks that {@link BenchTable} pairs each benchmark with its baseline.
 * It measures nothing: the numbers of an unforked 100 ms run mean nothing.
 */
class BenchmarkSmokeTest {
    private static final Set<String> BENCHMARKS = Set.of(
            "AppendBenchmark.append", "AppendBenchmark.appendBaseline",
            "AppendBenchmark.appendLatency", "AppendBenchmark.appendLatencyBaseline",
            "RandomReadBenchmark.randomRead", "RandomReadBenchmark.sequentialRead",
            "RandomReadBenchmark.sequentialReadBaseline");

    @Test
    void everyBenchmarkRunsOnceWithoutThrowingAndTheTablePairsBaselines() throws RunnerException {
        final Options options = new OptionsBuilder()
                .include("io\\.sediment\\.bench\\.[A-Za-z]+Benchmark\\..*") // this package only, not engine/ or broker/
                .forks(0)
                .warmupIterations(0)
                .measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(100))
                .param("segmentBytes", String.valueOf(8 * 1024 * 1024))
                .param("records", "20000")
                .shouldFailOnError(true)
                .verbosity(VerboseMode.SILENT)
                .build();

        final Collection<RunResult> results = new Runner(options).run();

        final Set<String> ran = new TreeSet<>();
        final Set<String> backends = new TreeSet<>();
        for (RunResult r : results) {
            final String full = r.getParams().getBenchmark();
            ran.add(full.substring(full.lastIndexOf('.', full.lastIndexOf('.') - 1) + 1));
            assertTrue(r.getPrimaryResult().getScore() > 0, full + " scored " + r.getPrimaryResult().getScore());
            if (r.getParams().getParam("backend") != null) {
                backends.add(r.getParams().getParam("backend"));
            }
        }
        assertEquals(new TreeSet<>(BENCHMARKS), ran);
        assertEquals(Set.of("lmdb", "mmap"), backends, "every engine benchmark runs on both backends by default");

        final String table = BenchTable.markdown(results);
        assertRow(table, "AppendBenchmark.append", "\\d+%");
        assertRow(table, "AppendBenchmark.appendLatency", "[0-9.]+×");
        assertRow(table, "RandomReadBenchmark.sequentialRead", "\\d+%");
    }

    /** The row of {@code benchmark} ends with a ratio to its baseline matching {@code ratio}. */
    private static void assertRow(final String table, final String benchmark, final String ratio) {
        final Pattern row = Pattern.compile("(?m)^\\| " + Pattern.quote(benchmark) + " \\|.*\\| " + ratio + " \\|$");
        assertTrue(row.matcher(table).find(), "no row for " + benchmark + " with a ratio like " + ratio + " in\n" + table);
    }
}
