package io.sediment.bench.broker;

import io.sediment.bench.ScratchDirectory;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The broker suite's consume phase alone, for profiling the fetch path: each variant (a broker, possibly built from
 * another classpath) is started once and filled once with ProducerPerformance, then ConsumerPerformance runs
 * {@code --repeats} times against each variant in turn, alternating their order, each run in a fresh group from the
 * earliest offset. Besides the tool's fetch rate it prints the broker's CPU time during the run ({@code /proc}),
 * that CPU per MB consumed, the consumer's own CPU time, and the consumer's fetch metrics
 * ({@code --print-metrics}: fetch requests, bytes per fetch, fetch latency), so that Sediment and Kafka can be
 * compared per fetch. Brokers stay up between runs, so later runs see a broker whose JIT has warmed.
 *
 * <pre>
 * java -cp "bench/target/classes:$(cat bench/target/broker-suite-classpath.txt)" io.sediment.bench.broker.ConsumerProbe \
 *     --records 500000 --size 100 --partitions 6 --repeats 5 \
 *     --variant sediment=sediment:. --variant kafka=kafka:bench/target/broker-suite-classpath.txt
 * </pre>
 *
 * A Sediment variant names the checkout whose {@code bin/kafka-server-start.sh} starts it ({@code sediment:.} for this
 * one, {@code sediment:/work/wt-old} for another build of it); a Kafka variant names a classpath file.
 * Other options are {@link SuiteConfig}'s ({@code --broker-jvm}, {@code --client-jvm}); {@code --broker-extra NAME=flags}
 * adds JVM flags to one variant's broker (a JFR recording, say); {@code --keep DIR} keeps each consumer's output.
 */
public final class ConsumerProbe {
    private static final Pattern METRIC = Pattern.compile(
            "consumer-fetch-manager-metrics:(fetch-latency-avg|fetch-latency-max|fetch-size-avg|fetch-size-max|"
                    + "fetch-total|records-per-request-avg|bytes-consumed-total)\\s*:\\{client-id=[^}]*}\\s*:\\s*([\\d.E+-]+)");

    private ConsumerProbe() {
    }

    /**
     * One broker to probe. A Kafka variant runs from {@code classpath}; a Sediment variant is started as a user starts
     * it, through the start script of the checkout at {@code sedimentHome} (so an older build is a second worktree),
     * and its tools use the suite's classpath.
     */
    private record Variant(String name, Peer peer, List<String> classpath, Path sedimentHome, List<String> extraFlags) {
    }

