package io.sediment.api.record;

import io.sediment.api.CorruptRecordException;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;

import static io.sediment.api.record.RecordBatchLayout.*;
import static io.sediment.api.record.RecordGenerators.build;
import static io.sediment.api.record.RecordGenerators.records;
import static org.junit.jupiter.api.Assertions.*;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

class RecordCursorTest {
    private static final String SOURCE = "test-0/00000000000000000000.log";
    /** Batches in these tests start here, so that "position" in an error is not trivially 0. */
    private static final int AT = 13;

    // ---- reading -------------------------------------------------------------------------------------------

    @Test
    void readsNullEmptyAndNonEmptyKeysValuesAndHeaders() {
        final ByteBuffer batch = new RecordBatchBuilder()
                .append(100L, null, null)
                .append(101L, new byte[0], new byte[0], new Header("", new byte[0]), new Header("k", null))
                .append(99L, "key".getBytes(), "value".getBytes(), new Header("h\u00e9", new byte[]{7}))
                .build();
        final ByteBuffer buf = placeAt(AT, batch);
        final RecordCursor cursor = new RecordCursor().reset(new RecordBatch().wrap(buf, AT), SOURCE);

        assertTrue(cursor.next());
        assertEquals(0, cursor.offset());
        assertEquals(100L, cursor.timestamp());
        assertFalse(cursor.hasKey());
        assertEquals(-1, cursor.keyLength());
        assertNull(cursor.keyBytes());
        assertNull(cursor.valueBuffer());
        assertFalse(cursor.hasValue());
        assertEquals(0, cursor.headerCount());
        assertFalse(cursor.nextHeader());
        assertEquals(AT + RECORDS_OFFSET, cursor.position());

        assertTrue(cursor.next());
        assertEquals(1, cursor.offset());
        assertEquals(1, cursor.offsetDelta());
        assertEquals(1L, cursor.timestampDelta());
        assertEquals(0, cursor.keyLength());
        assertArrayEquals(new byte[0], cursor.keyBytes());
        assertArrayEquals(new byte[0], cursor.valueBytes());
        assertArrayEquals(new Header[]{new Header("", new byte[0]), new Header("k", null)}, cursor.headers());
        assertTrue(cursor.nextHeader());
        assertEquals("", cursor.headerKey());
        assertEquals(0, cursor.headerValueLength());
        assertTrue(cursor.nextHeader());
        assertEquals("k", cursor.headerKey());
        assertEquals(-1, cursor.headerValueLength());
        assertNull(cursor.headerValueBytes());
        assertFalse(cursor.nextHeader());

        assertTrue(cursor.next());
        assertEquals(2, cursor.offset());
        assertEquals(99L, cursor.timestamp(), "timestamps may go backwards within a batch");
        assertEquals("key", new String(buf.array(), cursor.keyPosition(), cursor.keyLength(), StandardCharsets.UTF_8));
        assertEquals("value", new String(buf.array(), cursor.valuePosition(), cursor.valueLength(), StandardCharsets.UTF_8));
        assertEquals(cursor.keyPosition() + 3 + 1, cursor.valuePosition(), "value follows key and its one-byte length");
        assertTrue(cursor.nextHeader());
        assertEquals("h\u00e9", cursor.headerKey());
        assertEquals(3, cursor.headerKeyLength(), "header key length is in UTF-8 bytes");
        assertEquals(7, buf.get(cursor.headerValuePosition()));
        assertEquals(AT + batch.limit(), cursor.position() + cursor.sizeInBytes());
        assertFalse(cursor.next());
        assertEquals(0, buf.position(), "the buffer's position is never moved");
    }

    @Test
    void headersCopyDoesNotDisturbHeaderIterationAndNextRestartsIt() {
        final ByteBuffer batch = new RecordBatchBuilder()
                .append(1L, null, null, new Header("a", null), new Header("b", new byte[]{1}))
                .append(2L, null, null, new Header("c", null))
                .build();
        final RecordCursor cursor = new RecordCursor().reset(new RecordBatch().wrap(batch, 0));
        assertTrue(cursor.next());
        assertTrue(cursor.nextHeader());
        assertEquals(2, cursor.headers().length);
        assertTrue(cursor.nextHeader());
        assertEquals("b", cursor.headerKey());
        assertTrue(cursor.next());
        assertTrue(cursor.nextHeader());
        assertEquals("c", cursor.headerKey());
        assertFalse(cursor.nextHeader());
    }

