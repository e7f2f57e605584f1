package io.sediment.bench.engine;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.util.Statistics;

import javax.imageio.ImageIO;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * The engine suite's results as markdown (one table per metric, every peer in a column or row, Sediment / peer
 * ratios, and each target of issue #8 marked met or missed) and as PNG charts (xchart). Built from JMH's result
 * objects; a benchmark or peer that did not run leaves its cells empty ("—").
 */
final class EngineReport {
    static final String APPEND = "EngineAppendBenchmark.append";
    static final String LATENCY = "EngineLatencyBenchmark.appendLatency";
    static final String SEQUENTIAL = "EngineReadBenchmark.sequentialRead";
    static final String RANDOM = "EngineReadBenchmark.randomRead";
    static final String TIMESTAMP = "EngineReadBenchmark.offsetForTimestamp";
    static final String RECOVERY = "EngineRecoveryBenchmark.recover";
    /** {@code io.sediment.bench.Throughput}'s counter (JMH allows no public constant in an aux-counter class). */
    private static final String MEGABYTES = "megabytes";
    private static final double GIB = 1 << 30;
    private static final String NONE = "—";

    private final List<RunResult> results;

    EngineReport(final Collection<RunResult> results) {
        this.results = new ArrayList<>(results);
    }

    // ---------------------------------------------------------------- lookups

    private static String name(final BenchmarkParams p) {
        final String full = p.getBenchmark();
        return full.substring(full.lastIndexOf('.', full.lastIndexOf('.') - 1) + 1);
    }

    /** The result of {@code benchmark} for {@code peer} whose other parameters include {@code params} (k, v, ...). */
    RunResult find(final String benchmark, final String peer, final String... params) {
        for (RunResult r : results) {
            final BenchmarkParams p = r.getParams();
            if (!name(p).equals(benchmark) || !peer.equals(p.getParam("peer"))) {
                continue;
            }
            boolean all = true;
            for (int i = 0; i < params.length; i += 2) {
                all &= params[i + 1].equals(p.getParam(params[i]));
            }
            if (all) {
                return r;
            }
        }
        return null;
    }

    private static double megabytesPerSecond(final RunResult r) {
        if (r == null) {
            return Double.NaN;
        }
        final Result<?> mb = r.getSecondaryResults().get(MEGABYTES);
        return mb == null ? Double.NaN : mb.getScore();
    }

    private static double opsPerSecond(final RunResult r) {
        return r == null ? Double.NaN : r.getPrimaryResult().getScore();
    }

    /** Percentile {@code p} (0 < p <= 100; 100 is the max) of a sampled result, in its unit (us). */
    static double percentile(final RunResult r, final double p) {
        if (r == null) {
            return Double.NaN;
        }
        final Statistics s = r.getPrimaryResult().getStatistics();
        return p >= 100 ? s.getMax() : s.getPercentile(p);
    }

    /** The last iteration's value of an auxiliary counter (the footprint is a level, not a rate). */
    private static double lastIterationValue(final RunResult r, final String counter) {
        if (r == null) {
            return Double.NaN;
        }
        double v = Double.NaN;
        for (BenchmarkResult b : r.getBenchmarkResults()) {
            for (IterationResult i : b.getIterationResults()) {
                final Result<?> c = i.getSecondaryResults().get(counter);
                if (c != null) {
                    v = c.getScore();
                }
            }
        }
        return v;
    }

    /** Recovery of the crashed log: seconds per GiB of unflushed log (score is ms per recovery). */
    double recoverySecondsPerGib(final String peer) {
        final RunResult r = find(RECOVERY, peer);
        if (r == null) {
            return Double.NaN;
        }
        final double logBytes = Double.parseDouble(r.getParams().getParam("logBytes"));
        return r.getPrimaryResult().getScore() / 1000 / (logBytes / GIB);
    }

    private List<String[]> appendShapes() {
        final TreeSet<String> seen = new TreeSet<>();
        final List<String[]> shapes = new ArrayList<>();
        final List<RunResult> sorted = new ArrayList<>(results);
        sorted.sort(RunResult.DEFAULT_SORT_COMPARATOR);
        for (RunResult r : sorted) {
            final BenchmarkParams p = r.getParams();
            if (name(p).equals(APPEND)) {
                final String size = p.getParam("recordSize");
                final String batch = p.getParam("recordsPerBatch");
                if (seen.add(String.format(Locale.ROOT, "%08d/%08d", Integer.parseInt(size), Integer.parseInt(batch)))) {
                    shapes.add(new String[] {size, batch});
                }
            }
        }
        shapes.sort((a, b) -> Integer.parseInt(a[0]) != Integer.parseInt(b[0])
                ? Integer.compare(Integer.parseInt(a[0]), Integer.parseInt(b[0]))
                : Integer.compare(Integer.parseInt(a[1]), Integer.parseInt(b[1])));
        return shapes;
    }

