package io.sediment.broker;

import io.sediment.api.LogSlice;
import io.sediment.api.record.RecordBatch;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProduceConsumeTest {
    @TempDir
    Path dir;

    private static byte[] value(final int partition, final int i, final int size) {
        final byte[] b = new byte[size];
        final byte[] tag = (partition + ":" + i + ":").getBytes(StandardCharsets.UTF_8);
        for (int k = 0; k < size; k++) {
            b[k] = k < tag.length ? tag[k] : (byte) ('a' + (i + k) % 26);
        }
        return b;
    }

    /** Reads partitions with assign() until {@code count} records per partition have arrived. */
    private static Map<Integer, List<ConsumerRecord<byte[], byte[]>>> consume(final KafkaConsumer<byte[], byte[]> c,
                                                                              final String topic, final int partitions,
                                                                              final int count) {
        final List<TopicPartition> tps = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            tps.add(new TopicPartition(topic, p));
        }
        c.assign(tps);
        c.seekToBeginning(tps);
        final Map<Integer, List<ConsumerRecord<byte[], byte[]>>> got = new HashMap<>();
        int total = 0;
        final long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (total < partitions * count && System.nanoTime() < deadline) {
            for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                got.computeIfAbsent(r.partition(), k -> new ArrayList<>()).add(r);
                total++;
            }
        }
        return got;
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "gzip", "lz4", "zstd", "snappy"})
    void idempotentProducerBatchesAreStoredAsSentAndServedBack(final String compression) throws Exception {
        final int partitions = 8;
        final int perPartition = 300;
        try (BrokerFixture f = new BrokerFixture(dir)) {
            try (Admin admin = f.admin()) {
                admin.createTopics(List.of(new NewTopic("t", partitions, (short) 1))).all().get();
            }
            try (KafkaProducer<byte[], byte[]> p = f.producer(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression,
                    ProducerConfig.LINGER_MS_CONFIG, 5, ProducerConfig.BATCH_SIZE_CONFIG, 64 * 1024)) {
                final List<Future<RecordMetadata>> sent = new ArrayList<>();
                for (int i = 0; i < perPartition; i++) {
                    for (int part = 0; part < partitions; part++) {
                        sent.add(p.send(new ProducerRecord<>("t", part, null, value(part, i, 200))));
                    }
                }
                for (Future<RecordMetadata> s : sent) {
                    s.get();
                }
            }
            // Stored as sent: the producer's codec is in the stored batch header, batches were not re-encoded.
            final int codec = List.of("none", "gzip", "snappy", "lz4", "zstd").indexOf(compression);
            try (LogSlice s = f.broker.engine().getLog(new io.sediment.api.TopicPartition("t", 0)).read(0, 1 << 20)) {
                final RecordBatch b = new RecordBatch().wrap(s.buffer(), 0);
                assertEquals(codec, b.compressionCodec());
                assertTrue(b.producerId() >= 0, "idempotent producer batches carry a producer id");
            }
            try (KafkaConsumer<byte[], byte[]> c = f.consumer()) {
                final Map<Integer, List<ConsumerRecord<byte[], byte[]>>> got = consume(c, "t", partitions, perPartition);
                for (int part = 0; part < partitions; part++) {
                    final List<ConsumerRecord<byte[], byte[]>> rs = got.get(part);
                    assertEquals(perPartition, rs.size(), "partition " + part);
                    for (int i = 0; i < perPartition; i++) {
                        assertEquals(i, rs.get(i).offset());
                        assertArrayEquals(value(part, i, 200), rs.get(i).value());
                    }
                }
            }
        }
    }

    @Test
    void largeBatchesUpToMaxMessageBytesRoundTrip() throws Exception {
        try (BrokerFixture f = new BrokerFixture(dir, "message.max.bytes", String.valueOf(4 * 1024 * 1024))) {
            try (Admin admin = f.admin()) {
                admin.createTopics(List.of(new NewTopic("big", 1, (short) 1))).all().get();
            }
            final byte[] big = value(0, 7, 3 * 1024 * 1024);
            try (KafkaProducer<byte[], byte[]> p = f.producer(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 8 * 1024 * 1024,
                    ProducerConfig.BATCH_SIZE_CONFIG, 4 * 1024 * 1024)) {
                p.send(new ProducerRecord<>("big", 0, null, big)).get();
                p.send(new ProducerRecord<>("big", 0, null, big)).get();
            }
            try (KafkaConsumer<byte[], byte[]> c = f.consumer(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 1024)) {
                final List<ConsumerRecord<byte[], byte[]>> rs = consume(c, "big", 1, 2).get(0);
                assertEquals(2, rs.size());
                assertArrayEquals(big, rs.get(1).value());
            }
        }
    }

    /**
     * One producer connection sends requests that alternate around the receive buffer's sizes (the 64 KiB first
     * buffer, the 256 KiB one a connection keeps, frames that must grow past both): each record comes back intact,
     * so no request was read into, or overwritten through, a buffer of another.
     */
    @Test
    void requestsOfAlternatingSizesOnOneConnectionRoundTrip() throws Exception {
        final int[] sizes = {10, 200 * 1024, 70 * 1024, 1024 * 1024, 5, 300 * 1024, 250 * 1024, 64 * 1024, 17};
        try (BrokerFixture f = new BrokerFixture(dir, "message.max.bytes", String.valueOf(2 * 1024 * 1024))) {
            try (Admin admin = f.admin()) {
                admin.createTopics(List.of(new NewTopic("sizes", 1, (short) 1))).all().get();
            }
            // Not waiting for each send lets the producer pipeline up to five requests on its one connection, so
            // the bytes of the next request often arrive with the end of the current one.
            try (KafkaProducer<byte[], byte[]> p = f.producer(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 4 * 1024 * 1024,
                    ProducerConfig.BATCH_SIZE_CONFIG, 2 * 1024 * 1024, ProducerConfig.LINGER_MS_CONFIG, 0)) {
                final List<Future<RecordMetadata>> sent = new ArrayList<>();
                for (int round = 0; round < 3; round++) {
                    for (int i = 0; i < sizes.length; i++) {
                        sent.add(p.send(new ProducerRecord<>("sizes", 0, null, value(round, i, sizes[i]))));
                    }
                }
                for (Future<RecordMetadata> s : sent) {
                    s.get();
                }
            }
            try (KafkaConsumer<byte[], byte[]> c = f.consumer()) {
                final List<ConsumerRecord<byte[], byte[]>> rs = consume(c, "sizes", 1, 3 * sizes.length).get(0);
                assertEquals(3 * sizes.length, rs.size());
                for (int round = 0; round < 3; round++) {
                    for (int i = 0; i < sizes.length; i++) {
                        assertArrayEquals(value(round, i, sizes[i]), rs.get(round * sizes.length + i).value(),
                                "round " + round + " record " + i);
                    }
                }
            }
        }
    }

    @Test
    void brokerRestartInTheMiddleKeepsEveryAcknowledgedRecordOnce() throws Exception {
        try (BrokerFixture f = new BrokerFixture(dir)) {
            try (Admin admin = f.admin()) {
                admin.createTopics(List.of(new NewTopic("r", 2, (short) 1))).all().get();
            }
            try (KafkaProducer<byte[], byte[]> p = f.producer()) {
                for (int i = 0; i < 100; i++) {
                    p.send(new ProducerRecord<>("r", i % 2, null, value(i % 2, i / 2, 50)));
                }
                p.flush();
            }
            f.restart();
            try (KafkaProducer<byte[], byte[]> p = f.producer()) {
                for (int i = 100; i < 200; i++) {
                    p.send(new ProducerRecord<>("r", i % 2, null, value(i % 2, i / 2, 50)));
                }
                p.flush();
            }
            try (KafkaConsumer<byte[], byte[]> c = f.consumer()) {
                final Map<Integer, List<ConsumerRecord<byte[], byte[]>>> got = consume(c, "r", 2, 100);
                for (int part = 0; part < 2; part++) {
                    assertEquals(100, got.get(part).size());
                    for (int i = 0; i < 100; i++) {
                        assertArrayEquals(value(part, i, 50), got.get(part).get(i).value());
                    }
                }
            }
        }
    }

    @Test
    void longPollFetchIsAnsweredByAnAppend() throws Exception {
        try (BrokerFixture f = new BrokerFixture(dir)) {
            try (Admin admin = f.admin()) {
                admin.createTopics(List.of(new NewTopic("lp", 1, (short) 1))).all().get();
            }
            // A fetch that waits up to a minute for data: only the append below can answer it within the poll.
            final KafkaConsumer<byte[], byte[]> c = f.consumer(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 60_000,
                    ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, 90_000);
            try (KafkaProducer<byte[], byte[]> p = f.producer()) {
                final TopicPartition tp = new TopicPartition("lp", 0);
                c.assign(List.of(tp));
                c.seekToBeginning(List.of(tp));
                assertTrue(c.poll(Duration.ofMillis(300)).isEmpty());
                p.send(new ProducerRecord<>("lp", 0, null, "hello".getBytes(StandardCharsets.UTF_8))).get();
                List<ConsumerRecord<byte[], byte[]>> got = List.of();
                final long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (got.isEmpty() && System.nanoTime() < deadline) {
                    got = c.poll(Duration.ofSeconds(30)).records(tp);
                }
                assertEquals("hello", new String(got.get(0).value(), StandardCharsets.UTF_8));
            } finally {
                // The consumer has already sent its next long poll; close without waiting for it to come back.
                c.close(CloseOptions.timeout(Duration.ZERO));
            }
        }
    }

    @Test
    void listOffsetsAndDeleteRecordsMoveTheLowWatermark() throws Exception {
        try (BrokerFixture f = new BrokerFixture(dir)) {
            final TopicPartition tp = new TopicPartition("o", 0);
            try (Admin admin = f.admin()) {
                admin.createTopics(List.of(new NewTopic("o", 1, (short) 1))).all().get();
                try (KafkaProducer<byte[], byte[]> p = f.producer()) {
                    for (int i = 0; i < 10; i++) {
                        p.send(new ProducerRecord<>("o", 0, 1_000L * (i + 1), null, value(0, i, 10))).get();
                    }
                }
                assertEquals(0, admin.listOffsets(Map.of(tp, OffsetSpec.earliest())).partitionResult(tp).get().offset());
                assertEquals(10, admin.listOffsets(Map.of(tp, OffsetSpec.latest())).partitionResult(tp).get().offset());
                assertEquals(4, admin.listOffsets(Map.of(tp, OffsetSpec.forTimestamp(4_500))).partitionResult(tp).get().offset());
                final var max = admin.listOffsets(Map.of(tp, OffsetSpec.maxTimestamp())).partitionResult(tp).get();
                assertEquals(9, max.offset());
                assertEquals(10_000, max.timestamp());
                assertEquals(6, admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(6))).lowWatermarks().get(tp)
                        .get().lowWatermark());
                assertEquals(6, admin.listOffsets(Map.of(tp, OffsetSpec.earliest())).partitionResult(tp).get().offset());
            }
            try (KafkaConsumer<byte[], byte[]> c = f.consumer()) {
                final List<ConsumerRecord<byte[], byte[]>> rs = consume(c, "o", 1, 4).get(0);
                assertEquals(6, rs.get(0).offset());
                assertEquals(Arrays.toString(value(0, 6, 10)), Arrays.toString(rs.get(0).value()));
            }
        }
    }
}
