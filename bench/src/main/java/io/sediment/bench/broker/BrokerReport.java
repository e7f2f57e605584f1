package io.sediment.bench.broker;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * The suite's results as markdown: one row per workload and broker (medians over the rounds, with their spread),
 * then Sediment / Kafka ratios of the medians against the targets of issue #8.
 */
final class BrokerReport {
    /** A target of issue #8: Sediment / Kafka of a metric's medians, and the bound it must meet. */
    enum Target {
        PRODUCER_THROUGHPUT("producer records/s", r -> r.producer().recordsPerSec(), true, 1.3),
        PRODUCER_P99("producer p99", r -> r.producer().p99Ms(), false, 0.5),
        CONSUMER_THROUGHPUT("consumer records/s", r -> r.consumer().fetchRecordsPerSec(), true, 1.2),
        PEAK_RSS("peak RSS", r -> r.peakRssKb(), false, 0.25),
        STARTUP("start-up time", RoundResult::startupMillis, false, 0.1);

        final String label;
        final ToDoubleFunction<RoundResult> metric;
        final boolean higherIsBetter;
        final double bound;

        Target(final String label, final ToDoubleFunction<RoundResult> metric, final boolean higherIsBetter,
               final double bound) {
            this.label = label;
            this.metric = metric;
            this.higherIsBetter = higherIsBetter;
            this.bound = bound;
        }

        boolean met(final double sedimentOverKafka) {
            return higherIsBetter ? sedimentOverKafka >= bound : sedimentOverKafka <= bound;
        }

        String bound() {
            return (higherIsBetter ? "≥ " : "≤ ") + fmtRatio(bound);
        }
    }

    private final List<RoundResult> results;

    BrokerReport(final List<RoundResult> results) {
        this.results = List.copyOf(results);
    }

    List<Workload> workloads() {
        return results.stream().map(RoundResult::workload).distinct().toList();
    }

    List<RoundResult> runs(final Workload w, final Peer peer) {
        return results.stream().filter(r -> r.workload().equals(w) && r.peer() == peer).toList();
    }

    List<Peer> peers() {
        return results.stream().map(RoundResult::peer).distinct().sorted().toList();
    }

    Stats stats(final Workload w, final Peer peer, final ToDoubleFunction<RoundResult> metric) {
        return Stats.of(runs(w, peer), metric);
    }

    /** Sediment's median over Kafka's, or NaN when either broker was not measured. */
    double ratio(final Workload w, final Target t) {
        if (runs(w, Peer.SEDIMENT).isEmpty() || runs(w, Peer.KAFKA).isEmpty()) {
            return Double.NaN;
        }
        return stats(w, Peer.SEDIMENT, t.metric).median() / stats(w, Peer.KAFKA, t.metric).median();
    }

    String resultsTable() {
        final StringBuilder sb = new StringBuilder();
        sb.append("| workload | broker | producer records/s | producer MB/s | p50 ms | p99 ms | p99.9 ms "
                + "| consumer records/s | consumer MB/s | join ms | start-up ms | RSS after start MB | peak RSS MB "
                + "| of it file-backed MB |\n");
        sb.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Workload w : workloads()) {
            for (Peer peer : peers()) {
                if (runs(w, peer).isEmpty()) {
                    continue;
                }
                sb.append("| ").append(w.label()).append(" | ").append(peer.label())
                        .append(" | ").append(withSpread(stats(w, peer, r -> r.producer().recordsPerSec()), 0))
                        .append(" | ").append(fmt(stats(w, peer, r -> r.producer().mbPerSec()).median(), 1))
                        .append(" | ").append(fmt(stats(w, peer, r -> r.producer().p50Ms()).median(), 0))
                        .append(" | ").append(withSpread(stats(w, peer, r -> r.producer().p99Ms()), 0))
                        .append(" | ").append(fmt(stats(w, peer, r -> r.producer().p999Ms()).median(), 0))
                        .append(" | ").append(withSpread(stats(w, peer, r -> r.consumer().fetchRecordsPerSec()), 0))
                        .append(" | ").append(fmt(stats(w, peer, r -> r.consumer().fetchMbPerSec()).median(), 1))
                        .append(" | ").append(fmt(stats(w, peer, r -> r.consumer().rebalanceMs()).median(), 0))
                        .append(" | ").append(withSpread(stats(w, peer, RoundResult::startupMillis), 0))
                        .append(" | ").append(fmt(stats(w, peer, r -> r.rssAfterStartKb()).median() / 1024, 0))
                        .append(" | ").append(withSpread(stats(w, peer, r -> r.peakRssKb() / 1024.0), 0))
                        .append(" | ").append(fmt(stats(w, peer, r -> r.peakRssFileKb()).median() / 1024, 0))
                        .append(" |\n");
            }
        }
        return sb.toString();
    }

    String targetsTable() {
        final StringBuilder sb = new StringBuilder("| workload |");
        final StringBuilder rule = new StringBuilder("|---|");
        for (Target t : Target.values()) {
            sb.append(' ').append(t.label).append(" Sediment / Kafka (target ").append(t.bound()).append(") |");
            rule.append("---:|");
        }
        sb.append('\n').append(rule).append('\n');
        for (Workload w : workloads()) {
            sb.append("| ").append(w.label()).append(" |");
            for (Target t : Target.values()) {
                final double ratio = ratio(w, t);
                sb.append(' ').append(Double.isNaN(ratio) ? "n/a"
                        : fmtRatio(ratio) + (t.met(ratio) ? " met" : " **missed**")).append(" |");
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** One line per run, in the order they ran: the raw numbers behind the medians. */
    String runsTable() {
        final StringBuilder sb = new StringBuilder("| workload | round | broker | producer records/s | p99 ms "
                + "| consumer records/s | start-up ms | Kafka format ms | RSS after start MB | peak RSS MB |\n"
                + "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (RoundResult r : results) {
            sb.append("| ").append(r.workload().label()).append(" | ").append(r.round()).append(" | ")
                    .append(r.peer().label()).append(" | ").append(fmt(r.producer().recordsPerSec(), 0))
                    .append(" | ").append(fmt(r.producer().p99Ms(), 0))
                    .append(" | ").append(fmt(r.consumer().fetchRecordsPerSec(), 0))
                    .append(" | ").append(fmt(r.startupMillis(), 0))
                    .append(" | ").append(r.peer() == Peer.KAFKA ? fmt(r.formatMillis(), 0) : "")
                    .append(" | ").append(fmt(r.rssAfterStartKb() / 1024.0, 0))
                    .append(" | ").append(fmt(r.peakRssKb() / 1024.0, 0)).append(" |\n");
        }
        return sb.toString();
    }

    List<String> missedTargets() {
        final List<String> missed = new ArrayList<>();
        for (Workload w : workloads()) {
            for (Target t : Target.values()) {
                final double ratio = ratio(w, t);
                if (!Double.isNaN(ratio) && !t.met(ratio)) {
                    missed.add(w.label() + ": " + t.label + " " + fmtRatio(ratio) + " (target " + t.bound() + ")");
                }
            }
        }
        return missed;
    }

    private static String withSpread(final Stats s, final int decimals) {
        return fmt(s.median(), decimals) + (s.n() > 1 ? " ±" + fmt(100 * s.spread(), 0) + "%" : "");
    }

    static String fmt(final double v, final int decimals) {
        return String.format(Locale.ROOT, "%,." + decimals + "f", v);
    }

    static String fmtRatio(final double v) {
        return String.format(Locale.ROOT, v >= 10 ? "%.0f×" : "%.2f×", v);
    }
}