    @Test
    void readsDirectAndReadOnlyBuffers() {
        final ByteBuffer heap = new RecordBatchBuilder().append(5L, "k".getBytes(), "v".getBytes(),
                new Header("\u65e5\u672c", "x".getBytes())).build();
        final ByteBuffer direct = ByteBuffer.allocateDirect(heap.limit()).put(heap.duplicate()).flip();
        for (ByteBuffer b : List.of(direct, heap.asReadOnlyBuffer())) {
            final List<TestRecord> read = RecordGenerators.readAll(b, 0);
            assertEquals(List.of(new TestRecord(5L, "k".getBytes(), "v".getBytes(),
                    List.of(new Header("\u65e5\u672c", "x".getBytes())))), read);
        }
    }

    @Test
    void oneCursorIsReusedAcrossBatchesOfAnySize() {
        final RecordBatchBuilder builder = new RecordBatchBuilder();
        final RecordCursor cursor = new RecordCursor();
        final RecordBatch batch = new RecordBatch();
        qt().withExamples(200).forAll(records(50)).checkAssert(records -> {
            final ByteBuffer buf = build(builder, records);
            cursor.reset(batch.wrap(buf, 0), SOURCE);
            int i = 0;
            while (cursor.next()) {
                final TestRecord expected = records.get(i);
                assertEquals(i, cursor.recordIndex());
                assertEquals(i, cursor.offset());
                assertEquals(expected.timestamp(), cursor.timestamp());
                assertArrayEquals(expected.key(), cursor.keyBytes());
                assertArrayEquals(expected.value(), cursor.valueBytes());
                assertEquals(expected.headers(), List.of(cursor.headers()));
                i++;
            }
            assertEquals(records.size(), i);
        });
    }

    @Test
    void logAppendTimeGivesEveryRecordTheBatchMaxTimestamp() {
        final ByteBuffer buf = new RecordBatchBuilder().append(10L, null, null).append(30L, null, null)
                .append(20L, null, null).build();
        final RecordBatch batch = new RecordBatch().wrap(buf, 0);
        batch.setLogAppendTime(5_000L, new java.util.zip.CRC32C());
        final RecordCursor cursor = new RecordCursor().reset(batch);
        int n = 0;
        while (cursor.next()) {
            assertEquals(5_000L, cursor.timestamp());
            n++;
        }
        assertEquals(3, n);
    }

    @Test
    void sequencesFollowOffsetDeltasAndWrapAsKafkas() {
        final ByteBuffer buf = new RecordBatchBuilder().producer(9L, (short) 1, Integer.MAX_VALUE - 1)
                .append(1L, null, null).append(1L, null, null).append(1L, null, null).build();
        final RecordCursor cursor = new RecordCursor().reset(new RecordBatch().wrap(buf, 0));
        final int[] expected = {Integer.MAX_VALUE - 1, Integer.MAX_VALUE, 0};
        for (int e : expected) {
            assertTrue(cursor.next());
            assertEquals(e, cursor.sequence());
        }
        final RecordCursor noProducer = new RecordCursor()
                .reset(new RecordBatch().wrap(new RecordBatchBuilder().append(1L, null, null).build(), 0));
        assertTrue(noProducer.next());
        assertEquals(-1, noProducer.sequence());
    }