    private static String shapeLabel(final String[] shape) {
        final int size = Integer.parseInt(shape[0]);
        final String s = size % 1024 == 0 ? (size / 1024) + " KiB" : size + " B";
        return shape[1] + " × " + s;
    }

    // ---------------------------------------------------------------- markdown

    String markdown() {
        final StringBuilder md = new StringBuilder();
        appendTables(md);
        latencyTable(md);
        readTable(md);
        recoveryTable(md);
        targets(md);
        return md.toString();
    }

    private void appendTables(final StringBuilder md) {
        final List<String[]> shapes = appendShapes();
        if (shapes.isEmpty()) {
            return;
        }
        md.append("### Append throughput (MB/s of batch bytes; records/s below)\n\n| records × size |");
        for (String peer : Peers.ALL) {
            md.append(' ').append(peer).append(" |");
        }
        md.append(" mmap / kafka | mmap / chronicle | mmap / memcpy | mmap / pwrite | lmdb / kafka |\n|---|");
        md.append("---:|".repeat(Peers.ALL.size() + 5)).append('\n');
        for (String[] shape : shapes) {
            md.append("| ").append(shapeLabel(shape)).append(" |");
            for (String peer : Peers.ALL) {
                md.append(' ').append(number(megabytesPerSecond(appendResult(peer, shape)))).append(" |");
            }
            final double mmap = megabytesPerSecond(appendResult(Peers.SEDIMENT_MMAP, shape));
            final double lmdb = megabytesPerSecond(appendResult(Peers.SEDIMENT_LMDB, shape));
            md.append(' ').append(ratio(mmap, megabytesPerSecond(appendResult(Peers.KAFKA, shape)))).append(" |")
                    .append(' ').append(ratio(mmap, megabytesPerSecond(appendResult(Peers.CHRONICLE, shape)))).append(" |")
                    .append(' ').append(percent(mmap, megabytesPerSecond(appendResult(Peers.MEMCPY, shape)))).append(" |")
                    .append(' ').append(percent(mmap, megabytesPerSecond(appendResult(Peers.PWRITE, shape)))).append(" |")
                    .append(' ').append(ratio(lmdb, megabytesPerSecond(appendResult(Peers.KAFKA, shape)))).append(" |\n");
        }
        md.append("\n| records × size (records/s) |");
        for (String peer : Peers.ALL) {
            md.append(' ').append(peer).append(" |");
        }
        md.append("\n|---|").append("---:|".repeat(Peers.ALL.size())).append('\n');
        for (String[] shape : shapes) {
            md.append("| ").append(shapeLabel(shape)).append(" |");
            for (String peer : Peers.ALL) {
                md.append(' ').append(number(opsPerSecond(appendResult(peer, shape)) * Integer.parseInt(shape[1])))
                        .append(" |");
            }
            md.append('\n');
        }
        md.append("\nmemcpy and pwrite are the physical limits: the batch copied into a fresh mapped file, and written"
                + " with `FileChannel.write` (`pwrite(2)`, as Kafka's log writes) into a fresh file. Where Kafka's rate"
                + " is above half the better of the two, \"2× Kafka\" is out of reach on this machine.\n\n");
    }

    /** The better of the two physical limits (memcpy into a mapping, pwrite into a file), or NaN if neither ran. */
    private double bestBaseline(final String[] shape) {
        final double memcpy = megabytesPerSecond(appendResult(Peers.MEMCPY, shape));
        final double pwrite = megabytesPerSecond(appendResult(Peers.PWRITE, shape));
        return Double.isNaN(memcpy) ? pwrite : Double.isNaN(pwrite) ? memcpy : Math.max(memcpy, pwrite);
    }

    private RunResult appendResult(final String peer, final String[] shape) {
        return find(APPEND, peer, "recordSize", shape[0], "recordsPerBatch", shape[1]);
    }

