package io.sediment.broker;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.protocol.types.RawTaggedField;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.requests.ProduceRequest;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

/**
 * {@link ProduceRequestReader} against the reference, kafka-clients' generated parser: on requests kafka-clients
 * serialized, it reads the same fields; on damaged ones (truncated, overwritten, grown), it accepts exactly what
 * the reference accepts and then reads the same.
 */
class ProduceRequestReaderTest {
    private static final String[] PIECES = {"a", "t", "-", "_", ".", "Z", "9", "é", "日本", "\uD83D\uDE00", "\uD800"};

    @Test
    void readsWhatKafkaClientsWroteAtEveryVersion() {
        qt().withExamples(3000)
                .forAll(longs().all(), integers().between(ProduceRequestReader.MIN_VERSION, ProduceRequestReader.MAX_VERSION))
                .checkAssert((seed, version) -> {
                    final short v = (short) (int) version;
                    final ProduceRequestData request = request(new Random(seed), v);
                    final ByteBuffer body = serialize(request, v);
                    assertEquals(reference(body, v), read(body, v));
                    // The names' bytes as carried, which the response reserves room for (no names from v13).
                    int nameBytes = 0;
                    for (ProduceRequestData.TopicProduceData t : request.topicData()) {
                        nameBytes += t.name().getBytes(StandardCharsets.UTF_8).length;
                    }
                    assertEquals(nameBytes, ProduceRequestReader.read(body.duplicate(), v).topicNameBytes());
                });
    }

    @Test
    void acceptsExactlyTheDamagedRequestsKafkaClientsAcceptsAndReadsTheSame() {
        qt().withExamples(5000)
                .forAll(longs().all(), integers().between(ProduceRequestReader.MIN_VERSION, ProduceRequestReader.MAX_VERSION))
                .checkAssert((seed, version) -> {
                    final Random random = new Random(seed);
                    final short v = (short) (int) version;
                    final ByteBuffer body = damage(random, serialize(request(random, v), v));
                    assertEquals(reference(body, v), read(body, v));
                });
    }

    @Test
    void dataIsKafkaClientsParseOfTheSameBytes() {
        final Random random = new Random(7);
        for (short v = ProduceRequestReader.MIN_VERSION; v <= ProduceRequestReader.MAX_VERSION; v++) {
            final ByteBuffer body = serialize(request(random, v), v);
            final ProduceRequestReader reader = ProduceRequestReader.read(body.duplicate(), v);
            assertEquals(ProduceRequest.parse(new ByteBufferAccessor(body.duplicate()), v).data(), reader.data());
        }
    }

    @Test
    void versionsOutsideTheReadRangeAreRefused() {
        final ByteBuffer body = serialize(new ProduceRequestData(), (short) 3);
        for (short v : new short[]{0, 2, 14}) {
            final short version = v;
            assertThrows(RuntimeException.class, () -> ProduceRequestReader.read(body.duplicate(), version));
        }
    }

    /** What the reader reads, as a list of values, or the word "refused". */
    private static List<Object> read(final ByteBuffer body, final short version) {
        final ProduceRequestReader r;
        try {
            r = ProduceRequestReader.read(body.duplicate(), version);
        } catch (RuntimeException e) {
            return List.of("refused");
        }
        final List<Object> out = new ArrayList<>(List.of(r.acks(), r.timeoutMs(), r.topicCount(), r.partitionCount()));
        for (int pass = 0; pass < 2; pass++) {
            r.rewind();
            while (r.nextTopic()) {
                out.add(version < 13 ? r.topicName() : r.topicId());
                out.add(r.topicPartitions());
                // The second pass leaves the partitions unread: nextTopic skips them.
                while (pass == 0 && r.nextPartition()) {
                    out.add(r.partitionIndex());
                    out.add(r.records() == null ? "null" : ByteBuffer.wrap(bytes(r.records())));
                }
            }
        }
        return out;
    }

    /** The same values, as kafka-clients parses them. */
    private static List<Object> reference(final ByteBuffer body, final short version) {
        final ProduceRequestData data;
        try {
            data = ProduceRequest.parse(new ByteBufferAccessor(body.duplicate()), version).data();
        } catch (RuntimeException e) {
            return List.of("refused");
        }
        int partitions = 0;
        for (ProduceRequestData.TopicProduceData t : data.topicData()) {
            partitions += t.partitionData().size();
        }
        final List<Object> out = new ArrayList<>(List.of(data.acks(), data.timeoutMs(), data.topicData().size(),
                partitions));
        for (int pass = 0; pass < 2; pass++) {
            for (ProduceRequestData.TopicProduceData t : data.topicData()) {
                out.add(version < 13 ? t.name() : t.topicId());
                out.add(t.partitionData().size());
                for (ProduceRequestData.PartitionProduceData p : t.partitionData()) {
                    if (pass == 0) {
                        out.add(p.index());
                        out.add(p.records() == null ? "null"
                                : ByteBuffer.wrap(bytes(((MemoryRecords) p.records()).buffer())));
                    }
                }
            }
        }
        return out;
    }