    @Test
    void compressedBatchesCannotBeIterated() {
        final ByteBuffer buf = new RecordBatchBuilder().append(1L, null, null).build();
        buf.putShort(ATTRIBUTES_OFFSET, (short) 4); // zstd
        final UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> new RecordCursor().reset(new RecordBatch().wrap(buf, 0), SOURCE));
        assertTrue(e.getMessage().contains("zstd") && e.getMessage().contains(SOURCE), e.getMessage());
    }

    @Test
    void walkingRecordsAllocatesNothingPerRecord() {
        final java.lang.management.ThreadMXBean bean = java.lang.management.ManagementFactory.getThreadMXBean();
        org.junit.jupiter.api.Assumptions.assumeTrue(bean instanceof com.sun.management.ThreadMXBean m
                && m.isThreadAllocatedMemorySupported() && m.isThreadAllocatedMemoryEnabled());
        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
        final RecordBatchBuilder builder = new RecordBatchBuilder();
        for (int i = 0; i < 1000; i++) {
            builder.append(i, new byte[]{(byte) i}, new byte[i % 50], new Header("h", new byte[]{1}));
        }
        final ByteBuffer heap = builder.build();
        final ByteBuffer direct = ByteBuffer.allocateDirect(heap.limit()).put(heap.duplicate()).flip();
        final RecordCursor cursor = new RecordCursor();
        final long[] sink = new long[1];
        final Runnable walk = () -> {
            for (ByteBuffer b : new ByteBuffer[]{heap, direct}) {
                cursor.reset(b, 0, SOURCE);
                while (cursor.next()) {
                    sink[0] += cursor.offset() + cursor.timestamp() + cursor.keyPosition() + cursor.valueLength();
                    while (cursor.nextHeader()) {
                        sink[0] += cursor.headerKeyLength() + cursor.headerValuePosition();
                    }
                }
            }
        };
        walk.run();
        final long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 100; i++) {
            walk.run();
        }
        final long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        // 200,000 records walked: even one 16-byte object per record would be 3.2 MB
        assertTrue(allocated < 64 * 1024, "allocated " + allocated + " bytes walking 200,000 records");
        assertNotEquals(0, sink[0]);
    }

    // ---- malformed bytes ----------------------------------------------------------------------------------

    @Test
    void aRecordLengthVarintThatNeverEndsIsCorrupt() {
        assertCorrupt(handmade(1, out -> out.writeBytes(new byte[]{(byte) 0xFF, (byte) 0xFF, (byte) 0xFF,
                (byte) 0xFF, (byte) 0xFF, 0x01})), "has not ended after 5 bytes");
    }

    @Test
    void aTimestampDeltaVarlongThatNeverEndsIsCorrupt() {
        final ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(0); // attributes
        for (int i = 0; i < 10; i++) {
            body.write(0x80);
        }
        body.write(0);
        assertCorrupt(handmade(1, out -> record(out, (Object) body.toByteArray())), "timestampDelta varint has not ended after 10");
    }

    @Test
    void aKeyLengthRunningPastTheRecordIsCorrupt() {
        assertCorrupt(handmade(1, out -> record(out, 0, 0, 0, varint(1000), 97, 98, varint(-1), 0)),
                "key length 1000 does not fit");
    }

    @Test
    void aRecordLengthRunningPastTheBatchIsCorrupt() {
        assertCorrupt(handmade(1, out -> {
            out.writeBytes(varint(50));
            out.writeBytes(new byte[]{0, 0, 0, 1, 1, 0});
        }),
                "record length 50 does not fit");
    }

    @Test
    void aRecordWhoseFieldsTakeLessThanItsLengthIsCorrupt() {
        assertCorrupt(handmade(1, out -> record(out, 0, 0, 0, 1, 1, 0, 99, 99)), "its fields take");
    }

    @Test
    void keyAndValueLengthsBelowMinusOneAreCorrupt() {
        assertCorrupt(handmade(1, out -> record(out, 0, 0, 0, varint(-2), 1, 0)), "key length -2");
        assertCorrupt(handmade(1, out -> record(out, 0, 0, 0, 1, varint(-7), 0)), "value length -7");
    }

    @Test
    void aHeaderCountLargerThanTheRecordIsCorrupt() {
        assertCorrupt(handmade(1, out -> record(out, 0, 0, 0, 1, 1, varint(100_000), 0, 0)), "header count 100000");
        assertCorrupt(handmade(1, out -> record(out, 0, 0, 0, 1, 1, varint(-1))), "header count -1");
    }

    @Test
    void aNullHeaderKeyIsCorrupt() {
        assertCorrupt(handmade(1, out -> record(out, 0, 0, 0, 1, 1, varint(1), varint(-1), varint(-1))),
                "header key length -1");
    }

    @Test
    void moreRecordsDeclaredThanPresentIsCorrupt() {
        final ByteBuffer buf = placeAt(AT, new RecordBatchBuilder().append(1L, null, null).append(2L, null, null).build());
        buf.putInt(AT + RECORD_COUNT_OFFSET, 3);
        final RecordCursor cursor = new RecordCursor().reset(new RecordBatch().wrap(buf, AT), SOURCE);
        assertTrue(cursor.next());
        assertTrue(cursor.next());
        final CorruptRecordException e = assertThrows(CorruptRecordException.class, cursor::next);
        assertError(e, "recordCount is 3 but the batch's bytes end after 2 records");
    }

    @Test
    void fewerRecordsDeclaredThanPresentIsCorrupt() {
        final ByteBuffer buf = placeAt(AT, new RecordBatchBuilder().append(1L, null, null).append(2L, null, null).build());
        buf.putInt(AT + RECORD_COUNT_OFFSET, 1);
        final RecordCursor cursor = new RecordCursor().reset(new RecordBatch().wrap(buf, AT), SOURCE);
        assertTrue(cursor.next());
        assertError(assertThrows(CorruptRecordException.class, cursor::next), "bytes remain after the last record");
    }

    @Test
    void aNegativeRecordCountIsCorrupt() {
        final ByteBuffer buf = placeAt(AT, new RecordBatchBuilder().append(1L, null, null).build());
        buf.putInt(AT + RECORD_COUNT_OFFSET, -1);
        assertError(assertThrows(CorruptRecordException.class,
                () -> new RecordCursor().reset(new RecordBatch().wrap(buf, AT), SOURCE)), "recordCount -1");
    }

    @Test
    void aBatchThatDoesNotFitItsBufferIsCorrupt() {
        final ByteBuffer batch = new RecordBatchBuilder().append(1L, null, new byte[20]).build();
        final ByteBuffer torn = placeAt(AT, batch).limit(AT + batch.limit() - 1);
        assertError(assertThrows(CorruptRecordException.class,
                () -> new RecordCursor().reset(new RecordBatch().wrap(torn, AT), SOURCE)), "batchLength");
        final ByteBuffer headerOnly = placeAt(AT, batch).limit(AT + HEADER_SIZE - 1);
        assertError(assertThrows(CorruptRecordException.class,
                () -> new RecordCursor().reset(new RecordBatch().wrap(headerOnly, AT), SOURCE)), "batch header needs");
        final ByteBuffer badMagic = placeAt(AT, batch);
        badMagic.put(AT + MAGIC_OFFSET, (byte) 1);
        assertError(assertThrows(CorruptRecordException.class,
                () -> new RecordCursor().reset(new RecordBatch().wrap(badMagic, AT), SOURCE)), "magic 1");
    }

    @Test
    void aFailedResetLeavesAnEmptyCursorBehind() {
        final RecordCursor cursor = new RecordCursor()
                .reset(new RecordBatch().wrap(new RecordBatchBuilder().append(1L, null, null).build(), 0));
        final ByteBuffer bad = new RecordBatchBuilder().append(1L, null, null).build();
        bad.putInt(RECORD_COUNT_OFFSET, -5);
        assertThrows(CorruptRecordException.class, () -> cursor.reset(new RecordBatch().wrap(bad, 0)));
        assertFalse(cursor.next());
    }

    /**
     * Whatever bytes a batch's record area holds, walking it either succeeds or throws CorruptRecordException:
     * never an index, underflow or negative-size exception, and never a loop past the batch.
     */
    @Test
    void garbledRecordBytesOnlyEverRaiseCorruptRecordException() {
        final RecordBatchBuilder builder = new RecordBatchBuilder();
        final Gen<Integer> mutationCounts = integers().between(1, 6);
        final Gen<Integer> anyInt = integers().all();
        final Gen<Integer> smallInt = integers().between(-3, 300);
        qt().withExamples(2_000).forAll(records(8), mutationCounts, anyInt, smallInt).checkAssert(
                (records, mutations, seed, countChange) -> {
                    final ByteBuffer buf = build(builder, records);
                    final java.util.Random random = new java.util.Random(seed);
                    final int recordsLength = buf.limit() - RECORDS_OFFSET;
                    for (int m = 0; m < mutations; m++) {
                        buf.put(RECORDS_OFFSET + random.nextInt(recordsLength), (byte) random.nextInt(256));
                    }
                    if (random.nextInt(4) == 0) {
                        buf.putInt(RECORD_COUNT_OFFSET, countChange);
                    }
                    if (random.nextInt(4) == 0) {
                        // cut the batch short (or claim it is), with the buffer ending at the new end
                        final int newLength = HEADER_SIZE - LOG_OVERHEAD + random.nextInt(recordsLength + 1);
                        buf.putInt(BATCH_LENGTH_OFFSET, newLength);
                        buf.limit(LOG_OVERHEAD + newLength);
                    }
                    walkExpectingOnlyCorruption(buf);
                });
    }

    @Test
    void randomBytesAfterAValidHeaderOnlyEverRaiseCorruptRecordException() {
        final Gen<byte[]> garbage = RecordGenerators.bytesOrNull(0, 200);
        final Gen<Integer> counts = Generate.oneOf(integers().between(0, 5), integers().all());
        qt().withExamples(2_000).forAll(garbage, counts).checkAssert((bytes, count) -> {
            final ByteBuffer buf = ByteBuffer.allocate(HEADER_SIZE + bytes.length);
            buf.putInt(BATCH_LENGTH_OFFSET, HEADER_SIZE - LOG_OVERHEAD + bytes.length);
            buf.put(MAGIC_OFFSET, MAGIC_V2);
            buf.putInt(RECORD_COUNT_OFFSET, count);
            buf.put(HEADER_SIZE, bytes);
            walkExpectingOnlyCorruption(buf);
        });
    }

    private static void walkExpectingOnlyCorruption(final ByteBuffer buf) {
        final RecordCursor cursor = new RecordCursor();
        try {
            cursor.reset(new RecordBatch().wrap(buf, 0), SOURCE);
            int walked = 0;
            while (cursor.next()) {
                walked++;
                assertTrue(cursor.position() >= RECORDS_OFFSET && cursor.position() + cursor.sizeInBytes() <= buf.limit());
                cursor.keyBytes();
                cursor.valueBytes();
                cursor.headers();
                while (cursor.nextHeader()) {
                    cursor.headerKey();
                    cursor.headerValueBytes();
                }
            }
            assertEquals(cursor.recordCount(), walked);
        } catch (CorruptRecordException e) {
            assertEquals(SOURCE, e.source());
            assertEquals(0, e.position());
        }
    }

    // ---- helpers ------------------------------------------------------------------------------------------

    private static void assertCorrupt(final ByteBuffer buf, final String expected) {
        final RecordCursor cursor = new RecordCursor().reset(new RecordBatch().wrap(buf, AT), SOURCE);
        final CorruptRecordException e = assertThrows(CorruptRecordException.class, () -> {
            while (cursor.next()) {
                // walk until the bad bytes
            }
        });
        assertError(e, expected);
    }

    private static void assertError(final CorruptRecordException e, final String expected) {
        assertEquals(SOURCE, e.source());
        assertEquals(AT, e.position());
        assertTrue(e.getMessage().contains(expected), () -> "expected '" + expected + "' in: " + e.getMessage());
    }

    /** A batch at {@link #AT} with a correct header around hand-written record bytes. */
    private static ByteBuffer handmade(final int recordCount, final Consumer<ByteArrayOutputStream> recordBytes) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        recordBytes.accept(out);
        final byte[] records = out.toByteArray();
        final ByteBuffer batch = ByteBuffer.allocate(HEADER_SIZE + records.length);
        batch.putInt(BATCH_LENGTH_OFFSET, HEADER_SIZE - LOG_OVERHEAD + records.length);
        batch.putInt(PARTITION_LEADER_EPOCH_OFFSET, -1);
        batch.put(MAGIC_OFFSET, MAGIC_V2);
        batch.putInt(LAST_OFFSET_DELTA_OFFSET, recordCount - 1);
        batch.putLong(PRODUCER_ID_OFFSET, -1);
        batch.putShort(PRODUCER_EPOCH_OFFSET, (short) -1);
        batch.putInt(BASE_SEQUENCE_OFFSET, -1);
        batch.putInt(RECORD_COUNT_OFFSET, recordCount);
        batch.put(HEADER_SIZE, records);
        return placeAt(AT, batch);
    }

    /**
     * Writes a record: its length varint, then the body, whose parts are single bytes ({@code Integer}) or byte
     * runs ({@code byte[]}, e.g. from {@link #varint}).
     */
    private static void record(final ByteArrayOutputStream out, final Object... parts) {
        final ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (Object part : parts) {
            if (part instanceof byte[] b) {
                body.writeBytes(b);
            } else {
                body.write((Integer) part);
            }
        }
        out.writeBytes(varint(body.size()));
        out.writeBytes(body.toByteArray());
    }

    private static byte[] varint(final int value) {
        final ByteBuffer b = ByteBuffer.allocate(Varint.sizeOfVarint(value));
        Varint.putVarint(b, 0, value);
        return b.array();
    }

    /** A heap buffer holding {@code batch} at {@code at}, with junk before it and nothing after. */
    private static ByteBuffer placeAt(final int at, final ByteBuffer batch) {
        final ByteBuffer buf = ByteBuffer.allocate(at + batch.remaining());
        for (int i = 0; i < at; i++) {
            buf.put(i, (byte) 0x5A);
        }
        buf.put(at, batch, batch.position(), batch.remaining());
        return buf;
    }
}