    public static void main(final String[] args) throws Exception {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        long records = 500_000;
        int size = 100;
        int partitions = 1;
        int repeats = 3;
        Path keep = null;
        int warmPasses = 0;
        final Map<String, String[]> variantSpecs = new LinkedHashMap<>();
        final Map<String, String> extras = new LinkedHashMap<>();
        final List<String> suiteArgs = new ArrayList<>();
        for (int i = 0; i < args.length; i += 2) {
            final String v = args[i + 1];
            switch (args[i]) {
                case "--records" -> records = Long.parseLong(v);
                case "--size" -> size = Integer.parseInt(v);
                case "--partitions" -> partitions = Integer.parseInt(v);
                case "--repeats" -> repeats = Integer.parseInt(v);
                case "--keep" -> keep = Path.of(v);
                case "--warm-passes" -> warmPasses = Integer.parseInt(v);
                case "--variant" -> {
                    final String[] nameRest = v.split("=", 2);
                    variantSpecs.put(nameRest[0], nameRest[1].split(":", 2));
                }
                case "--broker-extra" -> {
                    final String[] nameRest = v.split("=", 2);
                    extras.put(nameRest[0], nameRest[1]);
                }
                default -> {
                    suiteArgs.add(args[i]);
                    suiteArgs.add(v);
                }
            }
        }
        final SuiteConfig base = SuiteConfig.parse(suiteArgs.toArray(new String[0]));
        final Workload w = new Workload(size, partitions, records);
        final List<Variant> variants = new ArrayList<>();
        for (Map.Entry<String, String[]> e : variantSpecs.entrySet()) {
            final Peer peer = Peer.valueOf(e.getValue()[0].toUpperCase(Locale.ROOT));
            final Path where = Path.of(e.getValue()[1]);
            final List<String> cp = peer == Peer.SEDIMENT ? base.classpath()
                    : List.of(Files.readString(where).trim().split(java.io.File.pathSeparator));
            final Path home = peer == Peer.SEDIMENT ? where.toAbsolutePath().normalize() : base.sedimentHome();
            final String extra = extras.getOrDefault(e.getKey(), "");
            variants.add(new Variant(e.getKey(), peer, cp, home,
                    extra.isBlank() ? List.of() : List.of(extra.trim().split("\\s+"))));
        }
        final List<ScratchDirectory> dirs = new ArrayList<>();
        final List<ChildBroker> brokers = new ArrayList<>();
        final List<SuiteConfig> configs = new ArrayList<>();
        final String topic = "probe-" + w.tag();
        try {
            for (Variant v : variants) {
                final SuiteConfig c = new SuiteConfig(List.of(w), 1, base.peers(), base.out(), v.classpath(),
                        base.brokerJvm(), base.clientJvm(), null, v.sedimentHome(), base.sedimentCds());
                final ScratchDirectory dir = ScratchDirectory.create("consumer-probe-" + v.name() + "-");
                dirs.add(dir);
                final ChildBroker b = ChildBroker.start(v.peer(), c, partitions, dir.path(), v.extraFlags());
                brokers.add(b);
                configs.add(c);
                BrokerSuite.createTopic(b.bootstrapServers(), topic, partitions);
                final PerfTool.ProducerRun p = PerfTool.produce(c, b.bootstrapServers(), topic, w, dir.path());
                System.out.printf("%s: broker pid %d, produced %,d records at %,.0f rec/s%n", v.name(), b.jvm().pid(),
                        p.records(), p.recordsPerSec());
            }
            if (warmPasses > 0) {
                warmPasses(variants, brokers, topic, partitions, records, size, warmPasses);
                return;
            }
            System.out.printf("%-10s %3s %12s %8s %9s %9s %10s %9s %8s %10s %9s %9s %9s %8s %8s%n", "variant", "run", "fetch rec/s",
                    "MB/s", "fetch ms", "broker ms", "broker ms/MB", "client ms", "fetches", "bytes/fetch",
                    "lat avg", "lat max", "perf ms", "ctxsw", "Minstr");
            final double mb = (double) records * size / (1 << 20);
            for (int run = 1; run <= repeats; run++) {
                for (int k = 0; k < variants.size(); k++) {
                    final int idx = run % 2 == 1 ? k : variants.size() - 1 - k;
                    final Variant v = variants.get(idx);
                    final ChildBroker b = brokers.get(idx);
                    final Path dir = dirs.get(idx).path();
                    final Path perfFile = dir.resolve("perf-" + run + ".csv");
                    final Process perf = perfStat(b.jvm().pid(), perfFile);
                    final long cpu0 = b.jvm().cpuMillis();
                    final String group = "probe-" + v.name() + "-" + run;
                    final Path timeFile = dir.resolve("consumer-" + run + ".time");
                    final String out = consume(configs.get(idx), b.bootstrapServers(), topic, group, records, dir, timeFile);
                    final long cpu1 = b.jvm().cpuMillis();
                    final Map<String, Double> counters = stopPerf(perf, perfFile);
                    final PerfTool.ConsumerRun c = PerfTool.parseConsumer(out, records);
                    if (keep != null) {
                        Files.createDirectories(keep);
                        Files.writeString(keep.resolve(group + ".out"), out);
                    }
                    final Map<String, Double> m = metrics(out);
                    final double brokerMs = cpu1 - cpu0;
                    System.out.printf("%-10s %3d %,12.0f %8.1f %9d %9.0f %10.2f %9.0f %8.0f %10.0f %9.1f %9.1f %9.1f %8.0f %8.0f%n",
                            v.name(), run, c.fetchRecordsPerSec(), c.fetchMbPerSec(), c.fetchMs(), brokerMs, brokerMs / mb,
                            clientCpuMs(timeFile), m.getOrDefault("fetch-total", -1.0),
                            m.getOrDefault("fetch-size-avg", -1.0), m.getOrDefault("fetch-latency-avg", -1.0),
                            m.getOrDefault("fetch-latency-max", -1.0), counters.getOrDefault("task-clock", -1.0),
                            counters.getOrDefault("context-switches", -1.0), counters.getOrDefault("instructions", -1.0) / 1e6);
                }
            }
        } finally {
            for (ChildBroker b : brokers) {
                b.close();
            }
            for (ScratchDirectory d : dirs) {
                d.close();
            }
        }
    }

