package io.sediment.bench.broker;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;

import javax.imageio.ImageIO;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/** Grouped bar charts of a {@link BrokerReport} (xchart, PNG): one group per workload, one bar per broker. */
final class BrokerCharts {
    private BrokerCharts() {
    }

    /** Writes the charts into {@code dir} and returns their files. */
    static List<Path> write(final BrokerReport report, final Path dir) {
        final List<Path> files = new ArrayList<>();
        files.add(chart(report, dir, "broker-producer-throughput", "Producer throughput (ProducerPerformance)",
                "records/s", r -> r.producer().recordsPerSec()));
        files.add(chart(report, dir, "broker-producer-p99", "Producer p99 latency (lower is better)",
                "ms", r -> r.producer().p99Ms()));
        files.add(chart(report, dir, "broker-consumer-throughput", "Consumer throughput (ConsumerPerformance, fetch)",
                "records/s", r -> r.consumer().fetchRecordsPerSec()));
        files.add(chart(report, dir, "broker-startup", "Start-up: JVM spawn until ApiVersions answers (lower is better)",
                "ms", RoundResult::startupMillis));
        files.add(chart(report, dir, "broker-peak-rss", "Peak RSS, VmHWM (lower is better)",
                "MB", r -> r.peakRssKb() / 1024.0));
        return files;
    }

    private static Path chart(final BrokerReport report, final Path dir, final String name, final String title,
                              final String yTitle, final ToDoubleFunction<RoundResult> metric) {
        final CategoryChart chart = new CategoryChartBuilder().width(900).height(500).title(title)
                .xAxisTitle("workload (median of the rounds; error bars: half the range)").yAxisTitle(yTitle).build();
        chart.getStyler().setYAxisMin(0.0);
        final List<Workload> workloads = report.workloads();
        for (Peer peer : report.peers()) {
            final List<String> x = new ArrayList<>();
            final List<Double> y = new ArrayList<>();
            final List<Double> error = new ArrayList<>();
            for (Workload w : workloads) {
                if (report.runs(w, peer).isEmpty()) {
                    continue;
                }
                final Stats s = report.stats(w, peer, metric);
                x.add(w.label());
                y.add(s.median());
                error.add(s.halfRange());
            }
            chart.addSeries(peer.label(), x, y, error);
        }
        final Path file = dir.resolve(name + ".png");
        try {
            // saveBitmap is deprecated in xchart 4; the engine suite writes its charts the same way.
            ImageIO.write(BitmapEncoder.getBufferedImage(chart), "png", file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        return file;
    }
}
