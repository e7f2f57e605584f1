package io.sediment.api.record;

import io.sediment.api.record.KafkaInterop.BatchSettings;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import static io.sediment.api.record.RecordGenerators.build;
import static io.sediment.api.record.RecordGenerators.records;
import static org.junit.jupiter.api.Assertions.*;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

/** Our builder against Apache Kafka's codec: what we write, Kafka reads back exactly, and writes the same way. */
class RecordBatchBuilderTest {

    static Gen<BatchSettings> settings() {
        final Gen<Boolean> idempotent = Generate.booleans();
        final Gen<Boolean> transactional = Generate.booleans();
        final Gen<Long> producerIds = longs().between(0, Long.MAX_VALUE);
        final Gen<Integer> epochs = integers().between(0, Short.MAX_VALUE);
        final Gen<Integer> sequences = Generate.oneOf(integers().between(0, 1000),
                integers().between(Integer.MAX_VALUE - 50, Integer.MAX_VALUE));
        final Gen<Integer> leaderEpochs = integers().between(-1, Integer.MAX_VALUE);
        final Gen<Long> baseOffsets = Generate.oneOf(Generate.constant(0L), longs().between(0, Long.MAX_VALUE / 2));
        return rs -> {
            if (!idempotent.generate(rs)) {
                return new BatchSettings(-1, (short) -1, -1, false, leaderEpochs.generate(rs), baseOffsets.generate(rs));
            }
            return new BatchSettings(producerIds.generate(rs), (short) (int) epochs.generate(rs), sequences.generate(rs),
                    transactional.generate(rs), leaderEpochs.generate(rs), baseOffsets.generate(rs));
        };
    }

    @Test
    void batchesWeBuildReadBackIdenticallyWithKafka() {
        final RecordBatchBuilder builder = new RecordBatchBuilder();
        qt().withExamples(300).forAll(records(40)).checkAssert(records -> {
            final ByteBuffer buf = build(builder, records);
            assertEquals(0, buf.position());
            assertEquals(builder.sizeInBytes(), buf.limit());

            final Iterator<MutableRecordBatch> batches = MemoryRecords.readableRecords(buf.duplicate()).batches().iterator();
            final MutableRecordBatch batch = batches.next();
            assertFalse(batches.hasNext(), "exactly one batch");
            batch.ensureValid();
            assertEquals(2, batch.magic());
            assertEquals(0, batch.baseOffset());
            assertEquals(records.size() - 1, batch.lastOffset());
            assertEquals(records.size(), batch.countOrNull());
            assertEquals(buf.limit(), batch.sizeInBytes());
            assertEquals(records.stream().mapToLong(TestRecord::timestamp).max().orElseThrow(), batch.maxTimestamp());
            assertEquals(org.apache.kafka.common.record.TimestampType.CREATE_TIME, batch.timestampType());
            assertFalse(batch.isCompressed());

            final List<TestRecord> read = new ArrayList<>();
            long expectedOffset = 0;
            for (Record r : batch) {
                r.ensureValid();
                assertEquals(expectedOffset++, r.offset());
                read.add(KafkaInterop.fromKafka(r));
            }
            assertEquals(records, read);
        });
    }

    @Test
    void batchesWeBuildAreByteForByteWhatKafkasBuilderWrites() {
        final RecordBatchBuilder builder = new RecordBatchBuilder();
        qt().withExamples(300).forAll(records(30), settings()).checkAssert((records, settings) -> {
            settings.applyTo(builder.reset());
            final ByteBuffer ours = build(builder, records);
            final ByteBuffer kafkas = KafkaInterop.kafkaBatch(records, Compression.NONE,
                    org.apache.kafka.common.record.TimestampType.CREATE_TIME, -1L, settings);
            assertEquals(kafkas, ours);

            final MutableRecordBatch batch = MemoryRecords.readableRecords(ours).batches().iterator().next();
            batch.ensureValid();
            assertEquals(settings.producerId(), batch.producerId());
            assertEquals(settings.producerEpoch(), batch.producerEpoch());
            assertEquals(settings.baseSequence(), batch.baseSequence());
            assertEquals(settings.transactional(), batch.isTransactional());
            assertEquals(settings.partitionLeaderEpoch(), batch.partitionLeaderEpoch());
            assertEquals(settings.baseOffset(), batch.baseOffset());
        });
    }

    @Test
    void logAppendTimeBatchesGiveEveryRecordTheMaxTimestampInKafka() {
        final RecordBatchBuilder builder = new RecordBatchBuilder().timestampType(TimestampType.LOG_APPEND_TIME);
        qt().withExamples(100).forAll(records(20)).checkAssert(records -> {
            final ByteBuffer buf = build(builder, records);
            final MutableRecordBatch batch = MemoryRecords.readableRecords(buf.duplicate()).batches().iterator().next();
            batch.ensureValid();
            assertEquals(org.apache.kafka.common.record.TimestampType.LOG_APPEND_TIME, batch.timestampType());
            final long max = records.stream().mapToLong(TestRecord::timestamp).max().orElseThrow();
            assertEquals(max, batch.maxTimestamp());
            for (Record r : batch) {
                assertEquals(max, r.timestamp());
            }
            for (TestRecord r : RecordGenerators.readAll(buf, 0)) {
                assertEquals(max, r.timestamp());
            }
        });
    }

