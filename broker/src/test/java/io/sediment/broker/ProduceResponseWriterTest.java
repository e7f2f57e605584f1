package io.sediment.broker;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.RequestUtils;
import org.apache.kafka.common.requests.ResponseHeader;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

/**
 * {@link ProduceResponseWriter} against the reference: kafka-clients' own {@code ProduceResponseData} serialization
 * (the generated code real brokers and clients use), byte for byte, with its response header and size prefix.
 */
class ProduceResponseWriterTest {
    @Test
    void framesAreKafkaClientsSerializationAtEveryVersion() {
        qt().withExamples(3000)
                .forAll(longs().all(), integers().between(ProduceRequestReader.MIN_VERSION, ProduceRequestReader.MAX_VERSION))
                .checkAssert((seed, version) -> {
                    final Random random = new Random(seed);
                    final short v = (short) (int) version;
                    final RequestHeader header = new RequestHeader(ApiKeys.PRODUCE, v, "client", random.nextInt());
                    final ProduceRequestData request = new ProduceRequestData().setAcks((short) -1);
                    final int topics = random.nextInt(5);
                    for (int t = 0; t < topics; t++) {
                        final ProduceRequestData.TopicProduceData topic = new ProduceRequestData.TopicProduceData()
                                .setName(ProduceRequestReaderTest.text(random, 1 + random.nextInt(30)))
                                .setTopicId(new Uuid(random.nextLong(), random.nextLong()));
                        final int partitions = random.nextInt(6);
                        for (int p = 0; p < partitions; p++) {
                            topic.partitionData().add(new ProduceRequestData.PartitionProduceData()
                                    .setIndex(random.nextInt(4) == 0 ? random.nextInt() : p));
                        }
                        request.topicData().add(topic);
                    }
                    int partitionCount = 0;
                    int nameBytes = 0;
                    for (ProduceRequestData.TopicProduceData t : request.topicData()) {
                        partitionCount += t.partitionData().size();
                        nameBytes += t.name().getBytes(StandardCharsets.UTF_8).length;
                    }
                    // The room planned for names changes where the frame grows, never what it holds.
                    final ProduceResponseWriter writer = new ProduceResponseWriter(header, topics, partitionCount,
                            random.nextBoolean() ? nameBytes : random.nextInt(1 + nameBytes));
                    final ProduceResponseData expected = new ProduceResponseData();
                    boolean anyError = false;
                    for (ProduceRequestData.TopicProduceData t : request.topicData()) {
                        writer.topic(t.name(), t.topicId(), t.partitionData().size());
                        final ProduceResponseData.TopicProduceResponse tr = new ProduceResponseData.TopicProduceResponse();
                        if (v >= 13) {
                            tr.setTopicId(t.topicId());
                        } else {
                            tr.setName(t.name());
                        }
                        for (ProduceRequestData.PartitionProduceData p : t.partitionData()) {
                            final ProduceResponseData.PartitionProduceResponse pr =
                                    new ProduceResponseData.PartitionProduceResponse().setIndex(p.index());
                            if (random.nextInt(3) == 0) {
                                final Errors error = Errors.values()[1 + random.nextInt(Errors.values().length - 1)];
                                final String message = random.nextBoolean() ? null
                                        : ProduceRequestReaderTest.text(random, random.nextInt(4) == 0 ? 400 : random.nextInt(40));
                                writer.failed(p.index(), error.code(), message);
                                pr.setErrorCode(error.code()).setErrorMessage(message)
                                        .setBaseOffset(-1).setLogAppendTimeMs(-1).setLogStartOffset(-1);
                                anyError = true;
                            } else {
                                final long base = random.nextLong() & Long.MAX_VALUE;
                                final long time = random.nextBoolean() ? -1 : random.nextLong();
                                final long start = random.nextLong() & Long.MAX_VALUE;
                                writer.stored(p.index(), base, time, start);
                                pr.setBaseOffset(base).setLogAppendTimeMs(time).setLogStartOffset(start);
                            }
                            tr.partitionResponses().add(pr);
                        }
                        expected.responses().add(tr);
                    }
                    assertEquals(anyError, writer.anyError());
                    assertEquals(frame(header, expected, v), writer.finish());
                });
    }

    @Test
    void answeringMorePartitionsOrTopicsThanTheRequestHasIsABug() {
        final RequestHeader header = new RequestHeader(ApiKeys.PRODUCE, (short) 11, "client", 1);

        final ProduceResponseWriter unfinished = new ProduceResponseWriter(header, 1, 1, 1);
        unfinished.topic("t", Uuid.ZERO_UUID, 1);
        assertThrows(IllegalStateException.class, unfinished::finish);

        final ProduceResponseWriter extra = new ProduceResponseWriter(header, 1, 1, 1);
        extra.topic("t", Uuid.ZERO_UUID, 1);
        extra.stored(0, 0, -1, 0);
        assertThrows(IllegalStateException.class, () -> extra.stored(1, 0, -1, 0));
        assertThrows(IllegalStateException.class, () -> extra.topic("t", Uuid.ZERO_UUID, 1));
    }

    @Test
    void versionsOutsideTheWrittenRangeAreRefused() {
        for (short v : new short[]{0, 2, 14}) {
            final RequestHeader header = new RequestHeader(ApiKeys.PRODUCE, v, "client", 1);
            assertThrows(IllegalArgumentException.class, () -> new ProduceResponseWriter(header, 0, 0, 0));
        }
    }

    /** What a Kafka broker sends: size prefix, response header, body, as kafka-clients serializes them. */
    private static ByteBuffer frame(final RequestHeader header, final ProduceResponseData data, final short version) {
        final ResponseHeader rh = header.toResponseHeader();
        final ByteBuffer body = RequestUtils.serialize(rh.data(), rh.headerVersion(), data, version);
        final ByteBuffer frame = ByteBuffer.allocate(4 + body.remaining());
        frame.putInt(body.remaining()).put(body);
        return frame.flip();
    }
}
