package io.sediment.fuzz;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Soak: a broker in a child JVM ({@link ChildBroker}) with small segments and a few seconds of retention, a
 * producer at a fixed rate and {@link #GROUPS} consumer groups (real {@link KafkaConsumer}s with {@code group.id},
 * committing after every poll and restarted every few seconds), for a set time; rolls and deletions never stop.
 *
 * <p>Checked: every acknowledged record is seen by every group exactly once, unless retention could have deleted
 * it before the group got there (its timestamp is more than {@code retention.ms} older than the moment the group's
 * position first passed it: segments go only when their newest record is past retention); every record read has
 * the bytes produced for its sequence number. Sampled once a second in the broker's JVM: heap after GC, RSS, open
 * descriptors, mappings of data files (see {@link #bounded}).
 *
 * <p>Threading: the caller's thread samples; one producer thread; one thread per group.
 */
public final class SoakRun {
    static final String TOPIC = "soak";
    static final int PARTITIONS = 2;
    static final int GROUPS = 2;
    static final int VALUE_BYTES = 200;
    static final long RETENTION_MS = 3000;
    static final int SEGMENT_BYTES = 64 * 1024;

    /** Counts and samples of one run. */
    public static final class SoakResult {
        public final long seed;
        public long produced;
        public long acked;
        public long sendFailures;
        public final long[] seen = new long[GROUPS];
        public final long[] duplicates = new long[GROUPS];
        public final long[] belowHorizon = new long[GROUPS];
        public final long[] lost = new long[GROUPS];
        public long corruptReads;
        public long consumerRestarts;
        public long segmentsSeen;
        public long segmentsDeleted;
        public long logStartOffsets;
        public final List<Long> sampleMillis = new ArrayList<>();
        public final List<ProcessStats> samples = new ArrayList<>();
        public final List<String> failures = new ArrayList<>();
        /** Per log directory: data-file mappings and descriptors the broker held when the load stopped. */
        public Map<String, String> heldAtEnd = Map.of();
        public double seconds;

        SoakResult(final long seed) {
            this.seed = seed;
        }

        synchronized void fail(final String m) {
            if (failures.size() < 50) {
                failures.add(m);
            }
        }

        public long peak(final java.util.function.ToLongFunction<ProcessStats> metric) {
            return samples.stream().mapToLong(metric).max().orElse(0);
        }

        public long lostTotal() {
            return Arrays.stream(lost).sum();
        }

        public long duplicatesTotal() {
            return Arrays.stream(duplicates).sum();
        }

        @Override
        public String toString() {
            return String.format("%.0f s, seed %d: produced %d, acked %d (send failures %d); per group seen %s, "
                            + "duplicates %s, not seen below the retention horizon %s, lost %s; corrupt reads %d; "
                            + "consumer restarts %d; segments seen %d, deleted %d; log start offsets (sum) %d%n"
                            + "  broker first %s%n  broker last  %s%n  held when the load stopped (maps/fds per log) %s%n"
                            + "  failures %d%s", seconds, seed, produced, acked,
                    sendFailures, Arrays.toString(seen), Arrays.toString(duplicates), Arrays.toString(belowHorizon),
                    Arrays.toString(lost), corruptReads, consumerRestarts, segmentsSeen, segmentsDeleted, logStartOffsets,
                    samples.isEmpty() ? "-" : samples.get(0), samples.isEmpty() ? "-" : samples.get(samples.size() - 1), heldAtEnd,
                    failures.size(), failures.isEmpty() ? "" : ":\n    " + String.join("\n    ", failures));
        }
    }

    /** What the producer got acknowledged for one sequence number. */
    private record Ack(int partition, long offset, long timestamp) {
    }

    private final Path dir;
    private final long seed;
    private final String classpath;
    private final int seconds;
    private final int recordsPerSecond;
    private final Map<Long, Ack> acks = new ConcurrentHashMap<>();
    private final AtomicLong nextSeq = new AtomicLong();
    private volatile boolean producing = true;

    public SoakRun(final Path dir, final long seed, final String classpath, final int seconds, final int recordsPerSecond) {
        this.dir = dir;
        this.seed = seed;
        this.classpath = classpath;
        this.seconds = seconds;
        this.recordsPerSecond = recordsPerSecond;
    }

    public SoakResult run() throws Exception {
        final SoakResult result = new SoakResult(seed);
        final long t0 = System.nanoTime();
        final Map<String, String> settings = new LinkedHashMap<>();
        settings.put("num.network.threads", "2");
        settings.put("num.io.threads", "2");
        settings.put("log.segment.bytes", String.valueOf(SEGMENT_BYTES));
        settings.put("log.index.size.max.bytes", "4096");
        settings.put("log.retention.ms", String.valueOf(RETENTION_MS));
        settings.put("log.retention.check.interval.ms", "250");
        settings.put("log.segment.delete.delay.ms", "100");
        settings.put("group.initial.rebalance.delay.ms", "0");
        final Path data = dir.resolve("data");
        try (ChildBroker broker = new ChildBroker(data, settings, "192m", classpath)) {
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()))) {
                admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 1))).all().get(60, TimeUnit.SECONDS);
                final Thread producer = new Thread(() -> produce(broker, result), "soak-producer");
                final GroupReader[] readers = new GroupReader[GROUPS];
                for (int g = 0; g < GROUPS; g++) {
                    readers[g] = new GroupReader(broker, g, result);
                    readers[g].start();
                }
                producer.start();
                final Set<String> segments = new HashSet<>();
                final long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
                final long sampleEveryNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(250, seconds * 1000L / 60));
                long nextSample = System.nanoTime() + sampleEveryNanos;
                while (System.nanoTime() - end < 0 && broker.alive()) {
                    // every 100 ms: a segment lives at least retention.ms, so none is missed in the count
                    Thread.sleep(100);
                    segments.addAll(segmentFiles(data));
                    if (System.nanoTime() - nextSample >= 0) {
                        nextSample += sampleEveryNanos;
                        result.sampleMillis.add((System.nanoTime() - t0) / 1_000_000);
                        result.samples.add(broker.stats());
                    }
                }
                result.heldAtEnd = heldByLog(broker.files(), data);
                producing = false;
                producer.join(120_000);
                if (!broker.alive()) {
                    result.fail("broker died; its log:\n" + broker.logTail());
                }
                final Map<TopicPartition, Long> endOffsets = new LinkedHashMap<>();
                final Map<TopicPartition, OffsetSpec> latest = new LinkedHashMap<>();
                final Map<TopicPartition, OffsetSpec> earliest = new LinkedHashMap<>();
                for (int p = 0; p < PARTITIONS; p++) {
                    latest.put(new TopicPartition(TOPIC, p), OffsetSpec.latest());
                    earliest.put(new TopicPartition(TOPIC, p), OffsetSpec.earliest());
                }
                admin.listOffsets(latest).all().get(60, TimeUnit.SECONDS).forEach((tp, o) -> endOffsets.put(tp, o.offset()));
                for (GroupReader r : readers) {
                    r.drainTo(endOffsets);
                }
                for (GroupReader r : readers) {
                    r.join(180_000);
                    if (r.isAlive()) {
                        result.fail("group " + r.group + " did not reach the end offsets " + endOffsets + " within 120 s");
                        r.interrupt();
                    }
                }
                admin.listOffsets(earliest).all().get(60, TimeUnit.SECONDS).values()
                        .forEach(o -> result.logStartOffsets += o.offset());
                final Set<String> remaining = new HashSet<>(segmentFiles(data));
                segments.addAll(remaining);
                result.segmentsSeen = segments.size();
                result.segmentsDeleted = segments.stream().filter(s -> !remaining.contains(s)).count();
                for (GroupReader r : readers) {
                    r.judge();
                }
            }
            result.samples.add(broker.stats());
            for (String problem : broker.logProblems()) {
                result.fail("broker logged: " + problem);
            }
        }
        result.seconds = (System.nanoTime() - t0) / 1e9;
        return result;
    }

    /**
     * True when the last quarter's maximum of {@code metric} is at most the first quarter's maximum plus
     * {@code slack}: growth that a warm-up explains stays in the first quarter, a leak shows in the last.
     */
    public static boolean bounded(final List<ProcessStats> samples, final java.util.function.ToLongFunction<ProcessStats> metric,
                                  final long slack) {
        final int q = Math.max(1, samples.size() / 4);
        final long first = samples.subList(0, q).stream().mapToLong(metric).max().orElseThrow();
        final long last = samples.subList(samples.size() - q, samples.size()).stream().mapToLong(metric).max().orElseThrow();
        return last <= first + slack;
    }

    public static String quarters(final List<ProcessStats> samples, final java.util.function.ToLongFunction<ProcessStats> metric) {
        final int q = Math.max(1, samples.size() / 4);
        final StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 4 && i * q < samples.size(); i++) {
            final int to = i == 3 ? samples.size() : Math.min(samples.size(), (i + 1) * q);
            sb.append(i == 0 ? "" : " / ").append(samples.subList(i * q, to).stream().mapToLong(metric).max().orElse(-1));
        }
        return sb.toString();
    }

    /** Groups the broker's {@code files} answer by log directory: "maps/fds" per log, for finding what grows. */
    private static Map<String, String> heldByLog(final List<String> files, final Path data) {
        final String root = data.toAbsolutePath() + "/";
        final Map<String, int[]> counts = new java.util.TreeMap<>();
        for (String line : files) {
            final int at = line.indexOf(root);
            if (at < 0) {
                continue;
            }
            final String rest = line.substring(at + root.length());
            final String log = rest.contains("/") ? rest.substring(0, rest.indexOf('/')) : rest;
            counts.computeIfAbsent(log, k -> new int[2])[line.startsWith("map ") ? 0 : 1]++;
        }
        final Map<String, String> out = new LinkedHashMap<>();
        counts.forEach((log, c) -> out.put(log, c[0] + "/" + c[1]));
        return out;
    }

    private static List<String> segmentFiles(final Path data) throws IOException {
        final List<String> out = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            final Path d = data.resolve(TOPIC + "-" + p);
            if (!Files.isDirectory(d)) {
                continue;
            }
            try (Stream<Path> s = Files.list(d)) {
                s.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".log"))
                        .forEach(n -> out.add(d.getFileName() + "/" + n));
            } catch (java.nio.file.NoSuchFileException e) {
                // a file went while listing: retention at work
            }
        }
        return out;
    }

    /** The value for sequence {@code seq}: the sequence, then bytes derived from seed and sequence. */
    static byte[] value(final long seed, final long seq) {
        final byte[] v = new byte[VALUE_BYTES];
        final ByteBuffer b = ByteBuffer.wrap(v).putLong(seq);
        long x = seed * 0x9E3779B97F4A7C15L + seq;
        while (b.hasRemaining()) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            b.put((byte) x);
        }
        return v;
    }

    private void produce(final ChildBroker broker, final SoakResult result) {
        final Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            final long start = System.nanoTime();
            while (producing) {
                // a fixed rate: catch up to where the clock says we should be, then sleep a tick
                final long due = (System.nanoTime() - start) * recordsPerSecond / 1_000_000_000L;
                while (nextSeq.get() < due && producing) {
                    final long seq = nextSeq.getAndIncrement();
                    result.produced++;
                    producer.send(new ProducerRecord<>(TOPIC, Long.toString(seq).getBytes(java.nio.charset.StandardCharsets.UTF_8),
                            value(seed, seq)), (md, e) -> {
                        if (e == null) {
                            acks.put(seq, new Ack(md.partition(), md.offset(), md.timestamp()));
                        } else {
                            synchronized (result) {
                                result.sendFailures++;
                            }
                            result.fail("send of " + seq + " failed: " + e);
                        }
                    });
                }
                Thread.sleep(5);
            }
            producer.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            result.fail("producer failed: " + e);
        }
        result.acked = acks.size();
    }

    /** One consumer group: one member at a time, restarted every few seconds, committing after every poll. */
    private final class GroupReader extends Thread {
        final int group;
        private final ChildBroker broker;
        private final SoakResult result;
        /** Times each sequence was seen. */
        private final Map<Long, Integer> seenCount = new ConcurrentHashMap<>();
        /** Per partition, (time, position) after each poll: when the group's position first passed an offset. */
        private final List<List<long[]>> positions = new ArrayList<>();
        private volatile Map<TopicPartition, Long> target;

        GroupReader(final ChildBroker broker, final int group, final SoakResult result) {
            super("soak-group-" + group);
            this.broker = broker;
            this.group = group;
            this.result = result;
            for (int p = 0; p < PARTITIONS; p++) {
                positions.add(new ArrayList<>());
            }
        }

        void drainTo(final Map<TopicPartition, Long> endOffsets) {
            target = endOffsets;
        }

        @Override
        public void run() {
            final java.util.Random random = new java.util.Random(seed + group);
            try {
                while (!isInterrupted()) {
                    if (consumeFor(3000 + random.nextInt(4000))) {
                        return;
                    }
                    synchronized (result) {
                        result.consumerRestarts++;
                    }
                }
            } catch (RuntimeException e) {
                result.fail("group " + group + " consumer failed: " + e);
            }
        }

        /** Consumes for up to {@code ms} with one member; true once the drain target is reached. */
        private boolean consumeFor(final long ms) {
            final Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
            p.put(ConsumerConfig.GROUP_ID_CONFIG, "soak-g" + group);
            p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500);
            try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                c.subscribe(List.of(TOPIC));
                final long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
                while (System.nanoTime() - until < 0 || target != null) {
                    final ConsumerRecords<byte[], byte[]> records = c.poll(Duration.ofMillis(100));
                    for (ConsumerRecord<byte[], byte[]> r : records) {
                        final long seq = ByteBuffer.wrap(r.value()).getLong(0);
                        if (r.value().length != VALUE_BYTES || !Arrays.equals(r.value(), value(seed, seq))) {
                            synchronized (result) {
                                result.corruptReads++;
                            }
                            result.fail("group " + group + ": record at " + r.partition() + "/" + r.offset() + " has wrong bytes");
                            continue;
                        }
                        seenCount.merge(seq, 1, Integer::sum);
                    }
                    if (!records.isEmpty()) {
                        c.commitSync(Duration.ofSeconds(30));
                    }
                    final long now = System.currentTimeMillis();
                    boolean done = target != null;
                    for (TopicPartition tp : c.assignment()) {
                        final long pos = c.position(tp, Duration.ofSeconds(30));
                        positions.get(tp.partition()).add(new long[]{now, pos});
                        if (target != null && pos < target.get(tp)) {
                            done = false;
                        }
                    }
                    if (done && c.assignment().size() == PARTITIONS) {
                        return true;
                    }
                }
            }
            return false;
        }

        /** Exactly once above the horizon: run after the producer and this group have stopped. */
        void judge() {
            int duplicates = 0;
            int belowHorizon = 0;
            int lost = 0;
            for (Map.Entry<Long, Ack> e : acks.entrySet()) {
                final Integer n = seenCount.get(e.getKey());
                if (n != null && n > 1) {
                    duplicates++;
                    if (duplicates <= 5) {
                        result.fail("group " + group + " saw sequence " + e.getKey() + " " + n + " times");
                    }
                }
                if (n == null) {
                    final Ack a = e.getValue();
                    final long passed = firstPassed(a.partition(), a.offset());
                    if (passed != Long.MAX_VALUE && a.timestamp() < passed - RETENTION_MS) {
                        belowHorizon++;
                    } else {
                        lost++;
                        if (lost <= 5) {
                            result.fail("group " + group + " never saw sequence " + e.getKey() + " (" + a
                                    + "), its position passed it at " + passed);
                        }
                    }
                }
            }
            result.seen[group] = seenCount.size();
            result.duplicates[group] = duplicates;
            result.belowHorizon[group] = belowHorizon;
            result.lost[group] = lost;
        }

        private long firstPassed(final int partition, final long offset) {
            for (long[] s : positions.get(partition)) {
                if (s[1] > offset) {
                    return s[0];
                }
            }
            return Long.MAX_VALUE;
        }
    }
}
