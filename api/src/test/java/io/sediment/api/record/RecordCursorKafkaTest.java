package io.sediment.api.record;

import io.sediment.api.record.KafkaInterop.BatchSettings;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

import static io.sediment.api.record.RecordGenerators.records;
import static org.junit.jupiter.api.Assertions.*;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

/** Batches written by Apache Kafka's own builder, read with our flyweight and cursor: both must see the same. */
class RecordCursorKafkaTest {
    private static final Gen<org.apache.kafka.common.record.TimestampType> TIMESTAMP_TYPES = Generate.pick(List.of(
            org.apache.kafka.common.record.TimestampType.CREATE_TIME,
            org.apache.kafka.common.record.TimestampType.LOG_APPEND_TIME));
    private static final Gen<Long> APPEND_TIMES = longs().between(0, 2_000_000_000_000L);

    @Test
    void uncompressedKafkaBatchesReadTheSameWithOurCursor() {
        final RecordBatch ours = new RecordBatch();
        final RecordCursor cursor = new RecordCursor();
        final CRC32C crc = new CRC32C();
        qt().withExamples(300)
                .forAll(records(30), RecordBatchBuilderTest.settings(), TIMESTAMP_TYPES, APPEND_TIMES)
                .checkAssert((records, settings, timestampType, appendTime) -> {
                    final ByteBuffer buf = KafkaInterop.kafkaBatch(records, Compression.NONE, timestampType,
                            appendTime, settings);
                    final MutableRecordBatch kafka = MemoryRecords.readableRecords(buf.duplicate()).batches()
                            .iterator().next();
                    ours.wrap(buf, 0);
                    ours.validate(buf.limit(), crc, "kafka batch");
                    ours.validateForAppend("kafka batch");
                    assertHeaderFieldsMatch(kafka, ours);

                    cursor.reset(ours, "kafka batch");
                    assertEquals(records.size(), cursor.recordCount());
                    for (Record r : kafka) {
                        assertTrue(cursor.next(), "cursor ends early");
                        assertEquals(r.offset(), cursor.offset());
                        assertEquals(r.timestamp(), cursor.timestamp());
                        assertEquals(r.sequence(), cursor.sequence());
                        assertEquals(r.keySize(), cursor.keyLength());
                        assertEquals(r.valueSize(), cursor.valueLength());
                        assertEquals(r.sizeInBytes(), cursor.sizeInBytes());
                        assertEquals(KafkaInterop.fromKafka(r), new TestRecord(cursor.timestamp(), cursor.keyBytes(),
                                cursor.valueBytes(), List.of(cursor.headers())));
                        if (r.hasValue()) {
                            assertEquals(r.value(), cursor.valueBuffer());
                            assertArrayEquals(Utils.toArray(r.value()),
                                    Utils.toArray(buf, cursor.valuePosition(), cursor.valueLength()));
                        }
                        assertHeadersIterateAsKafkas(r, cursor);
                    }
                    assertFalse(cursor.next());
                    assertFalse(cursor.next(), "next() stays false at the end");
                });
    }

    @Test
    void severalKafkaBatchesLaidEndToEndAreWalkedByHeaderAlone() {
        final Gen<Integer> batchCounts = integers().between(1, 6);
        qt().withExamples(100).forAll(batchCounts, records(10), RecordBatchBuilderTest.settings())
                .checkAssert((batchCount, records, settings) -> {
                    final List<ByteBuffer> parts = new ArrayList<>();
                    long base = settings.baseOffset();
                    int total = 0;
                    for (int i = 0; i < batchCount; i++) {
                        final BatchSettings s = new BatchSettings(settings.producerId(), settings.producerEpoch(),
                                settings.baseSequence(), settings.transactional(), settings.partitionLeaderEpoch(),
                                base);
                        final ByteBuffer part = KafkaInterop.kafkaBatch(records, Compression.NONE,
                                org.apache.kafka.common.record.TimestampType.CREATE_TIME, -1L, s);
                        parts.add(part);
                        total += part.remaining();
                        base += records.size();
                    }
                    final ByteBuffer all = ByteBuffer.allocate(total);
                    parts.forEach(all::put);
                    all.flip();

                    final RecordBatch batch = new RecordBatch();
                    final CRC32C crc = new CRC32C();
                    int position = 0;
                    long expectedBase = settings.baseOffset();
                    for (MutableRecordBatch kafka : MemoryRecords.readableRecords(all.duplicate()).batches()) {
                        batch.wrap(all, position).validate(all.limit(), crc, "concatenated");
                        assertEquals(expectedBase, batch.baseOffset());
                        assertEquals(kafka.nextOffset(), batch.nextOffset());
                        assertEquals(records, RecordGenerators.readAll(all, position));
                        position += batch.sizeInBytes();
                        expectedBase += records.size();
                    }
                    assertEquals(all.limit(), position);
                });
    }