    @Test
    void buildIntoWritesAtThePositionAndAdvancesIt() {
        final RecordBatchBuilder builder = new RecordBatchBuilder();
        builder.append(1000L, "k".getBytes(), "v".getBytes());
        final ByteBuffer dst = ByteBuffer.allocateDirect(7 + builder.sizeInBytes() * 2);
        dst.position(7);
        assertEquals(builder.sizeInBytes(), builder.buildInto(dst));
        assertEquals(7 + builder.sizeInBytes(), dst.position());
        builder.clear().append(2000L, null, "w".getBytes());
        builder.buildInto(dst);
        dst.flip().position(7);

        final List<TestRecord> read = KafkaInterop.readWithKafka(dst.slice());
        assertEquals(List.of(new TestRecord(1000L, "k".getBytes(), "v".getBytes(), List.of()),
                new TestRecord(2000L, null, "w".getBytes(), List.of())), read);
        for (MutableRecordBatch b : MemoryRecords.readableRecords(dst.slice()).batches()) {
            b.ensureValid();
        }
    }

    @Test
    void buildIntoRefusesATooSmallOrLittleEndianBuffer() {
        final RecordBatchBuilder builder = new RecordBatchBuilder().append(1L, null, new byte[10]);
        assertThrows(IllegalArgumentException.class, () -> builder.buildInto(ByteBuffer.allocate(builder.sizeInBytes() - 1)));
        assertThrows(IllegalArgumentException.class,
                () -> builder.buildInto(ByteBuffer.allocate(1000).order(ByteOrder.LITTLE_ENDIAN)));
    }

    @Test
    void anEmptyBatchCannotBeBuilt() {
        final RecordBatchBuilder builder = new RecordBatchBuilder();
        assertThrows(IllegalStateException.class, builder::build);
        builder.append(5L, null, null);
        builder.build();
        builder.clear();
        assertThrows(IllegalStateException.class, builder::build);
        assertThrows(IllegalStateException.class, () -> builder.buildInto(ByteBuffer.allocate(1000)));
    }

    @Test
    void timestampsBelowMinusOneAreRefused() {
        final RecordBatchBuilder builder = new RecordBatchBuilder();
        assertThrows(IllegalArgumentException.class, () -> builder.append(-2L, null, null));
        assertEquals(0, builder.recordCount());
    }

    @Test
    void producerSettingsKafkasBuilderRefusesAreRefused() {
        assertThrows(IllegalStateException.class,
                () -> new RecordBatchBuilder().transactional(true).append(1L, null, null).build());
        assertThrows(IllegalStateException.class,
                () -> new RecordBatchBuilder().producer(7L, (short) -1, 0).append(1L, null, null).build());
        assertThrows(IllegalStateException.class,
                () -> new RecordBatchBuilder().producer(7L, (short) 0, -1).append(1L, null, null).build());
    }

    @Test
    void buildLeavesTheBuilderAsItWasAndClearStartsAfresh() {
        final RecordBatchBuilder builder = new RecordBatchBuilder().partitionLeaderEpoch(4);
        builder.append(10L, "a".getBytes(), "b".getBytes());
        final ByteBuffer first = builder.build();
        assertEquals(first, builder.build());
        builder.clear().append(99L, "c".getBytes(), null);
        final ByteBuffer second = builder.build();
        final MutableRecordBatch batch = MemoryRecords.readableRecords(second).batches().iterator().next();
        assertEquals(4, batch.partitionLeaderEpoch(), "clear keeps the settings");
        assertEquals(99L, batch.maxTimestamp());
        assertEquals(List.of(new TestRecord(99L, "c".getBytes(), null, List.of())), KafkaInterop.readWithKafka(second));
        builder.reset().append(1L, null, null);
        assertEquals(-1, new RecordBatch().wrap(builder.build(), 0).partitionLeaderEpoch(), "reset restores defaults");
    }

    @Test
    void byteBufferKeysAndValuesAreReadFromPositionToLimitWithoutMovingThem() {
        final ByteBuffer key = ByteBuffer.wrap("xxkeyyy".getBytes()).position(2).limit(5);
        final ByteBuffer value = ByteBuffer.allocateDirect(4).put(new byte[]{1, 2, 3, 4}).flip().position(1);
        final ByteBuffer batch = new RecordBatchBuilder().appendBuffers(3L, key, value).build();
        assertEquals(2, key.position());
        assertEquals(1, value.position());
        assertEquals(List.of(new TestRecord(3L, "key".getBytes(), new byte[]{2, 3, 4}, List.of())),
                KafkaInterop.readWithKafka(batch));
    }

    @Test
    void aRecordLargerThanTheInitialBufferGrowsIt() {
        final byte[] big = new byte[300_000];
        big[299_999] = 42;
        final ByteBuffer batch = new RecordBatchBuilder().append(1L, null, new byte[3]).append(2L, big, big).build();
        final List<TestRecord> read = KafkaInterop.readWithKafka(batch);
        assertEquals(2, read.size());
        assertArrayEquals(big, read.get(1).value());
        assertArrayEquals(new byte[3], read.get(0).value());
    }
}
