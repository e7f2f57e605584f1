package io.sediment.bench;

import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.util.Statistics;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * Runs the JMH suite (JMH's own command-line options, e.g. {@code -f 1 -wi 2 -i 3 AppendBenchmark}) and prints the
 * results as markdown tables, each benchmark next to its baseline:
 *
 * <ul>
 *   <li>throughput ({@code Mode.Throughput}): ops/s and MB/s with their 99.9% error, and engine MB/s as a
 *       percentage of the baseline's;</li>
 *   <li>latency (every other mode): mean, p50, p99, p99.9 and the engine's p50 as a multiple of the baseline's.</li>
 * </ul>
 *
 * <p>A benchmark {@code xBaseline} is the baseline of benchmark {@code x} of the same class, when the parameters
 * they share have equal values. Unless told otherwise ({@code -rf}, {@code -rff}), the raw results go to
 * {@code jmh-result.json} as JSON and the tables also to {@code jmh-result.md}, both in {@code bench/target/} when
 * run from the repository root.
 */
public final class BenchTable {
    static final String BASELINE_SUFFIX = "Baseline";

    private BenchTable() {
    }

    public static void main(final String[] args) throws CommandLineOptionException, RunnerException, IOException {
        final CommandLineOptions cli = new CommandLineOptions(args);
        if (cli.shouldHelp() || cli.shouldList() || cli.shouldListWithParams() || cli.shouldListProfilers()
                || cli.shouldListResultFormats()) {
            org.openjdk.jmh.Main.main(args);
            return;
        }
        final ChainedOptionsBuilder options = new OptionsBuilder().parent(cli);
        if (cli.getIncludes().isEmpty()) {
            // this package's benchmarks; the engine suite (engine/) has its own main, EngineSuite
            options.include("io\\.sediment\\.bench\\.[A-Za-z]+Benchmark\\..*");
        }
        if (!cli.getResultFormat().hasValue()) {
            options.resultFormat(ResultFormatType.JSON);
        }
        final String resultFile = cli.getResult().hasValue() ? cli.getResult().get() : defaultResultFile();
        options.result(resultFile);
        final Collection<RunResult> results = new Runner(options.build()).run();
        final String table = markdown(results);
        System.out.println();
        System.out.println(table);
        final Path tableFile = Path.of(resultFile.replaceFirst("\\.[a-z]+$", "") + ".md");
        Files.writeString(tableFile, table, StandardCharsets.UTF_8);
        System.out.println("raw results: " + resultFile + ", this table: " + tableFile);
    }

    /**
     * {@code bench/target/jmh-result.json} when run from the repository root (keeps the working tree clean),
     * else {@code jmh-result.json} in the current directory.
     */
    private static String defaultResultFile() {
        final Path target = Path.of("bench", "target");
        return Files.isDirectory(target) ? target.resolve("jmh-result.json").toString() : "jmh-result.json";
    }

    /** The results as two markdown tables (throughput, then latency); a table with no rows is left out. */
    static String markdown(final Collection<RunResult> results) {
        final List<RunResult> sorted = pairedOrder(results);
        final StringBuilder throughput = new StringBuilder()
                .append("| benchmark | params | ops/s | ± | MB/s | ± | engine / baseline (MB/s) |\n")
                .append("|---|---|---:|---:|---:|---:|---:|\n");
        final StringBuilder latency = new StringBuilder()
                .append("| benchmark | params | mode | unit | mean | p50 | p99 | p99.9 | samples"
                        + " | engine / baseline (p50) |\n")
                .append("|---|---|---|---|---:|---:|---:|---:|---:|---:|\n");
        int throughputRows = 0;
        int latencyRows = 0;
        for (RunResult r : sorted) {
            final BenchmarkParams p = r.getParams();
            final Result<?> primary = r.getPrimaryResult();
            final RunResult baseline = baselineOf(r, sorted);
            if (p.getMode() == Mode.Throughput) {
                final Result<?> mb = r.getSecondaryResults().get(Throughput.MEGABYTES);
                final String ratio;
                if (baseline == null) {
                    ratio = "";
                } else {
                    final Result<?> baseMb = baseline.getSecondaryResults().get(Throughput.MEGABYTES);
                    ratio = mb != null && baseMb != null
                            ? percent(mb.getScore() / baseMb.getScore())
                            : percent(primary.getScore() / baseline.getPrimaryResult().getScore());
                }
                throughput.append("| ").append(shortName(p)).append(" | ").append(params(p))
                        .append(" | ").append(number(primary.getScore())).append(" | ").append(number(primary.getScoreError()))
                        .append(" | ").append(mb == null ? "" : number(mb.getScore()))
                        .append(" | ").append(mb == null ? "" : number(mb.getScoreError()))
                        .append(" | ").append(ratio).append(" |\n");
                throughputRows++;
            } else {
                final Statistics s = primary.getStatistics();
                final String ratio = baseline == null ? ""
                        : String.format(Locale.ROOT, "%.2f×", s.getPercentile(50)
                        / baseline.getPrimaryResult().getStatistics().getPercentile(50));
                latency.append("| ").append(shortName(p)).append(" | ").append(params(p))
                        .append(" | ").append(p.getMode().shortLabel()).append(" | ").append(primary.getScoreUnit())
                        .append(" | ").append(number(primary.getScore()))
                        .append(" | ").append(number(s.getPercentile(50)))
                        .append(" | ").append(number(s.getPercentile(99)))
                        .append(" | ").append(number(s.getPercentile(99.9)))
                        .append(" | ").append(s.getN())
                        .append(" | ").append(ratio).append(" |\n");
                latencyRows++;
            }
        }
        final StringBuilder out = new StringBuilder();
        if (throughputRows > 0) {
            out.append(throughput);
        }
        if (latencyRows > 0) {
            if (out.length() > 0) {
                out.append('\n');
            }
            out.append(latency);
        }
        return out.toString();
    }

    /**
     * JMH's order (benchmark, mode, parameters), except that each baseline comes right after the first benchmark it
     * is the baseline of; baselines of nothing come last.
     */
    static List<RunResult> pairedOrder(final Collection<RunResult> results) {
        final List<RunResult> sorted = new ArrayList<>(results);
        sorted.sort(RunResult.DEFAULT_SORT_COMPARATOR);
        final List<RunResult> out = new ArrayList<>(sorted.size());
        for (RunResult r : sorted) {
            if (r.getParams().getBenchmark().endsWith(BASELINE_SUFFIX)) {
                continue;
            }
            out.add(r);
            final RunResult baseline = baselineOf(r, sorted);
            if (baseline != null && !containsSame(out, baseline)) {
                out.add(baseline);
            }
        }
        for (RunResult r : sorted) {
            if (!containsSame(out, r)) {
                out.add(r);
            }
        }
        return out;
    }

    private static boolean containsSame(final List<RunResult> list, final RunResult r) {
        for (RunResult x : list) {
            if (x == r) {
                return true;
            }
        }
        return false;
    }

    /** The result of {@code <name>Baseline} in the same mode whose shared parameters equal {@code r}'s; or null. */
    static RunResult baselineOf(final RunResult r, final Collection<RunResult> all) {
        final BenchmarkParams p = r.getParams();
        if (p.getBenchmark().endsWith(BASELINE_SUFFIX)) {
            return null;
        }
        final String wanted = p.getBenchmark() + BASELINE_SUFFIX;
        for (RunResult candidate : all) {
            final BenchmarkParams c = candidate.getParams();
            if (c.getBenchmark().equals(wanted) && c.getMode() == p.getMode() && sharedParamsEqual(p, c)) {
                return candidate;
            }
        }
        return null;
    }

    private static boolean sharedParamsEqual(final BenchmarkParams a, final BenchmarkParams b) {
        for (Object key : a.getParamsKeys()) {
            final String k = (String) key;
            final String other = b.getParam(k);
            if (other != null && !other.equals(a.getParam(k))) {
                return false;
            }
        }
        return true;
    }

    /** {@code AppendBenchmark.append}: the class's simple name and the method. */
    private static String shortName(final BenchmarkParams p) {
        final String full = p.getBenchmark();
        final int method = full.lastIndexOf('.');
        final int type = full.lastIndexOf('.', method - 1);
        return full.substring(type + 1);
    }

    private static String params(final BenchmarkParams p) {
        final StringBuilder sb = new StringBuilder();
        for (Object key : p.getParamsKeys()) {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append(key).append('=').append(p.getParam((String) key));
        }
        return sb.toString();
    }

    private static String number(final double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        final double abs = Math.abs(v);
        if (abs >= 1000) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (abs >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.3f", v);
    }

    private static String percent(final double ratio) {
        return String.format(Locale.ROOT, "%.0f%%", ratio * 100);
    }
}
