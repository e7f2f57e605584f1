package io.sediment.api.record;

import io.sediment.api.CorruptRecordException;
import io.sediment.api.InvalidRecordException;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.zip.CRC32C;

import static io.sediment.api.record.RecordBatchLayout.*;
import static io.sediment.api.record.RecordGenerators.build;
import static io.sediment.api.record.RecordGenerators.records;
import static org.junit.jupiter.api.Assertions.*;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

/** The flyweight's checks and in-place rewrites, judged by Apache Kafka's own {@code ensureValid}. */
class RecordBatchTest {
    private static final String SOURCE = "produce request";

    @Test
    void validateFindsEveryBitFlipOutsideTheFieldsTheCrcDoesNotCover() {
        final RecordBatchBuilder builder = new RecordBatchBuilder();
        final CRC32C crc = new CRC32C();
        final RecordBatch batch = new RecordBatch();
        final Gen<Integer> bitFractions = integers().between(0, Integer.MAX_VALUE - 1);
        qt().withExamples(3_000).forAll(records(6), RecordBatchBuilderTest.settings(), bitFractions)
                .checkAssert((records, settings, fraction) -> {
                    final ByteBuffer buf = build(settings.applyTo(builder.reset()), records);
                    final int bit = (int) ((long) fraction * (buf.limit() * 8L) / Integer.MAX_VALUE);
                    final int index = bit / 8;
                    buf.put(index, (byte) (buf.get(index) ^ (1 << (bit % 8))));
                    batch.wrap(buf, 0);
                    final boolean uncovered = index < BATCH_LENGTH_OFFSET
                            || (index >= PARTITION_LEADER_EPOCH_OFFSET && index < MAGIC_OFFSET);
                    if (uncovered) {
                        batch.validate(buf.limit(), crc, SOURCE);
                        MemoryRecords.readableRecords(buf).batches().iterator().next().ensureValid();
                    } else {
                        final CorruptRecordException e = assertThrows(CorruptRecordException.class,
                                () -> batch.validate(buf.limit(), crc, SOURCE), "bit " + bit + " of byte " + index);
                        assertEquals(SOURCE, e.source());
                        assertEquals(0, e.position());
                    }
                });
    }

    @Test
    void validateFindsEveryTruncation() {
        final RecordBatchBuilder builder = new RecordBatchBuilder();
        final CRC32C crc = new CRC32C();
        final RecordBatch batch = new RecordBatch();
        final Gen<Integer> offsets = integers().between(0, 100);
        qt().withExamples(30).forAll(records(10, 200), offsets).checkAssert((records, at) -> {
            final ByteBuffer built = build(builder, records);
            final ByteBuffer buf = ByteBuffer.allocate(at + built.limit());
            buf.put(at, built, 0, built.limit());
            batch.wrap(buf, at).validate(buf.limit(), crc, SOURCE);
            for (int length = 0; length < built.limit(); length++) {
                final int limit = at + length;
                buf.limit(limit);
                final CorruptRecordException e = assertThrows(CorruptRecordException.class,
                        () -> batch.validate(limit, crc, SOURCE), () -> "truncated to " + limit);
                assertEquals(at.longValue(), e.position());
            }
        });
    }

    @Test
    void setLogAppendTimeKeepsTheCrcValidForKafka() {
        final RecordBatchBuilder builder = new RecordBatchBuilder();
        final CRC32C crc = new CRC32C();
        final Gen<Long> times = longs().between(0, 4_000_000_000_000L);
        qt().withExamples(200).forAll(records(20), RecordBatchBuilderTest.settings(), times)
                .checkAssert((records, settings, time) -> {
                    final ByteBuffer buf = build(settings.applyTo(builder.reset()), records);
                    final RecordBatch batch = new RecordBatch().wrap(buf, 0);
                    batch.setLogAppendTime(time, crc);
                    batch.validate(buf.limit(), crc, SOURCE);
                    assertEquals(TimestampType.LOG_APPEND_TIME, batch.timestampType());
                    assertEquals(settings.transactional(), batch.isTransactional(), "other attribute bits kept");

                    final MutableRecordBatch kafka = MemoryRecords.readableRecords(buf.duplicate()).batches()
                            .iterator().next();
                    kafka.ensureValid();
                    assertEquals(org.apache.kafka.common.record.TimestampType.LOG_APPEND_TIME, kafka.timestampType());
                    assertEquals(time, kafka.maxTimestamp());
                    for (Record r : kafka) {
                        assertEquals(time, r.timestamp());
                    }
                });
    }

    @Test
    void setLogAppendTimeKeepsCompressedKafkaBatchesValid() {
        final Gen<Compression> codecs = Generate.pick(List.of(Compression.gzip().build(), Compression.lz4().build(),
                Compression.zstd().build(), Compression.snappy().build()));
        final CRC32C crc = new CRC32C();
        qt().withExamples(40).forAll(records(10), codecs).checkAssert((records, codec) -> {
            final ByteBuffer buf = KafkaInterop.kafkaBatch(records, codec,
                    org.apache.kafka.common.record.TimestampType.CREATE_TIME, -1L, KafkaInterop.BatchSettings.NONE);
            new RecordBatch().wrap(buf, 0).setLogAppendTime(1_234L, crc);
            final MutableRecordBatch kafka = MemoryRecords.readableRecords(buf).batches().iterator().next();
            kafka.ensureValid();
            assertEquals(1_234L, kafka.maxTimestamp());
            for (Record r : kafka) {
                assertEquals(1_234L, r.timestamp());
            }
        });
    }

