package io.sediment.broker;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Wire-level behaviour that clients rely on: auto-creation, acks=0, per-partition errors, idle connections. */
class ProtocolBehaviourTest {
    @TempDir
    Path dir;

    private static MetadataRequest metadataFor(final String topic, final boolean allowCreate) {
        return new MetadataRequest.Builder(new MetadataRequestData().setAllowAutoTopicCreation(allowCreate)
                .setTopics(List.of(new MetadataRequestData.MetadataRequestTopic().setName(topic)))).build((short) 12);
    }

    private static ProduceRequest produce(final short acks, final String topic, final int partition, final String value) {
        final ProduceRequestData d = new ProduceRequestData().setAcks(acks).setTimeoutMs(10_000);
        d.topicData().add(new ProduceRequestData.TopicProduceData().setName(topic).setPartitionData(List.of(
                new ProduceRequestData.PartitionProduceData().setIndex(partition).setRecords(MemoryRecords.withRecords(
                        Compression.NONE, new SimpleRecord(value.getBytes(StandardCharsets.UTF_8)))))));
        return ProduceRequest.builder(d).build((short) 12);
    }

    @Test
    void metadataAutoCreatesTopicsWithNumPartitionsOnlyWhenEnabledAndAsked() throws Exception {
        try (BrokerFixture f = new BrokerFixture(dir, "num.partitions", "3");
             RawClient c = new RawClient(f.broker.boundAddress())) {
            final MetadataResponse notAsked = (MetadataResponse) c.send(metadataFor("auto", false));
            assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION, notAsked.topicMetadata().iterator().next().error());
            final MetadataResponse created = (MetadataResponse) c.send(metadataFor("auto", true));
            assertEquals(Errors.NONE, created.topicMetadata().iterator().next().error());
            assertEquals(3, created.topicMetadata().iterator().next().partitionMetadata().size());
            final MetadataResponse invalid = (MetadataResponse) c.send(metadataFor("bad/name", true));
            assertEquals(Errors.INVALID_TOPIC_EXCEPTION, invalid.topicMetadata().iterator().next().error());
        }
        try (BrokerFixture f = new BrokerFixture(dir.resolve("off"), "auto.create.topics.enable", "false");
             RawClient c = new RawClient(f.broker.boundAddress())) {
            final MetadataResponse r = (MetadataResponse) c.send(metadataFor("auto", true));
            assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION, r.topicMetadata().iterator().next().error());
            assertTrue(f.broker.engine().logs().isEmpty());
        }
    }

    @Test
    void acksZeroIsStoredWithoutAResponseAndTheNextRequestIsAnsweredInOrder() throws Exception {
        try (BrokerFixture f = new BrokerFixture(dir); RawClient c = new RawClient(f.broker.boundAddress())) {
            c.send(metadataFor("z", true));
            final ByteBuffer fireAndForget = c.frame(produce((short) 0, "z", 0, "a"));
            final ByteBuffer metadata = c.frame(metadataFor("z", false));
            final int metadataId = metadata.getInt(4 + 4);
            c.write(fireAndForget);
            c.write(metadata);
            final MetadataResponse r = (MetadataResponse) c.receive(ApiKeys.METADATA, (short) 12, metadataId);
            assertEquals(Errors.NONE, r.topicMetadata().iterator().next().error());
            assertEquals(1, f.broker.engine().getLog(new io.sediment.api.TopicPartition("z", 0)).logEndOffset());
        }
    }

    @Test
    void eachPartitionOfAProduceAnswersOnItsOwn() throws Exception {
        try (BrokerFixture f = new BrokerFixture(dir, "message.max.bytes", "200");
             RawClient c = new RawClient(f.broker.boundAddress())) {
            c.send(metadataFor("p", true));
            final ProduceRequestData d = new ProduceRequestData().setAcks((short) 1).setTimeoutMs(10_000);
            d.topicData().add(new ProduceRequestData.TopicProduceData().setName("p").setPartitionData(List.of(
                    new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(
                            MemoryRecords.withRecords(Compression.NONE, new SimpleRecord("ok".getBytes(StandardCharsets.UTF_8)))),
                    new ProduceRequestData.PartitionProduceData().setIndex(7).setRecords(
                            MemoryRecords.withRecords(Compression.NONE, new SimpleRecord("x".getBytes(StandardCharsets.UTF_8)))),
                    new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(
                            MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(new byte[500]))))));
            d.topicData().add(new ProduceRequestData.TopicProduceData().setName("missing").setPartitionData(List.of(
                    new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(
                            MemoryRecords.withRecords(Compression.NONE, new SimpleRecord("x".getBytes(StandardCharsets.UTF_8)))))));
            final ProduceResponse r = (ProduceResponse) c.send(ProduceRequest.builder(d).build((short) 12));
            final var topics = r.data().responses();
            final var p = topics.find("p", org.apache.kafka.common.Uuid.ZERO_UUID).partitionResponses();
            assertEquals(Errors.NONE.code(), p.get(0).errorCode());
            assertEquals(0, p.get(0).baseOffset());
            assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(), p.get(1).errorCode());
            assertEquals(Errors.MESSAGE_TOO_LARGE.code(), p.get(2).errorCode());
            assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(),
                    topics.find("missing", org.apache.kafka.common.Uuid.ZERO_UUID).partitionResponses().get(0).errorCode());
            assertEquals(1, f.broker.engine().getLog(new io.sediment.api.TopicPartition("p", 0)).logEndOffset());
        }
    }

    @Test
    void idleConnectionsAreClosed() throws Exception {
        try (BrokerFixture f = new BrokerFixture(dir, "connections.max.idle.ms", "300");
             RawClient c = new RawClient(f.broker.boundAddress())) {
            c.send(metadataFor("i", false));
            assertTrue(c.closedByBroker());
        }
    }

    @Test
    void aFailedAcksZeroProduceClosesTheConnection() throws Exception {
        try (BrokerFixture f = new BrokerFixture(dir); RawClient c = new RawClient(f.broker.boundAddress())) {
            c.write(c.frame(produce((short) 0, "nowhere", 0, "a")));
            assertTrue(c.closedByBroker());
        }
    }

    @Test
    void aBatchWithABadCrcIsCorruptMessageAndNothingIsStored() throws Exception {
        try (BrokerFixture f = new BrokerFixture(dir); RawClient c = new RawClient(f.broker.boundAddress())) {
            c.send(metadataFor("crc", true));
            final MemoryRecords records = MemoryRecords.withRecords(Compression.NONE,
                    new SimpleRecord("payload".getBytes(StandardCharsets.UTF_8)));
            final ByteBuffer b = records.buffer();
            b.put(b.limit() - 1, (byte) (b.get(b.limit() - 1) ^ 0x5a)); // flip bits in the last record byte
            final ProduceRequestData d = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(10_000);
            d.topicData().add(new ProduceRequestData.TopicProduceData().setName("crc").setPartitionData(List.of(
                    new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(MemoryRecords.readableRecords(b)))));
            final ProduceResponse r = (ProduceResponse) c.send(ProduceRequest.builder(d).build((short) 12));
            final var p = r.data().responses().iterator().next().partitionResponses().get(0);
            assertEquals(Errors.CORRUPT_MESSAGE.code(), p.errorCode());
            assertTrue(p.errorMessage() != null && !p.errorMessage().isEmpty());
            assertEquals(0, f.broker.engine().getLog(new io.sediment.api.TopicPartition("crc", 0)).logEndOffset());
        }
    }

    @Test
    void manyConnectionsWithPipelinedRequestsAreAllAnsweredInOrder() throws Exception {
        try (BrokerFixture f = new BrokerFixture(dir)) {
            final List<RawClient> clients = new java.util.ArrayList<>();
            try {
                for (int i = 0; i < 200; i++) {
                    clients.add(new RawClient(f.broker.boundAddress()));
                }
                for (RawClient c : clients) {
                    final ByteBuffer all = ByteBuffer.allocate(4096);
                    for (int k = 0; k < 5; k++) {
                        all.put(c.frame(metadataFor("m" + k, false)));
                    }
                    c.write(all.flip());
                }
                for (RawClient c : clients) {
                    for (int k = 0; k < 5; k++) {
                        final MetadataResponse r = (MetadataResponse) c.receive(ApiKeys.METADATA, (short) 12, k);
                        assertEquals("m" + k, r.topicMetadata().iterator().next().topic());
                    }
                }
            } finally {
                for (RawClient c : clients) {
                    c.close();
                }
            }
        }
    }

    /** A Metadata request naming {@code count} topics {@code <prefix>-<i>}: a frame of about 20 bytes a topic. */
    private static MetadataRequest metadataForMany(final String prefix, final int count) {
        final MetadataRequestData d = new MetadataRequestData().setAllowAutoTopicCreation(false);
        for (int i = 0; i < count; i++) {
            d.topics().add(new MetadataRequestData.MetadataRequestTopic().setName(prefix + "-" + i));
        }
        return new MetadataRequest.Builder(d).build((short) 12);
    }

    /**
     * Frames of alternating sizes written at once on one connection, around the receive buffer's sizes (64 KiB
     * first, 256 KiB kept between requests, growth past both): each is answered in order with what it asked, so no
     * frame was read past its end into the next, or into a buffer still holding another.
     */
    @Test
    void pipelinedFramesOfAlternatingSizesAreEachAnsweredWhole() throws Exception {
        final int[] topicCounts = {1, 5_000, 2, 20_000, 1, 9_000, 3, 12_000, 1};
        try (BrokerFixture f = new BrokerFixture(dir); RawClient c = new RawClient(f.broker.boundAddress())) {
            final java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
            for (int k = 0; k < topicCounts.length; k++) {
                final ByteBuffer frame = c.frame(metadataForMany("t" + k, topicCounts[k]));
                all.write(frame.array(), frame.arrayOffset() + frame.position(), frame.remaining());
            }
            c.write(all.toByteArray());
            for (int k = 0; k < topicCounts.length; k++) {
                final MetadataResponse r = (MetadataResponse) c.receive(ApiKeys.METADATA, (short) 12, k);
                assertEquals(topicCounts[k], r.topicMetadata().size(), "request " + k);
                final String prefix = "t" + k + "-";
                assertTrue(r.topicMetadata().stream().allMatch(t -> t.topic().startsWith(prefix)
                        && t.error() == Errors.UNKNOWN_TOPIC_OR_PARTITION), "request " + k);
            }
        }
    }

    @Test
    void aLongPollWaitsForMinBytesAcrossSeveralAppends() throws Exception {
        try (BrokerFixture f = new BrokerFixture(dir);
             RawClient fetcher = new RawClient(f.broker.boundAddress());
             RawClient producer = new RawClient(f.broker.boundAddress())) {
            producer.send(metadataFor("mb", true));
            final org.apache.kafka.common.TopicPartition tp = new org.apache.kafka.common.TopicPartition("mb", 0);
            final int minBytes = 1000;
            final var fetch = org.apache.kafka.common.requests.FetchRequest.Builder.forConsumer((short) 12, 60_000,
                    minBytes, Map.of(tp, new org.apache.kafka.common.requests.FetchRequest.PartitionData(
                            org.apache.kafka.common.Uuid.ZERO_UUID, 0, 0, 1 << 20, java.util.Optional.empty())))
                    .build((short) 12);
            final ByteBuffer frame = fetcher.frame(fetch);
            final int fetchId = frame.getInt(8);
            fetcher.write(frame);
            // A small append does not satisfy min.bytes; a large one does. Had the fetch answered after the first,
            // its records would be smaller than min.bytes.
            assertEquals(Errors.NONE.code(), ((ProduceResponse) producer.send(produce((short) 1, "mb", 0, "small")))
                    .data().responses().iterator().next().partitionResponses().get(0).errorCode());
            assertEquals(Errors.NONE.code(), ((ProduceResponse) producer.send(produce((short) 1, "mb", 0, "x".repeat(2000))))
                    .data().responses().iterator().next().partitionResponses().get(0).errorCode());
            final var r = (org.apache.kafka.common.requests.FetchResponse) fetcher.receive(ApiKeys.FETCH, (short) 12, fetchId);
            final var records = (MemoryRecords) r.data().responses().get(0).partitions().get(0).records();
            assertTrue(records.sizeInBytes() >= minBytes, "fetched " + records.sizeInBytes() + " bytes");
            int count = 0;
            for (var batch : records.batches()) {
                count += (int) (batch.lastOffset() - batch.baseOffset() + 1);
            }
            assertEquals(2, count);
        }
    }
}
