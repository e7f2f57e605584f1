package io.sediment.broker;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Consumer groups with real kafka-clients 4.4.0 consumers: partitions shared and rebalanced as members come, leave and
 * die (a consumer in a child JVM killed with SIGKILL), and committed offsets surviving a broker restart and a SIGKILL of
 * the broker (a broker in a child JVM).
 */
class ConsumerGroupTest {
    static final String[] GROUP_SETTINGS = {"group.initial.rebalance.delay.ms", "0", "offsets.topic.num.partitions", "50"};
    static final int SESSION_MS = 6000;

    @TempDir
    Path dir;
    BrokerFixture f;
    final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
        if (f != null) {
            f.close();
        }
    }

    static Object[] groupConsumer(final String bootstrap, final String group) {
        return new Object[]{ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ConsumerConfig.GROUP_ID_CONFIG, group,
                ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, SESSION_MS, ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 500,
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 50};
    }

    static void await(final String what, final BooleanSupplier condition) throws InterruptedException {
        final long deadline = System.nanoTime() + Duration.ofSeconds(45).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    static void produce(final KafkaProducer<byte[], byte[]> producer, final String topic, final int partitions,
                        final int perPartition) throws Exception {
        for (int i = 0; i < perPartition; i++) {
            for (int p = 0; p < partitions; p++) {
                producer.send(new ProducerRecord<>(topic, p, null, ("v" + i).getBytes(StandardCharsets.UTF_8)));
            }
        }
        producer.flush();
    }

    /** A consumer polled on its own thread, committing after each poll; records what it saw and what it owns. */
    final class Member implements AutoCloseable {
        final KafkaConsumer<byte[], byte[]> consumer;
        final Set<TopicPartition> owned = ConcurrentHashMap.newKeySet();
        final AtomicBoolean running = new AtomicBoolean(true);
        final Thread thread;
        volatile Throwable failure;

        Member(final Set<String> seen, final String topic, final String group) {
            consumer = f.consumer(groupConsumer(f.bootstrap(), group));
            thread = new Thread(() -> {
                try {
                    consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
                        @Override
                        public void onPartitionsRevoked(final Collection<TopicPartition> partitions) {
                            owned.removeAll(partitions);
                        }

                        @Override
                        public void onPartitionsAssigned(final Collection<TopicPartition> partitions) {
                            owned.addAll(partitions);
                        }
                    });
                    while (running.get()) {
                        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                            seen.add(r.partition() + ":" + r.offset());
                        }
                        consumer.commitSync();
                    }
                } catch (org.apache.kafka.common.errors.WakeupException | org.apache.kafka.common.errors.InterruptException e) {
                    // closing
                } catch (Throwable t) {
                    failure = t;
                    t.printStackTrace();
                } finally {
                    consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(5)));
                    owned.clear();
                }
            }, "member");
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join(20_000);
        }
    }

    private static Set<String> all(final int partitions, final int perPartition) {
        final Set<String> s = new HashSet<>();
        for (int p = 0; p < partitions; p++) {
            for (int o = 0; o < perPartition; o++) {
                s.add(p + ":" + o);
            }
        }
        return s;
    }

    @Test
    void threeMembersShareSixPartitionsAndTheRestTakeOverWhenOneLeavesAndOneIsKilled() throws Exception {
        f = new BrokerFixture(dir, GROUP_SETTINGS);
        try (Admin admin = f.admin(); KafkaProducer<byte[], byte[]> producer = f.producer()) {
            admin.createTopics(List.of(new NewTopic("work", 6, (short) 1))).all().get();
            produce(producer, "work", 6, 100);
            final Set<String> seen = ConcurrentHashMap.newKeySet();
            final Member a = new Member(seen, "work", "g");
            closeables.add(a);
            final Member b = new Member(seen, "work", "g");
            closeables.add(b);
            final ChildConsumer killed = new ChildConsumer(f.bootstrap(), "g", "work", seen, dir.resolve("child-consumer.log"));
            closeables.add(killed);
            await("three members owning 2 partitions each", () ->
                    a.owned.size() == 2 && b.owned.size() == 2 && killed.owned.size() == 2);
            final Set<TopicPartition> union = new HashSet<>(a.owned);
            union.addAll(b.owned);
            union.addAll(killed.owned);
            assertEquals(6, union.size(), "disjoint and complete: " + a.owned + b.owned + killed.owned);

            a.close();
            await("two members owning 3 each after one left", () -> b.owned.size() == 3 && killed.owned.size() == 3);

            killed.kill();
            await("the survivor owning all six after the session of the killed one timed out", () -> b.owned.size() == 6);

            produce(producer, "work", 6, 100);
            await("every record consumed by some member", () -> seen.containsAll(all(6, 200)));
            assertTrue(a.failure == null && b.failure == null, String.valueOf(a.failure) + b.failure);
            try (KafkaConsumer<byte[], byte[]> check = f.consumer(ConsumerConfig.GROUP_ID_CONFIG, "g")) {
                b.close();
                final Set<TopicPartition> tps = new HashSet<>();
                for (int p = 0; p < 6; p++) {
                    tps.add(new TopicPartition("work", p));
                }
                final Map<TopicPartition, OffsetAndMetadata> committed = check.committed(tps, Duration.ofSeconds(10));
                for (TopicPartition tp : tps) {
                    assertEquals(200, committed.get(tp).offset(), tp.toString());
                }
            }
        }
    }

    /** A group consumer in a child JVM, so that it can die by SIGKILL: it prints what it owns and consumes. */
    static final class ChildConsumer implements AutoCloseable {
        final Process process;
        final Set<TopicPartition> owned = new CopyOnWriteArraySet<>();
        final Thread reader;

        /** @param log where the child's own log lines go (its stdout is the protocol with the test) */
        ChildConsumer(final String bootstrap, final String group, final String topic, final Set<String> seen,
                      final Path log) throws IOException {
            process = new ProcessBuilder(javaBin(), "-cp", classPath(),
                    ChildConsumerMain.class.getName(), bootstrap, group, topic)
                    .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        if (line.startsWith("OWNED")) {
                            final Set<TopicPartition> now = new HashSet<>();
                            for (String p : line.substring(5).trim().split(",")) {
                                if (!p.isEmpty()) {
                                    now.add(new TopicPartition(topic, Integer.parseInt(p)));
                                }
                            }
                            owned.retainAll(now);
                            owned.addAll(now);
                        } else if (line.startsWith("R ")) {
                            seen.add(line.substring(2));
                        }
                    }
                } catch (IOException ignored) {
                    // the child died
                }
            }, "child-reader");
            reader.setDaemon(true);
            reader.start();
        }

        void kill() throws InterruptedException {
            process.destroyForcibly().waitFor();
        }

        @Override
        public void close() throws InterruptedException {
            kill();
        }
    }

    /** The child JVM's consumer: {@code bootstrap group topic}; prints {@code OWNED p,p} and {@code R p:offset}. */
    static final class ChildConsumerMain {
        public static void main(final String[] args) {
            final Properties p = new Properties();
            final Object[] kv = groupConsumer(args[0], args[1]);
            for (int i = 0; i + 1 < kv.length; i += 2) {
                p.put(kv[i], kv[i + 1]);
            }
            p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                final Set<Integer> owned = new java.util.TreeSet<>();
                c.subscribe(List.of(args[2]), new ConsumerRebalanceListener() {
                    @Override
                    public void onPartitionsRevoked(final Collection<TopicPartition> partitions) {
                        partitions.forEach(tp -> owned.remove(tp.partition()));
                        print();
                    }

                    @Override
                    public void onPartitionsAssigned(final Collection<TopicPartition> partitions) {
                        partitions.forEach(tp -> owned.add(tp.partition()));
                        print();
                    }

                    private void print() {
                        System.out.println("OWNED " + String.join(",", owned.stream().map(String::valueOf).toList()));
                        System.out.flush();
                    }
                });
                while (true) {
                    final var records = c.poll(Duration.ofMillis(100));
                    for (ConsumerRecord<byte[], byte[]> r : records) {
                        System.out.println("R " + r.partition() + ":" + r.offset());
                    }
                    System.out.flush();
                    c.commitSync();
                }
            }
        }
    }

    /** The test class path (surefire runs tests through a manifest-only jar). */
    static String classPath() {
        return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    }

    static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** Whether something accepts connections on {@code port} of loopback. */
    static boolean listening(final int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void committedOffsetsSurviveARestartAndAKill9OfTheBroker() throws Exception {
        // First life: a broker in a child JVM, killed with SIGKILL after the commits were answered.
        final int port = freePort();
        final Path props = dir.resolve("server.properties");
        Files.writeString(props, "listeners=PLAINTEXT://127.0.0.1:" + port + "\nlog.dirs=" + dir.resolve("data")
                + "\ngroup.initial.rebalance.delay.ms=0\nnum.io.threads=2\nnum.network.threads=2\n");
        final Process broker = new ProcessBuilder(javaBin(), "-cp", classPath(),
                SedimentBroker.class.getName(), props.toString()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            await("the child broker listening", () -> listening(port));
            final String bootstrap = "127.0.0.1:" + port;
            final Properties pp = new Properties();
            pp.put("bootstrap.servers", bootstrap);
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(pp,
                    new org.apache.kafka.common.serialization.ByteArraySerializer(),
                    new org.apache.kafka.common.serialization.ByteArraySerializer())) {
                produce(producer, "kept", 1, 10);
            }
            final Properties cp = new Properties();
            for (int i = 0; i + 1 < groupConsumer(bootstrap, "survivor").length; i += 2) {
                cp.put(groupConsumer(bootstrap, "survivor")[i], groupConsumer(bootstrap, "survivor")[i + 1]);
            }
            cp.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            cp.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(cp, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                c.subscribe(List.of("kept"));
                int got = 0;
                while (got < 7) {
                    for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                        if (got < 7) {
                            got++;
                            c.commitSync(Map.of(new TopicPartition("kept", 0), new OffsetAndMetadata(r.offset() + 1, "m" + got)));
                        }
                    }
                }
            }
        } finally {
            broker.destroyForcibly().waitFor();
        }
        // Second life: in this JVM, over the killed broker's data; then a clean restart.
        f = new BrokerFixture(dir.resolve("data"), GROUP_SETTINGS);
        for (int life = 0; life < 2; life++) {
            try (KafkaConsumer<byte[], byte[]> c = f.consumer(ConsumerConfig.GROUP_ID_CONFIG, "survivor")) {
                final OffsetAndMetadata committed = c.committed(Set.of(new TopicPartition("kept", 0)), Duration.ofSeconds(10))
                        .get(new TopicPartition("kept", 0));
                assertEquals(7, committed.offset());
                assertEquals("m7", committed.metadata());
                c.subscribe(List.of("kept"));
                ConsumerRecord<byte[], byte[]> first = null;
                while (first == null) {
                    final var records = c.poll(Duration.ofMillis(200));
                    if (!records.isEmpty()) {
                        first = records.iterator().next();
                    }
                }
                assertEquals(7, first.offset(), "resumes at the committed offset");
            }
            f.restart();
        }
    }
}