    private static String consume(final SuiteConfig c, final String bootstrap, final String topic, final String group,
                                  final long records, final Path dir, final Path timeFile) throws Exception {
        final List<String> command = new ArrayList<>(List.of("/usr/bin/time", "-f", "%U %S", "-o", timeFile.toString(),
                Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(c.clientJvm());
        command.addAll(List.of("-cp", String.join(java.io.File.pathSeparator, c.classpath()),
                "org.apache.kafka.tools.ConsumerPerformance", "--bootstrap-server", bootstrap, "--topic", topic,
                "--num-records", Long.toString(records), "--group", group, "--timeout", "30000", "--print-metrics"));
        final Path out = dir.resolve(group + ".out");
        final Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectOutput(out.toFile())
                .redirectError(dir.resolve(group + ".err").toFile()).start();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new IllegalStateException("consumer killed after 300 s");
        }
        return Files.readString(out, StandardCharsets.UTF_8);
    }

    /**
     * One warm consumer per variant in this JVM ({@code assign()}, no group), reading every record from the start,
     * {@code passes} times per variant, alternating: the client's JIT is warm after the first passes, so what differs
     * between variants is the broker.
     */
    private static void warmPasses(final List<Variant> variants, final List<ChildBroker> brokers, final String topic,
                                   final int partitions, final long records, final int size, final int passes)
            throws Exception {
        final List<KafkaConsumer<byte[], byte[]>> consumers = new ArrayList<>();
        final List<TopicPartition> tps = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            tps.add(new TopicPartition(topic, p));
        }
        for (ChildBroker b : brokers) {
            final Properties props = new Properties();
            props.put("bootstrap.servers", b.bootstrapServers());
            props.put("key.deserializer", ByteArrayDeserializer.class.getName());
            props.put("value.deserializer", ByteArrayDeserializer.class.getName());
            props.put("enable.auto.commit", "false");
            props.put("receive.buffer.bytes", Integer.toString(2 * 1024 * 1024));
            final KafkaConsumer<byte[], byte[]> c =
                    new KafkaConsumer<>(props);
            c.assign(tps);
            consumers.add(c);
        }
        System.out.printf("%-10s %4s %9s %12s %9s %9s %8s%n", "variant", "pass", "ms", "rec/s", "perf ms", "ctxsw", "ms/MB");
        final double mb = (double) records * size / (1 << 20);
        try {
            for (int pass = 1; pass <= passes; pass++) {
                for (int k = 0; k < variants.size(); k++) {
                    final int idx = pass % 2 == 1 ? k : variants.size() - 1 - k;
                    final KafkaConsumer<byte[], byte[]> c = consumers.get(idx);
                    final Path perfFile = Files.createTempFile("probe-perf", ".csv");
                    final Process perf = perfStat(brokers.get(idx).jvm().pid(), perfFile);
                    c.seekToBeginning(tps);
                    final long t0 = System.nanoTime();
                    long n = 0;
                    while (n < records) {
                        n += c.poll(Duration.ofMillis(500)).count();
                        if (System.nanoTime() - t0 > 120_000_000_000L) {
                            throw new IllegalStateException("read only " + n + " records in 120 s");
                        }
                    }
                    final double ms = (System.nanoTime() - t0) / 1e6;
                    final Map<String, Double> counters = stopPerf(perf, perfFile);
                    Files.deleteIfExists(perfFile);
                    final double cpu = counters.getOrDefault("task-clock", -1.0);
                    System.out.printf("%-10s %4d %9.0f %,12.0f %9.1f %9.0f %8.2f%n", variants.get(idx).name(), pass, ms,
                            records / ms * 1000, cpu, counters.getOrDefault("context-switches", -1.0), cpu / mb);
                }
            }
        } finally {
            consumers.forEach(KafkaConsumer::close);
        }
    }

    /** {@code perf stat} on the broker for the length of one consumer run (task-clock in ms); null without perf. */
    private static Process perfStat(final long pid, final Path file) {
        try {
            final Process p = new ProcessBuilder("perf", "stat", "-x", ",", "-e", "task-clock,context-switches,instructions",
                    "-p", Long.toString(pid), "-o", file.toString()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            Thread.sleep(200);
            return p;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static Map<String, Double> stopPerf(final Process perf, final Path file) throws Exception {
        final Map<String, Double> m = new LinkedHashMap<>();
        if (perf == null) {
            return m;
        }
        new ProcessBuilder("kill", "-INT", Long.toString(perf.pid())).start().waitFor();
        perf.waitFor(10, TimeUnit.SECONDS);
        for (String line : Files.readAllLines(file)) {
            final String[] f = line.split(",");
            if (f.length > 2 && !f[0].isBlank() && Character.isDigit(f[0].charAt(0))) {
                m.put(f[2].replace(":u", ""), Double.parseDouble(f[0]));
            }
        }
        return m;
    }

    private static Map<String, Double> metrics(final String out) {
        final Map<String, Double> m = new LinkedHashMap<>();
        final Matcher matcher = METRIC.matcher(out);
        while (matcher.find()) {
            m.putIfAbsent(matcher.group(1), Double.parseDouble(matcher.group(2)));
        }
        return m;
    }

    private static double clientCpuMs(final Path timeFile) {
        try {
            final String[] f = Files.readString(timeFile).trim().split("\\s+");
            return (Double.parseDouble(f[f.length - 2]) + Double.parseDouble(f[f.length - 1])) * 1000;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