    private void latencyTable(final StringBuilder md) {
        if (find(LATENCY, Peers.SEDIMENT_MMAP) == null && find(LATENCY, Peers.KAFKA) == null) {
            return;
        }
        final RunResult any = firstOf(LATENCY);
        md.append("### Append latency of one small batch (").append(any.getParams().getParam("recordsPerBatch"))
                .append(" × ").append(any.getParams().getParam("recordSize")).append(" B), µs\n\n")
                .append("| peer | p50 | p99 | p99.9 | max | samples |\n|---|---:|---:|---:|---:|---:|\n");
        for (String peer : Peers.ALL) {
            final RunResult r = find(LATENCY, peer);
            md.append("| ").append(peer).append(" | ").append(number(percentile(r, 50))).append(" | ")
                    .append(number(percentile(r, 99))).append(" | ").append(number(percentile(r, 99.9))).append(" | ")
                    .append(number(percentile(r, 100))).append(" | ")
                    .append(r == null ? NONE : String.valueOf(r.getPrimaryResult().getStatistics().getN())).append(" |\n");
        }
        for (String peer : List.of(Peers.KAFKA, Peers.CHRONICLE, Peers.MEMCPY, Peers.PWRITE)) {
            final RunResult mmap = find(LATENCY, Peers.SEDIMENT_MMAP);
            final RunResult other = find(LATENCY, peer);
            md.append("| mmap / ").append(peer).append(" | ").append(ratio(percentile(mmap, 50), percentile(other, 50)))
                    .append(" | ").append(ratio(percentile(mmap, 99), percentile(other, 99)))
                    .append(" | ").append(ratio(percentile(mmap, 99.9), percentile(other, 99.9)))
                    .append(" | ").append(ratio(percentile(mmap, 100), percentile(other, 100))).append(" | |\n");
        }
        md.append("\nThe memcpy and pwrite rows are the physical limits of the two ways to write a file. Where both"
                + " have a p99.9 above half Kafka's, \"p99.9 ≤ ½ Kafka's\" is out of reach on this machine"
                + " (bench/README.md, \"Why p99.9 is missed\").\n\n");
    }

    private RunResult firstOf(final String benchmark) {
        for (RunResult r : results) {
            if (name(r.getParams()).equals(benchmark)) {
                return r;
            }
        }
        return null;
    }

    private void readTable(final StringBuilder md) {
        final RunResult any = firstOf(SEQUENTIAL) != null ? firstOf(SEQUENTIAL) : firstOf(RANDOM);
        if (any == null) {
            return;
        }
        final BenchmarkParams p = any.getParams();
        md.append("### Reads (").append(number(Double.parseDouble(p.getParam("records")))).append(" records of ")
                .append(p.getParam("recordSize")).append(" B in batches of ").append(p.getParam("recordsPerBatch"))
                .append(", reads of ").append(p.getParam("maxBytes")).append(" B)\n\n")
                .append("| peer | sequential MB/s | random read p50 µs | p99 µs | p99.9 µs | offsetForTimestamp p50 µs"
                        + " | p99 µs | heap MB | RSS MB |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (String peer : Peers.ALL) {
            final RunResult seq = find(SEQUENTIAL, peer);
            final RunResult rnd = find(RANDOM, peer);
            final RunResult ts = find(TIMESTAMP, peer);
            md.append("| ").append(peer).append(" | ").append(number(megabytesPerSecond(seq))).append(" | ")
                    .append(number(percentile(rnd, 50))).append(" | ").append(number(percentile(rnd, 99))).append(" | ")
                    .append(number(percentile(rnd, 99.9))).append(" | ")
                    .append(number(percentile(ts, 50))).append(" | ").append(number(percentile(ts, 99))).append(" | ")
                    .append(number(lastIterationValue(seq, "heapMB"))).append(" | ")
                    .append(number(lastIterationValue(seq, "rssMB"))).append(" |\n");
        }
        for (String peer : List.of(Peers.KAFKA, Peers.CHRONICLE, Peers.MEMCPY)) {
            md.append("| mmap / ").append(peer).append(" | ")
                    .append(percent(megabytesPerSecond(find(SEQUENTIAL, Peers.SEDIMENT_MMAP)),
                            megabytesPerSecond(find(SEQUENTIAL, peer)))).append(" | ")
                    .append(ratio(percentile(find(RANDOM, Peers.SEDIMENT_MMAP), 50), percentile(find(RANDOM, peer), 50)))
                    .append(" | ")
                    .append(ratio(percentile(find(RANDOM, Peers.SEDIMENT_MMAP), 99), percentile(find(RANDOM, peer), 99)))
                    .append(" | ")
                    .append(ratio(percentile(find(RANDOM, Peers.SEDIMENT_MMAP), 99.9),
                            percentile(find(RANDOM, peer), 99.9))).append(" | ")
                    .append(ratio(percentile(find(TIMESTAMP, Peers.SEDIMENT_MMAP), 50),
                            percentile(find(TIMESTAMP, peer), 50))).append(" | ")
                    .append(ratio(percentile(find(TIMESTAMP, Peers.SEDIMENT_MMAP), 99),
                            percentile(find(TIMESTAMP, peer), 99))).append(" | | |\n");
        }
        md.append("\nMB/s ratios are Sediment / peer (higher is better for Sediment); latency ratios too (lower is"
                + " better).\n\n");
    }