    private static ProduceRequestData request(final Random random, final short version) {
        final ProduceRequestData data = new ProduceRequestData()
                .setTransactionalId(random.nextBoolean() ? null : text(random, random.nextInt(6)))
                .setAcks((short) (random.nextInt(3) - 1))
                .setTimeoutMs(random.nextInt());
        final int topics = random.nextInt(4);
        for (int t = 0; t < topics; t++) {
            final ProduceRequestData.TopicProduceData topic = new ProduceRequestData.TopicProduceData();
            if (version < 13) {
                topic.setName(text(random, 1 + random.nextInt(12)));
            } else {
                topic.setTopicId(new Uuid(random.nextLong(), random.nextLong()));
            }
            final int partitions = random.nextInt(4);
            for (int p = 0; p < partitions; p++) {
                final byte[] records = new byte[random.nextInt(40)];
                random.nextBytes(records);
                final ProduceRequestData.PartitionProduceData partition = new ProduceRequestData.PartitionProduceData()
                        .setIndex(random.nextInt(8) == 0 ? random.nextInt() : p)
                        .setRecords(random.nextInt(6) == 0 ? null : MemoryRecords.readableRecords(ByteBuffer.wrap(records)));
                if (version >= 9 && random.nextInt(4) == 0) {
                    partition.unknownTaggedFields().add(tag(random));
                }
                topic.partitionData().add(partition);
            }
            if (version >= 9 && random.nextInt(4) == 0) {
                topic.unknownTaggedFields().add(tag(random));
            }
            data.topicData().add(topic);
        }
        if (version >= 9 && random.nextInt(4) == 0) {
            data.unknownTaggedFields().add(tag(random));
        }
        return data;
    }

    /** A tagged field no Produce request version defines, as a newer client might send. */
    private static RawTaggedField tag(final Random random) {
        final byte[] value = new byte[random.nextInt(10)];
        random.nextBytes(value);
        return new RawTaggedField(1 + random.nextInt(200), value);
    }

    private static ByteBuffer serialize(final ProduceRequestData data, final short version) {
        final ObjectSerializationCache cache = new ObjectSerializationCache();
        final ByteBuffer buf = ByteBuffer.allocate(data.size(cache, version));
        data.write(new ByteBufferAccessor(buf), cache, version);
        return buf.flip();
    }

    /** Truncates, overwrites a few bytes (often with small or boundary values), or adds bytes at the end. */
    private static ByteBuffer damage(final Random random, final ByteBuffer body) {
        final byte[] b = bytes(body);
        switch (random.nextInt(3)) {
            case 0:
                return ByteBuffer.wrap(b, 0, b.length == 0 ? 0 : random.nextInt(b.length));
            case 1: {
                final int n = 1 + random.nextInt(3);
                for (int i = 0; i < n && b.length > 0; i++) {
                    final byte[] values = {0, 1, 2, -1, (byte) 0x7f, (byte) 0x80, (byte) random.nextInt()};
                    b[random.nextInt(b.length)] = values[random.nextInt(values.length)];
                }
                return ByteBuffer.wrap(b);
            }
            default: {
                final byte[] longer = new byte[b.length + 1 + random.nextInt(8)];
                System.arraycopy(b, 0, longer, 0, b.length);
                random.nextBytes(longer);
                System.arraycopy(b, 0, longer, 0, b.length);
                return ByteBuffer.wrap(longer);
            }
        }
    }

    private static byte[] bytes(final ByteBuffer buffer) {
        final ByteBuffer d = buffer.duplicate();
        final byte[] b = new byte[d.remaining()];
        d.get(b);
        return b;
    }

    /** Topic-name characters, non-ASCII ones (two and three bytes, a surrogate pair) and a lone surrogate. */
    static String text(final Random random, final int pieces) {
        final StringBuilder s = new StringBuilder();
        for (int i = 0; i < pieces; i++) {
            s.append(PIECES[random.nextInt(random.nextInt(8) == 0 ? PIECES.length : 7)]);
        }
        return s.toString();
    }
}
