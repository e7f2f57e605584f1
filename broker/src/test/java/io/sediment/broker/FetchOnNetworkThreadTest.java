package io.sediment.broker;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Fetches are answered on the network thread that read them ({@link FetchHandler#runsOnNetworkThread}). With one
 * network thread serving every connection, a fetch that waits must not hold that thread (the produce that answers
 * it arrives on it), and zero-copy responses that fill a slow reader's socket buffer must not stall or mix up the
 * responses of other connections answered in between.
 */
class FetchOnNetworkThreadTest {
    @TempDir
    Path dir;

    private static void createTopic(final BrokerFixture f, final String topic, final int partitions) throws Exception {
        try (Admin admin = f.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
        }
    }

    private static byte[] value(final int partition, final int i, final int size) {
        final ByteBuffer b = ByteBuffer.allocate(size);
        b.putInt(partition).putInt(i);
        while (b.hasRemaining()) {
            b.put((byte) (i * 31 + b.position()));
        }
        return b.array();
    }

    @Test
    void parkedLongPollsOnTheOnlyNetworkThreadAreAnsweredByAProduceOnThatThread() throws Exception {
        try (BrokerFixture f = new BrokerFixture(dir, "num.network.threads", "1")) {
            createTopic(f, "parked", 3);
            final List<KafkaConsumer<byte[], byte[]>> consumers = new ArrayList<>();
            try (KafkaProducer<byte[], byte[]> producer = f.producer()) {
                for (int p = 0; p < 3; p++) {
                    // Each waits up to a minute for one byte: only the appends below can answer within the polls.
                    final KafkaConsumer<byte[], byte[]> c = f.consumer(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 60_000,
                            ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, 90_000);
                    final TopicPartition tp = new TopicPartition("parked", p);
                    c.assign(List.of(tp));
                    c.seekToBeginning(List.of(tp));
                    assertEquals(0, c.poll(Duration.ofMillis(300)).count(), "partition " + p + " is empty");
                    consumers.add(c);
                }
                for (int p = 0; p < 3; p++) {
                    producer.send(new ProducerRecord<>("parked", p, null, ("to " + p).getBytes(StandardCharsets.UTF_8))).get();
                }
                for (int p = 0; p < 3; p++) {
                    final TopicPartition tp = new TopicPartition("parked", p);
                    List<ConsumerRecord<byte[], byte[]>> got = List.of();
                    final long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                    while (got.isEmpty() && System.nanoTime() < deadline) {
                        got = consumers.get(p).poll(Duration.ofSeconds(30)).records(tp);
                    }
                    assertEquals(1, got.size(), "partition " + p);
                    assertEquals("to " + p, new String(got.get(0).value(), StandardCharsets.UTF_8));
                }
            } finally {
                for (KafkaConsumer<byte[], byte[]> c : consumers) {
                    // Each has already sent its next long poll; close without waiting for it to come back.
                    c.close(CloseOptions.timeout(Duration.ZERO));
                }
            }
        }
    }

    @Test
    void concurrentSlowReadersOnOneNetworkThreadEachGetEveryRecordInOrder() throws Exception {
        final int partitions = 3;
        final int perPartition = 3_000;
        final int size = 1_000;
        try (BrokerFixture f = new BrokerFixture(dir, "num.network.threads", "1")) {
            createTopic(f, "wide", partitions);
            try (KafkaProducer<byte[], byte[]> producer = f.producer(ProducerConfig.LINGER_MS_CONFIG, 5)) {
                for (int i = 0; i < perPartition; i++) {
                    for (int p = 0; p < partitions; p++) {
                        producer.send(new ProducerRecord<>("wide", p, null, value(p, i, size)));
                    }
                }
                producer.flush();
            }
            final ExecutorService readers = Executors.newFixedThreadPool(4);
            try {
                final List<Future<Integer>> results = new ArrayList<>();
                for (int r = 0; r < 4; r++) {
                    results.add(readers.submit(readAll(f, partitions, perPartition, size)));
                }
                for (Future<Integer> result : results) {
                    assertEquals(partitions * perPartition, result.get(120, TimeUnit.SECONDS));
                }
            } finally {
                readers.shutdownNow();
            }
        }
    }

    /**
     * A consumer with a 4 KiB socket receive buffer and 64 KiB partition fetches, so that every response is larger
     * than the socket takes at once and is written over several turns of the network thread, between the other
     * readers' responses; checks every record's partition, offset and bytes.
     */
    private static Callable<Integer> readAll(final BrokerFixture f, final int partitions, final int perPartition,
                                             final int size) {
        return () -> {
            final List<TopicPartition> tps = new ArrayList<>();
            for (int p = 0; p < partitions; p++) {
                tps.add(new TopicPartition("wide", p));
            }
            try (KafkaConsumer<byte[], byte[]> c = f.consumer(ConsumerConfig.RECEIVE_BUFFER_CONFIG, 4096,
                    ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 64 * 1024)) {
                c.assign(tps);
                c.seekToBeginning(tps);
                final int[] next = new int[partitions];
                int total = 0;
                final long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
                while (total < partitions * perPartition && System.nanoTime() < deadline) {
                    for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                        final int p = r.partition();
                        assertEquals(next[p], r.offset(), "partition " + p);
                        assertArrayEquals(value(p, next[p], size), r.value(), "partition " + p + " offset " + r.offset());
                        next[p]++;
                        total++;
                    }
                }
                return total;
            }
        };
    }
}