    private void recoveryTable(final StringBuilder md) {
        final RunResult any = firstOf(RECOVERY);
        if (any == null) {
            return;
        }
        md.append("### Recovery of an unflushed log (").append(number(Double.parseDouble(any.getParams()
                        .getParam("logBytes")) / 1e6)).append(" MB, halted without flush)\n\n")
                .append("| peer | ms per recovery | s per GiB | peer / mmap (speed-up) |\n|---|---:|---:|---:|\n");
        for (String peer : Peers.ALL) {
            final RunResult r = find(RECOVERY, peer);
            if (r == null) {
                continue;
            }
            md.append("| ").append(peer).append(" | ").append(number(r.getPrimaryResult().getScore())).append(" | ")
                    .append(number(recoverySecondsPerGib(peer))).append(" | ")
                    .append(ratio(recoverySecondsPerGib(peer), recoverySecondsPerGib(Peers.SEDIMENT_MMAP)))
                    .append(" |\n");
        }
        md.append('\n');
    }

    /** Issue #8's targets for Sediment (mmap, the default backend), each met or missed with the numbers. */
    private void targets(final StringBuilder md) {
        md.append("### Targets (Sediment mmap)\n\n| target | measured | verdict |\n|---|---|---|\n");
        final List<String[]> shapes = appendShapes();
        if (!shapes.isEmpty()) {
            final StringBuilder vsKafka = new StringBuilder();
            final StringBuilder vsMemcpy = new StringBuilder();
            int kafkaMet = 0;
            int memcpyMet = 0;
            int outOfReach = 0;
            for (String[] shape : shapes) {
                final double mmap = megabytesPerSecond(appendResult(Peers.SEDIMENT_MMAP, shape));
                final double kafka = megabytesPerSecond(appendResult(Peers.KAFKA, shape));
                final double k = mmap / kafka;
                final double m = mmap / megabytesPerSecond(appendResult(Peers.MEMCPY, shape));
                kafkaMet += k >= 2 ? 1 : 0;
                memcpyMet += m >= 0.6 ? 1 : 0;
                if (k < 2) {
                    final double best = bestBaseline(shape);
                    final boolean reachable = !(2 * kafka > best);
                    outOfReach += reachable ? 0 : 1;
                    vsKafka.append(vsKafka.length() == 0 ? "; missed at " : ", ").append(shapeLabel(shape))
                            .append(" (").append(ratio(mmap, kafka)).append(reachable ? ")" : "; out of reach: 2× Kafka is "
                                    + number(2 * kafka) + " MB/s, the best baseline " + number(best) + ")");
                }
                if (m < 0.6) {
                    vsMemcpy.append(vsMemcpy.length() == 0 ? "; missed at " : ", ").append(shapeLabel(shape))
                            .append(" (").append(percent(mmap, mmap / m)).append(')');
                }
            }
            md.append("| append ≥ 2× Kafka's log layer | ").append(kafkaMet).append(" of ").append(shapes.size())
                    .append(" shapes").append(vsKafka).append(outOfReach == 0 ? "" : "; " + outOfReach
                            + " of the misses above the physical limit").append(" | ")
                    .append(verdict(kafkaMet, shapes.size())).append(" |\n");
            md.append("| append ≥ 60% of memcpy | ").append(memcpyMet).append(" of ").append(shapes.size())
                    .append(" shapes").append(vsMemcpy).append(" | ").append(verdict(memcpyMet, shapes.size())).append(" |\n");
        }
        final double p999 = percentile(find(LATENCY, Peers.SEDIMENT_MMAP), 99.9);
        final double kafkaP999 = percentile(find(LATENCY, Peers.KAFKA), 99.9);
        if (!Double.isNaN(p999) && !Double.isNaN(kafkaP999)) {
            final boolean met = p999 <= kafkaP999 / 2;
            final double memcpyP999 = percentile(find(LATENCY, Peers.MEMCPY), 99.9);
            final double pwriteP999 = percentile(find(LATENCY, Peers.PWRITE), 99.9);
            // Either physical limit would do (mmap or pwrite), so the target is reachable unless both miss it.
            final double bestP999 = Double.isNaN(memcpyP999) ? pwriteP999
                    : Double.isNaN(pwriteP999) ? memcpyP999 : Math.min(memcpyP999, pwriteP999);
            final boolean outOfReach = !met && bestP999 > kafkaP999 / 2;
            md.append("| p99.9 append ≤ ½ Kafka's | ").append(number(p999)).append(" µs vs ").append(number(kafkaP999))
                    .append(" µs (").append(ratio(p999, kafkaP999)).append(')')
                    .append(outOfReach ? "; out of reach: ½ Kafka's is " + number(kafkaP999 / 2)
                            + " µs, the baselines' p99.9 " + number(memcpyP999) + " µs (memcpy) and "
                            + number(pwriteP999) + " µs (pwrite)" : "")
                    .append(" | ").append(met ? "met" : "**missed**").append(" |\n");
        }
        final double rnd50 = percentile(find(RANDOM, Peers.SEDIMENT_MMAP), 50);
        final double kafkaRnd50 = percentile(find(RANDOM, Peers.KAFKA), 50);
        final double rnd99 = percentile(find(RANDOM, Peers.SEDIMENT_MMAP), 99);
        final double kafkaRnd99 = percentile(find(RANDOM, Peers.KAFKA), 99);
        if (!Double.isNaN(rnd50) && !Double.isNaN(kafkaRnd50)) {
            md.append("| random read no slower than Kafka's | p50 ").append(number(rnd50)).append(" vs ")
                    .append(number(kafkaRnd50)).append(" µs, p99 ").append(number(rnd99)).append(" vs ")
                    .append(number(kafkaRnd99)).append(" µs | ")
                    .append(rnd50 <= kafkaRnd50 && rnd99 <= kafkaRnd99 ? "met" : "**missed**").append(" |\n");
        }
        final double rec = recoverySecondsPerGib(Peers.SEDIMENT_MMAP);
        final double kafkaRec = recoverySecondsPerGib(Peers.KAFKA);
        if (!Double.isNaN(rec) && !Double.isNaN(kafkaRec)) {
            md.append("| recovery ≥ 2× faster than Kafka's | ").append(number(rec)).append(" vs ").append(number(kafkaRec))
                    .append(" s/GiB (").append(ratio(kafkaRec, rec)).append(" faster) | ")
                    .append(kafkaRec >= 2 * rec ? "met" : "**missed**").append(" |\n");
        }
        md.append('\n');
    }

