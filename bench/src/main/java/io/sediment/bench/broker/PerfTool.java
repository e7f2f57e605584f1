package io.sediment.bench.broker;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Kafka's own {@code ProducerPerformance} and {@code ConsumerPerformance} (kafka-tools), each run in a child JVM so
 * that the client's allocation and GC stay out of the broker's process, and their summary lines parsed.
 *
 * <p>Both tools print MB as 2^20 bytes. The producer's latency of a record is from {@code send()} to its
 * acknowledgement, so at an unthrottled rate it includes the time the record waits in the producer's buffer.
 */
final class PerfTool {
    /** The producer's final line; its periodic lines lack the percentiles. */
    private static final Pattern PRODUCER_SUMMARY = Pattern.compile(
            "(\\d+) records sent, ([\\d.]+) records/sec \\(([\\d.]+) MB/sec\\), ([\\d.]+) ms avg latency, "
                    + "([\\d.]+) ms max latency, (\\d+) ms 50th, (\\d+) ms 95th, (\\d+) ms 99th, (\\d+) ms 99\\.9th\\.");
    /** The same payloads on every broker: ProducerPerformance draws them from this seed. */
    static final String PAYLOAD_SEED = "20261203";

    private PerfTool() {
    }

    /** One ProducerPerformance run: all {@code records} sent as fast as the producer can, client defaults otherwise. */
    record ProducerRun(long records, double recordsPerSec, double mbPerSec, double avgMs, double maxMs, double p50Ms,
                       double p95Ms, double p99Ms, double p999Ms) {
    }

    /**
     * One ConsumerPerformance run in a fresh group. The {@code fetch*} rates leave out the time to join the group
     * ({@code rebalanceMs}); {@code recordsPerSec} and {@code mbPerSec} include it.
     */
    record ConsumerRun(long records, double mb, double recordsPerSec, double mbPerSec, long rebalanceMs, long fetchMs,
                       double fetchRecordsPerSec, double fetchMbPerSec) {
    }

    static ProducerRun produce(final SuiteConfig config, final String bootstrap, final String topic,
                               final Workload w, final Path runDir) {
        final List<String> args = new ArrayList<>(List.of("--topic", topic, "--num-records", Long.toString(w.records()),
                "--record-size", Integer.toString(w.recordSize()), "--throughput", "-1",
                "--random-seed", PAYLOAD_SEED, "--command-property", "bootstrap.servers=" + bootstrap));
        final String out = ChildJvm.start(config.classpath(), config.clientJvm(), "org.apache.kafka.tools.ProducerPerformance",
                args, runDir, "producer").awaitOutput(timeoutSeconds(w));
        return parseProducer(out, w.records());
    }

    static ConsumerRun consume(final SuiteConfig config, final String bootstrap, final String topic,
                               final Workload w, final Path runDir) {
        final List<String> args = List.of("--bootstrap-server", bootstrap, "--topic", topic,
                "--num-records", Long.toString(w.records()), "--group", "bench-" + topic, "--timeout", "30000");
        final String out = ChildJvm.start(config.classpath(), config.clientJvm(), "org.apache.kafka.tools.ConsumerPerformance",
                args, runDir, "consumer").awaitOutput(timeoutSeconds(w));
        return parseConsumer(out, w.records());
    }

    /** Generous (1 MB/s, at least five minutes) but bounded: a stuck tool fails the run rather than hanging it. */
    private static long timeoutSeconds(final Workload w) {
        return Math.max(300, w.records() * w.recordSize() / 1_000_000);
    }

    static ProducerRun parseProducer(final String output, final long expected) {
        final Matcher m = PRODUCER_SUMMARY.matcher(output);
        if (!m.find()) {
            throw new IllegalStateException("no ProducerPerformance summary line in:\n" + tail(output));
        }
        final ProducerRun run = new ProducerRun(Long.parseLong(m.group(1)), d(m, 2), d(m, 3), d(m, 4), d(m, 5),
                d(m, 6), d(m, 7), d(m, 8), d(m, 9));
        if (run.records() != expected) {
            throw new IllegalStateException("ProducerPerformance sent " + run.records() + " of " + expected + " records");
        }
        return run;
    }

    /**
     * The tool prints a header line of column names, then one line of values; columns are found by name. Other lines
     * (a client's log line, the timeout warning) may come between the two, as the tool's stdout and stderr share the
     * output: the values are the first line after the header with as many fields.
     */
    static ConsumerRun parseConsumer(final String output, final long expected) {
        final String[] lines = output.split("\\R");
        for (int i = 0; i + 1 < lines.length; i++) {
            if (lines[i].startsWith("start.time, end.time")) {
                final String[] names = lines[i].split(",\\s*");
                String[] values = null;
                for (int j = i + 1; j < lines.length && values == null; j++) {
                    final String[] fields = lines[j].split(",\\s*");
                    values = fields.length == names.length ? fields : null;
                }
                if (values == null) {
                    throw new IllegalStateException("no ConsumerPerformance values after its header in:\n"
                            + tail(output));
                }
                final Map<String, String> row = new HashMap<>();
                for (int c = 0; c < names.length; c++) {
                    row.put(names[c].trim(), values[c].trim());
                }
                final Function<String, String> field = name -> {
                    final String value = row.get(name);
                    if (value == null) {
                        throw new IllegalStateException("no ConsumerPerformance column " + name + " in:\n" + tail(output));
                    }
                    return value;
                };
                final ConsumerRun run;
                try {
                    run = new ConsumerRun(Long.parseLong(field.apply("data.consumed.in.nMsg")),
                            Double.parseDouble(field.apply("data.consumed.in.MB")),
                            Double.parseDouble(field.apply("nMsg.sec")), Double.parseDouble(field.apply("MB.sec")),
                            Long.parseLong(field.apply("rebalance.time.ms")), Long.parseLong(field.apply("fetch.time.ms")),
                            Double.parseDouble(field.apply("fetch.nMsg.sec")),
                            Double.parseDouble(field.apply("fetch.MB.sec")));
                } catch (NumberFormatException e) {
                    throw new IllegalStateException("unreadable ConsumerPerformance values (" + e.getMessage()
                            + ") in:\n" + tail(output), e);
                }
                if (run.records() != expected) {
                    throw new IllegalStateException("ConsumerPerformance consumed " + run.records() + " of " + expected
                            + " records:\n" + tail(output));
                }
                return run;
            }
        }
        throw new IllegalStateException("no ConsumerPerformance result line in:\n" + tail(output));
    }

    private static double d(final Matcher m, final int group) {
        return Double.parseDouble(m.group(group));
    }

    private static String tail(final String s) {
        return s.length() <= 3000 ? s : "..." + s.substring(s.length() - 3000);
    }
}
