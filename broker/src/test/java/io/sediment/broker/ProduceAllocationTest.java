package io.sediment.broker;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pins how much heap the broker allocates per produce request, so that the produce path's garbage cannot silently
 * grow back. Under the broker suite's flags ({@code -Xms1g}, G1) no collection runs during a run, so every byte
 * allocated is memory touched: the broker's peak RSS at 100 B records was mostly this (bench/README.md).
 *
 * <p>A real kafka-clients producer with its defaults (idempotent, {@code acks=all}, 16 KiB batches, as the bench's
 * ProducerPerformance) sends 100 B records to one partition; the bytes allocated by the broker's network and I/O
 * threads ({@code com.sun.management.ThreadMXBean}, exact per thread) are divided by the produce requests the
 * producer counted in the same window. Counted, not timed: the figure depends on what the code allocates, and only a
 * little on how far the JIT got (allocation that C2's escape analysis removes is not counted once compiled, so
 * the short warm-up leaves the figure near what the suite's run sees, whose per-request methods mostly run in C1).
 */
class ProduceAllocationTest {
    /** Before the produce path was slimmed the broker allocated ~3,600 B per request here (broker/README.md). */
    static final long MAX_BYTES_PER_REQUEST = 1_500;

    @TempDir
    Path dir;

    @Test
    void aProduceRequestAllocatesLittleOnTheBrokersThreads() throws Exception {
        final com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());
        try (BrokerFixture f = new BrokerFixture(dir)) {
            try (Admin admin = f.admin()) {
                admin.createTopics(List.of(new NewTopic("t", 1, (short) 1))).all().get();
            }
            final byte[] value = new byte[100];
            final int warmUp = 100_000;
            final int measured = 200_000;
            final long requests;
            final long bytes;
            try (KafkaProducer<byte[], byte[]> producer = f.producer()) {
                send(producer, value, warmUp);
                final long[] ids = brokerThreadIds();
                final long requestsBefore = requestTotal(producer);
                final long bytesBefore = sum(threads.getThreadAllocatedBytes(ids));
                send(producer, value, measured);
                bytes = sum(threads.getThreadAllocatedBytes(ids)) - bytesBefore;
                requests = requestTotal(producer) - requestsBefore;
            }
            try (Admin admin = f.admin()) {
                final TopicPartition tp = new TopicPartition("t", 0);
                assertEquals(warmUp + measured,
                        admin.listOffsets(Map.of(tp, OffsetSpec.latest())).partitionResult(tp).get().offset());
            }
            // 100 B records in 16 KiB batches: about 150 records a request, so well over a thousand requests.
            assertTrue(requests > measured / 400, "produce requests counted: " + requests);
            final long perRequest = bytes / requests;
            System.out.printf("broker threads allocated %,d B for %,d produce requests: %,d B per request%n",
                    bytes, requests, perRequest);
            assertTrue(perRequest <= MAX_BYTES_PER_REQUEST, "broker threads allocated " + perRequest
                    + " B per produce request (" + bytes + " B for " + requests + " requests), more than "
                    + MAX_BYTES_PER_REQUEST);
        }
    }

    private static void send(final KafkaProducer<byte[], byte[]> producer, final byte[] value, final int count) {
        for (int i = 0; i < count; i++) {
            producer.send(new ProducerRecord<>("t", value));
        }
        producer.flush();
    }

    /** The requests this producer has sent: produce requests only, once its metadata is known. */
    private static long requestTotal(final KafkaProducer<byte[], byte[]> producer) {
        for (Map.Entry<MetricName, ? extends Metric> e : producer.metrics().entrySet()) {
            if (e.getKey().name().equals("request-total") && e.getKey().group().equals("producer-metrics")) {
                return (long) (double) (Double) e.getValue().metricValue();
            }
        }
        throw new AssertionError("no request-total metric");
    }

    /** The threads that read, handle and answer requests: the network threads and the I/O threads. */
    private static long[] brokerThreadIds() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("sediment-network-") || t.getName().startsWith("sediment-io-"))
                .mapToLong(Thread::getId)
                .toArray();
    }

    private static long sum(final long[] values) {
        long s = 0;
        for (long v : values) {
            s += v;
        }
        return s;
    }
}