    private static String verdict(final int met, final int of) {
        return met == of ? "met" : met == 0 ? "**missed**" : "**missed** in " + (of - met);
    }

    // ---------------------------------------------------------------- charts

    /** Writes the PNG charts into {@code directory}; returns their file names. */
    List<String> charts(final Path directory) throws IOException {
        final List<String> written = new ArrayList<>();
        final List<String[]> shapes = appendShapes();
        if (!shapes.isEmpty()) {
            final CategoryChart chart = chart("Append throughput (same batches, page cache only)", "records × size",
                    "MB/s");
            final List<String> x = new ArrayList<>();
            shapes.forEach(s -> x.add(shapeLabel(s)));
            for (String peer : Peers.ALL) {
                final List<Double> y = new ArrayList<>();
                shapes.forEach(s -> y.add(orZero(megabytesPerSecond(appendResult(peer, s)))));
                chart.addSeries(peer, x, y);
            }
            written.add(save(chart, directory, "engine-append"));
        }
        if (firstOf(LATENCY) != null) {
            final CategoryChart chart = chart("Append latency, one small batch (log scale)", "percentile", "µs");
            // xchart 4.0.3 cannot draw bars on a log axis (they start at 0): percentile curves instead
            chart.getStyler().setYAxisLogarithmic(true);
            chart.getStyler().setDefaultSeriesRenderStyle(CategorySeries.CategorySeriesRenderStyle.Line);
            final List<String> x = List.of("p50", "p99", "p99.9", "max");
            final double[] ps = {50, 99, 99.9, 100};
            for (String peer : Peers.ALL) {
                final RunResult r = find(LATENCY, peer);
                if (r != null) {
                    final List<Double> y = new ArrayList<>();
                    for (double p : ps) {
                        y.add(percentile(r, p));
                    }
                    chart.addSeries(peer, x, y);
                }
            }
            written.add(save(chart, directory, "engine-latency"));
        }
        if (firstOf(SEQUENTIAL) != null) {
            final CategoryChart chart = chart("Sequential read", "peer", "MB/s");
            final List<String> x = new ArrayList<>();
            final List<Double> y = new ArrayList<>();
            for (String peer : Peers.ALL) {
                x.add(peer);
                y.add(orZero(megabytesPerSecond(find(SEQUENTIAL, peer))));
            }
            chart.addSeries("MB/s", x, y);
            written.add(save(chart, directory, "engine-sequential-read"));
        }
        if (firstOf(RANDOM) != null || firstOf(TIMESTAMP) != null) {
            final CategoryChart chart = chart("Lookups: random read and offsetForTimestamp", "peer", "µs");
            final List<String> x = new ArrayList<>();
            for (String peer : Peers.ALL) {
                if (find(RANDOM, peer) != null) {
                    x.add(peer);
                }
            }
            for (Object[] series : new Object[][] {{RANDOM, 50.0, "random read p50"},
                {RANDOM, 99.0, "random read p99"}, {TIMESTAMP, 50.0, "offsetForTimestamp p50"},
                {TIMESTAMP, 99.0, "offsetForTimestamp p99"}}) {
                final List<Double> y = new ArrayList<>();
                for (String peer : x) {
                    final double v = percentile(find((String) series[0], peer), (Double) series[1]);
                    y.add(orZero(v)); // a peer without the operation (Chronicle: no time index) gets no bar
                }
                chart.addSeries((String) series[2], x, y);
            }
            written.add(save(chart, directory, "engine-lookups"));
        }
        if (firstOf(RECOVERY) != null) {
            final CategoryChart chart = chart("Recovery of an unflushed log", "peer", "s per GiB");
            final List<String> x = new ArrayList<>();
            final List<Double> y = new ArrayList<>();
            for (String peer : Peers.ALL) {
                if (find(RECOVERY, peer) != null) {
                    x.add(peer);
                    y.add(recoverySecondsPerGib(peer));
                }
            }
            chart.addSeries("s/GiB", x, y);
            written.add(save(chart, directory, "engine-recovery"));
        }
        return written;
    }