    @Test
    void setBaseOffsetAndLeaderEpochKeepTheBatchValidAndMoveEveryOffset() {
        final RecordBatchBuilder builder = new RecordBatchBuilder();
        final CRC32C crc = new CRC32C();
        final Gen<Long> offsets = longs().between(0, Long.MAX_VALUE / 2);
        final Gen<Integer> epochs = integers().between(-1, Integer.MAX_VALUE);
        qt().withExamples(200).forAll(records(20), offsets, epochs).checkAssert((records, offset, epoch) -> {
            final ByteBuffer buf = build(builder, records);
            final RecordBatch batch = new RecordBatch().wrap(buf, 0);
            batch.setBaseOffset(offset);
            batch.setPartitionLeaderEpoch(epoch);
            batch.validate(buf.limit(), crc, SOURCE);
            assertEquals(offset + records.size(), batch.nextOffset());

            final MutableRecordBatch kafka = MemoryRecords.readableRecords(buf.duplicate()).batches().iterator().next();
            kafka.ensureValid();
            assertEquals(epoch, kafka.partitionLeaderEpoch());
            long expected = offset;
            for (Record r : kafka) {
                assertEquals(expected++, r.offset());
            }
            final RecordCursor cursor = new RecordCursor().reset(batch);
            expected = offset;
            while (cursor.next()) {
                assertEquals(expected++, cursor.offset());
            }
        });
    }

    @Test
    void validateNamesAWrongMagicAndATooShortLength() {
        final CRC32C crc = new CRC32C();
        final ByteBuffer buf = new RecordBatchBuilder().append(1L, null, null).build();
        buf.put(MAGIC_OFFSET, (byte) 1);
        assertTrue(assertThrows(CorruptRecordException.class,
                () -> new RecordBatch().wrap(buf, 0).validate(buf.limit(), crc, SOURCE)).getMessage().contains("magic 1"));
        buf.put(MAGIC_OFFSET, MAGIC_V2);
        buf.putInt(BATCH_LENGTH_OFFSET, 3);
        assertTrue(assertThrows(CorruptRecordException.class,
                () -> new RecordBatch().wrap(buf, 0).validate(buf.limit(), crc, SOURCE)).getMessage()
                .contains("batchLength 3 is below the minimum"));
    }

    @Test
    void validateForAppendRefusesInconsistentCounts() {
        final ByteBuffer buf = new RecordBatchBuilder().append(1L, null, null).append(2L, null, null).build();
        final RecordBatch batch = new RecordBatch().wrap(buf, 0);
        batch.validateForAppend(SOURCE);

        buf.putInt(LAST_OFFSET_DELTA_OFFSET, 5);
        assertTrue(assertThrows(InvalidRecordException.class, () -> batch.validateForAppend(SOURCE)).getMessage()
                .contains("does not match lastOffsetDelta 5"));
        buf.putInt(LAST_OFFSET_DELTA_OFFSET, -1);
        assertThrows(InvalidRecordException.class, () -> batch.validateForAppend(SOURCE));
        buf.putInt(LAST_OFFSET_DELTA_OFFSET, 1);
        buf.putInt(RECORD_COUNT_OFFSET, -2);
        assertThrows(InvalidRecordException.class, () -> batch.validateForAppend(SOURCE));
        buf.putInt(RECORD_COUNT_OFFSET, 0);
        assertTrue(assertThrows(InvalidRecordException.class, () -> batch.validateForAppend(SOURCE)).getMessage()
                .contains("no records"));
    }

    @Test
    void theChecksumIsTheSameOverHeapSlicesAndDirectBuffersAndStaysInsideTheBuffer() {
        final ByteBuffer built = new RecordBatchBuilder().append(1L, "k".getBytes(), "v".getBytes()).build();
        final int size = built.remaining();
        final long expected = new RecordBatch().wrap(built, 0).checksum();
        final CRC32C crc = new CRC32C();
        // A heap slice in the middle of a larger array (arrayOffset 7), and a direct buffer (no array).
        final byte[] wide = new byte[size + 20];
        final ByteBuffer slice = ByteBuffer.wrap(wide, 7, size).slice().put(built.duplicate()).flip();
        final ByteBuffer direct = ByteBuffer.allocateDirect(size).put(built.duplicate()).flip();
        for (ByteBuffer buf : List.of(built, slice, direct)) {
            assertEquals(expected, new RecordBatch().wrap(buf, 0).computeChecksum(crc), buf.toString());
        }
        // A length past the buffer is refused even where the array behind it is longer (the view's bound).
        slice.putInt(BATCH_LENGTH_OFFSET, size - LOG_OVERHEAD + 5);
        assertThrows(IllegalArgumentException.class, () -> new RecordBatch().wrap(slice, 0).computeChecksum(crc));
    }

    @Test
    void lastSequenceWrapsAsKafkas() {
        final ByteBuffer buf = new RecordBatchBuilder().producer(1L, (short) 0, Integer.MAX_VALUE)
                .append(1L, null, null).append(1L, null, null).build();
        final RecordBatch batch = new RecordBatch().wrap(buf, 0);
        assertEquals(0, batch.lastSequence());
        assertEquals(MemoryRecords.readableRecords(buf).batches().iterator().next().lastSequence(), batch.lastSequence());
    }
}
