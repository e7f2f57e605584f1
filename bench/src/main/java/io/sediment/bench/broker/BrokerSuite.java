package io.sediment.bench.broker;

import io.sediment.bench.ScratchDirectory;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The end-to-end broker suite (issues #5 and #8): Kafka's ProducerPerformance and ConsumerPerformance against the
 * Sediment broker and against a real single-node Apache Kafka broker (KRaft), with the same settings, the same
 * payloads and the same JVM flags, runs of the two brokers alternating. Every run starts a fresh broker on an empty
 * data directory, creates the topic, produces the workload's records, consumes them, reads the broker's memory and
 * stops it. Writes {@code broker.md} (medians with spread, every run, Sediment / Kafka ratios against the targets)
 * and PNG charts to {@code --out}; options in {@link SuiteConfig}.
 *
 * <pre>
 * mvn -B -q -pl bench -am package -DskipTests
 * java -cp "bench/target/classes:$(cat bench/target/broker-suite-classpath.txt)" io.sediment.bench.broker.BrokerSuite
 * </pre>
 */
public final class BrokerSuite {
    private BrokerSuite() {
    }

    public static void main(final String[] args) {
        // The suite's own Admin client would otherwise print its whole config at INFO for every run.
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        System.setProperty("java.awt.headless", "true");
        final SuiteConfig config = SuiteConfig.parse(args);
        final Path md = run(config, String.join(" ", args));
        System.out.println("wrote " + md.toAbsolutePath());
    }

    /** Runs the suite and writes its report; returns the markdown file. */
    static Path run(final SuiteConfig config, final String argsLine) {
        final Instant started = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        final String loadBefore = loadAverage();
        final List<RoundResult> results = new ArrayList<>();
        for (Workload w : config.workloads()) {
            for (int round = 1; round <= config.rounds(); round++) {
                for (Peer peer : order(config, round)) {
                    final RoundResult r = runOnce(config, w, round, peer);
                    results.add(r);
                    System.out.printf("%-24s round %d %-12s produce %,10.0f rec/s p99 %,6.0f ms | consume %,10.0f rec/s"
                                    + " | start-up %,6.0f ms | RSS %,5d MB peak %,5d MB%n", w.label(), round,
                            peer.label(), r.producer().recordsPerSec(), r.producer().p99Ms(),
                            r.consumer().fetchRecordsPerSec(), r.startupMillis(), r.rssAfterStartKb() / 1024,
                            r.peakRssKb() / 1024);
                }
            }
        }
        final BrokerReport report = new BrokerReport(results);
        final String loadAfter = loadAverage();
        try {
            Files.createDirectories(config.out());
            final List<Path> charts = BrokerCharts.write(report, config.out());
            final String text = markdown(config, report, argsLine, started, loadBefore, loadAfter, charts);
            final Path md = config.out().resolve("broker.md");
            Files.writeString(md, text, StandardCharsets.UTF_8);
            System.out.println();
            System.out.println(report.resultsTable());
            System.out.println(report.targetsTable());
            return md;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the report to " + config.out(), e);
        }
    }

    /** Alternates which broker goes first, so neither always runs on the warmer (or noisier) half of a round. */
    private static List<Peer> order(final SuiteConfig config, final int round) {
        final List<Peer> peers = new ArrayList<>(config.peers());
        if (round % 2 == 0) {
            java.util.Collections.reverse(peers);
        }
        return peers;
    }

    private static RoundResult runOnce(final SuiteConfig config, final Workload w, final int round, final Peer peer) {
        final List<String> extraFlags = new ArrayList<>();
        if (peer == Peer.SEDIMENT && config.jfrDir() != null) {
            try {
                Files.createDirectories(config.jfrDir());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            extraFlags.add("-XX:StartFlightRecording=settings=profile,filename="
                    + config.jfrDir().toAbsolutePath().resolve("sediment-" + w.tag() + "-r" + round + ".jfr"));
        }
        try (ScratchDirectory dir = ScratchDirectory.create("broker-suite-" + peer.name().toLowerCase() + "-");
             ChildBroker broker = ChildBroker.start(peer, config, w.partitions(), dir.path(), extraFlags)) {
            final long rssAfterStart = broker.jvm().statusKb("VmRSS");
            final String topic = "bench-" + w.tag() + "-r" + round;
            createTopic(broker.bootstrapServers(), topic, w.partitions());
            final PerfTool.ProducerRun producer = PerfTool.produce(config, broker.bootstrapServers(), topic, w, dir.path());
            final PerfTool.ConsumerRun consumer = PerfTool.consume(config, broker.bootstrapServers(), topic, w, dir.path());
            final long peak = broker.jvm().statusKb("VmHWM");
            final long file = broker.jvm().statusKb("RssFile");
            return new RoundResult(peer, w, round, broker.startupMillis(), broker.formatMillis(), rssAfterStart, peak,
                    file, producer, consumer);
        }
    }

    /**
     * Creates the topic and waits until every partition has a leader: Kafka's controller answers CreateTopics
     * before its broker side has loaded the partitions (describing the topic may even say it does not exist), and the producer's first batches would otherwise measure
     * that instead of the broker's speed.
     */
    static void createTopic(final String bootstrap, final String topic, final int partitions) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(60, TimeUnit.SECONDS);
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (true) {
                final TopicDescription d = describe(admin, topic);
                if (d != null && d.partitions().size() == partitions
                        && d.partitions().stream().allMatch(p -> p.leader() != null)) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("topic " + topic + " has no leader for every partition: " + d);
                }
                ChildBroker.sleepQuietly(20);
            }
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot create topic " + topic + " on " + bootstrap, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** The topic's description, or null while the broker does not know the topic yet (Kafka, just after creation). */
    private static TopicDescription describe(final Admin admin, final String topic)
            throws InterruptedException, ExecutionException, TimeoutException {
        try {
            return admin.describeTopics(List.of(topic)).allTopicNames().get(60, TimeUnit.SECONDS).get(topic);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return null;
            }
            throw e;
        }
    }

    private static String markdown(final SuiteConfig config, final BrokerReport report, final String argsLine,
                                   final Instant started, final String loadBefore, final String loadAfter,
                                   final List<Path> charts) {
        final StringBuilder sb = new StringBuilder("# Broker suite: Sediment and Apache Kafka 4.4.0, end to end\n\n");
        final Workload first = config.workloads().get(0);
        sb.append("Run ").append(started).append(" to ").append(Instant.now().truncatedTo(ChronoUnit.SECONDS))
                .append(", ").append(Runtime.getRuntime().availableProcessors()).append(" CPUs, Java ")
                .append(System.getProperty("java.version")).append(". Load average (1/5/15 min) before: ")
                .append(loadBefore).append(", after: ").append(loadAfter).append(".\n\n")
                .append("Arguments: `").append(argsLine.isBlank() ? "(defaults)" : argsLine).append("`. ")
                .append(first.records()).append(" records per run, ").append(config.rounds())
                .append(" runs of each broker per workload, alternating which goes first; a fresh broker and data "
                        + "directory per run. Broker JVM flags (both): `").append(String.join(" ", config.brokerJvm()))
                .append("`; tools: `").append(String.join(" ", config.clientJvm()))
                .append("`. Producer: ProducerPerformance, `--throughput -1`, client defaults (acks=all, "
                        + "idempotent), payloads from seed ").append(PerfTool.PAYLOAD_SEED)
                .append(". Consumer: ConsumerPerformance in a new group from the earliest offset; records/s and "
                        + "MB/s are its `fetch.*` rates (after the group join, whose time is the join column). "
                        + "MB = 2^20 bytes, as the tools print it. Medians, ± half the range over the runs.\n\n");
        sb.append(report.resultsTable()).append('\n');
        sb.append("## Targets (issue #8), ratios of the medians\n\n").append(report.targetsTable()).append('\n');
        final List<String> missed = report.missedTargets();
        sb.append(missed.isEmpty() ? "All targets met.\n\n" : "Missed:\n\n- " + String.join("\n- ", missed) + "\n\n");
        sb.append("## Charts\n\n");
        for (Path chart : charts) {
            sb.append("![").append(chart.getFileName()).append("](").append(chart.getFileName()).append(")\n");
        }
        sb.append("\n## Every run\n\n").append(report.runsTable());
        return sb.toString();
    }

    static String loadAverage() {
        try {
            final String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "unknown";
        }
    }
}