    @Test
    void compressedKafkaBatchesHaveTheSameHeaderFieldsAndRefuseIteration() {
        final Gen<Compression> codecs = Generate.pick(List.of(Compression.gzip().build(), Compression.snappy().build(),
                Compression.lz4().build(), Compression.zstd().build()));
        final RecordBatch ours = new RecordBatch();
        final CRC32C crc = new CRC32C();
        qt().withExamples(80)
                .forAll(records(20), codecs, TIMESTAMP_TYPES, RecordBatchBuilderTest.settings())
                .checkAssert((records, codec, timestampType, settings) -> {
                    final ByteBuffer buf = KafkaInterop.kafkaBatch(records, codec, timestampType,
                            1_700_000_000_000L, settings);
                    final MutableRecordBatch kafka = MemoryRecords.readableRecords(buf.duplicate()).batches()
                            .iterator().next();
                    ours.wrap(buf, 0).validate(buf.limit(), crc, "compressed");
                    ours.validateForAppend("compressed");
                    assertHeaderFieldsMatch(kafka, ours);
                    assertTrue(ours.isCompressed());
                    final UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                            () -> new RecordCursor().reset(ours, "compressed"));
                    assertTrue(e.getMessage().contains(codec.type().name), e.getMessage());
                    assertEquals(codec.type().name, RecordBatchLayout.compressionCodecName(ours.compressionCodec()));
                });
    }

    private static void assertHeaderFieldsMatch(final MutableRecordBatch kafka, final RecordBatch ours) {
        assertEquals(kafka.baseOffset(), ours.baseOffset());
        assertEquals(kafka.lastOffset(), ours.lastOffset());
        assertEquals(kafka.nextOffset(), ours.nextOffset());
        assertEquals(kafka.sizeInBytes(), ours.sizeInBytes());
        assertEquals(kafka.partitionLeaderEpoch(), ours.partitionLeaderEpoch());
        assertEquals(kafka.magic(), ours.magic());
        assertEquals(kafka.checksum(), ours.checksum());
        assertEquals(kafka.compressionType().id, ours.compressionCodec());
        assertEquals(kafka.timestampType().name(), ours.timestampType().name());
        assertEquals(kafka.isTransactional(), ours.isTransactional());
        assertEquals(kafka.isControlBatch(), ours.isControlBatch());
        assertEquals(kafka.maxTimestamp(), ours.maxTimestamp());
        assertEquals(kafka.producerId(), ours.producerId());
        assertEquals(kafka.producerEpoch(), ours.producerEpoch());
        assertEquals(kafka.baseSequence(), ours.baseSequence());
        assertEquals(kafka.lastSequence(), ours.lastSequence());
        assertEquals(kafka.countOrNull(), ours.recordCount());
    }

    private static void assertHeadersIterateAsKafkas(final Record r, final RecordCursor cursor) {
        assertEquals(r.headers().length, cursor.headerCount());
        for (org.apache.kafka.common.header.Header h : r.headers()) {
            assertTrue(cursor.nextHeader());
            assertEquals(h.key(), cursor.headerKey());
            assertArrayEquals(h.value(), cursor.headerValueBytes());
            assertEquals(h.value() == null ? -1 : h.value().length, cursor.headerValueLength());
        }
        assertFalse(cursor.nextHeader());
    }
}