    private static CategoryChart chart(final String title, final String xTitle, final String yTitle) {
        final CategoryChart chart = new CategoryChartBuilder().width(1000).height(520).title(title)
                .xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        chart.getStyler().setLegendVisible(true);
        return chart;
    }

    private static String save(final CategoryChart chart, final Path directory, final String name) throws IOException {
        final String file = name + ".png";
        // xchart 4.0.3 deprecates its save methods; the image itself is not
        ImageIO.write(BitmapEncoder.getBufferedImage(chart), "png", directory.resolve(file).toFile());
        return file;
    }

    private static double orZero(final double v) {
        return Double.isNaN(v) ? 0 : v;
    }

    // ---------------------------------------------------------------- formatting

    static String number(final double v) {
        if (Double.isNaN(v) || v < 0) {
            return NONE;
        }
        if (v >= 1000) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (v >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.3f", v);
    }

    /** {@code a / b} as "1.23×", or "—" when either is missing. */
    static String ratio(final double a, final double b) {
        if (Double.isNaN(a) || Double.isNaN(b) || b == 0) {
            return NONE;
        }
        return String.format(Locale.ROOT, "%.2f×", a / b);
    }

    static String percent(final double a, final double b) {
        if (Double.isNaN(a) || Double.isNaN(b) || b == 0) {
            return NONE;
        }
        return String.format(Locale.ROOT, "%.0f%%", 100 * a / b);
    }
}
