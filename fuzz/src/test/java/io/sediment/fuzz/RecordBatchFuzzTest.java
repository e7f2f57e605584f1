package io.sediment.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.sediment.api.CorruptRecordException;
import io.sediment.api.record.RecordBatch;
import io.sediment.api.record.RecordBatchLayout;
import io.sediment.api.record.RecordCursor;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Jazzer harnesses for the batch decoder: {@link RecordBatch#validate} and {@link RecordCursor} over arbitrary bytes
 * may only throw {@link CorruptRecordException} (or {@link UnsupportedOperationException} for a compressed batch),
 * and never hand out a position outside the batch.
 *
 * <p>Under {@code mvn verify} these run the seed corpus in {@code src/test/resources/.../RecordBatchFuzzTestInputs}
 * (regression mode); {@code JAZZER_FUZZ=1 mvn verify -Dtest=RecordBatchFuzzTest} fuzzes for {@code maxDuration}.
 */
class RecordBatchFuzzTest {
    /** Walks batches laid end to end, as the engine walks a segment or a produce request. */
    @FuzzTest(maxDuration = "2m")
    void validateThenWalk(final byte[] data) {
        final ByteBuffer buf = ByteBuffer.wrap(data);
        final RecordBatch batch = new RecordBatch();
        final CRC32C crc = new CRC32C();
        final RecordCursor cursor = new RecordCursor();
        int position = 0;
        while (position < data.length) {
            try {
                batch.wrap(buf, position).validate(data.length, crc, "fuzz");
            } catch (CorruptRecordException e) {
                return;
            }
            walk(cursor, batch);
            position += batch.sizeInBytes();
        }
    }

    /** The cursor does not rely on the CRC: it must be safe over any bytes, checked or not. */
    @FuzzTest(maxDuration = "2m")
    void walkWithoutCrc(final byte[] data) {
        walk(new RecordCursor(), new RecordBatch().wrap(ByteBuffer.wrap(data), 0));
    }

    /** Arbitrary record bytes behind a header made valid (length, magic, CRC), so validation passes and decoding runs. */
    @FuzzTest(maxDuration = "2m")
    void walkWithFixedHeader(final byte[] data) {
        if (data.length < RecordBatchLayout.HEADER_SIZE) {
            return;
        }
        final ByteBuffer buf = ByteBuffer.wrap(data);
        buf.putInt(RecordBatchLayout.BATCH_LENGTH_OFFSET, data.length - RecordBatchLayout.LOG_OVERHEAD);
        buf.put(RecordBatchLayout.MAGIC_OFFSET, RecordBatchLayout.MAGIC_V2);
        final RecordBatch batch = new RecordBatch().wrap(buf, 0);
        final CRC32C crc = new CRC32C();
        buf.putInt(RecordBatchLayout.CRC_OFFSET, (int) batch.computeChecksum(crc));
        batch.validate(data.length, crc, "fuzz"); // must pass: the header is now consistent
        walk(new RecordCursor(), batch);
    }

    private static void walk(final RecordCursor cursor, final RecordBatch batch) {
        final int start = batch.offset();
        try {
            cursor.reset(batch, "fuzz");
            final long end = (long) start + batch.sizeInBytes();
            while (cursor.next()) {
                inside(cursor.keyPosition(), Math.max(0, cursor.keyLength()), start, end);
                inside(cursor.valuePosition(), Math.max(0, cursor.valueLength()), start, end);
                cursor.offset();
                cursor.timestamp();
                cursor.sequence();
                while (cursor.nextHeader()) {
                    inside(cursor.headerKeyPosition(), cursor.headerKeyLength(), start, end);
                    inside(cursor.headerValuePosition(), Math.max(0, cursor.headerValueLength()), start, end);
                    cursor.headerKey();
                    cursor.headerValueBytes();
                }
                cursor.keyBytes();
                cursor.valueBytes();
            }
        } catch (CorruptRecordException | UnsupportedOperationException e) {
            // the two outcomes a bad batch may have
        }
    }

    private static void inside(final int position, final int length, final long start, final long end) {
        assertTrue(position >= start && length >= 0 && (long) position + length <= end,
                () -> "field [" + position + ", +" + length + ") outside the batch [" + start + ", " + end + ")");
    }
}
