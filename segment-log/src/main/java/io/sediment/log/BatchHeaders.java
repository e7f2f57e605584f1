package io.sediment.log;

import io.sediment.api.CorruptRecordException;
import io.sediment.api.record.RecordBatchLayout;

import java.nio.ByteBuffer;

import static io.sediment.api.record.RecordBatchLayout.BASE_OFFSET_OFFSET;
import static io.sediment.api.record.RecordBatchLayout.BATCH_LENGTH_OFFSET;
import static io.sediment.api.record.RecordBatchLayout.HEADER_SIZE;
import static io.sediment.api.record.RecordBatchLayout.LAST_OFFSET_DELTA_OFFSET;
import static io.sediment.api.record.RecordBatchLayout.LOG_OVERHEAD;
import static io.sediment.api.record.RecordBatchLayout.MAGIC_OFFSET;
import static io.sediment.api.record.RecordBatchLayout.MAX_TIMESTAMP_OFFSET;

/**
 * The checks every header walk over stored batches makes before it trusts a header: the read path, the timestamp
 * searches and the clean-shutdown walk at open. None of them computes the CRC (a fetch hands the bytes to a
 * consumer, which checks it), so these checks are what stands between damaged files and wrong answers:
 *
 * <ul>
 *   <li>the header and the whole batch lie inside the published bytes, and the length is at least an empty
 *       batch's (a walk never leaves the segment, never loops, never builds a slice that runs past the data);</li>
 *   <li>magic is 2 and {@code lastOffsetDelta} is not negative;</li>
 *   <li>{@code baseOffset}, which the CRC does not cover, is the offset after the previous batch's last one, and a
 *       walk that starts at an offset-index entry starts at the batch whose last offset the entry names (offsets
 *       stay dense even when a bit of {@code baseOffset} or of an index position flipped).</li>
 * </ul>
 *
 * Each method costs a 61-byte copy and a few compares; none allocates unless it throws. Stateless: the caller owns
 * the header buffer, so any thread may call these for a segment it has pinned.
 */
final class BatchHeaders {
    /** The smallest {@code batchLength} of a v2 batch: a header without records. */
    static final int MIN_BATCH_LENGTH = HEADER_SIZE - LOG_OVERHEAD;

    // What check() found wrong, as negative results so that the read path can stop without an exception.
    private static final int TORN_HEADER = -1;
    private static final int BAD_LENGTH = -2;
    private static final int BAD_MAGIC = -3;
    private static final int BAD_LAST_OFFSET_DELTA = -4;
    private static final int NOT_DENSE = -5;

    private static final ThreadLocal<ByteBuffer> THREAD_HEADER = ThreadLocal.withInitial(BatchHeaders::newHeader);

    private BatchHeaders() {
    }

    /**
     * Copies the header of the batch at {@code position} into {@code header} and checks it.
     *
     * @param end the segment's published size: the batch must end at or before it
     * @param expectedBase the base offset the batch must have, or -1 for any inside the segment
     * @return the batch's size in bytes, or a negative code when a check fails ({@link #read} says which)
     */
    static int check(final Segment s, final int position, final int end, final long expectedBase,
                     final ByteBuffer header) {
        final int remaining = end - position;
        if (remaining < HEADER_SIZE) {
            return TORN_HEADER;
        }
        header.clear();
        s.data.read(position, header);
        final int length = header.getInt(BATCH_LENGTH_OFFSET);
        if (length < MIN_BATCH_LENGTH || length > remaining - LOG_OVERHEAD) {
            return BAD_LENGTH;
        }
        if (header.get(MAGIC_OFFSET) != RecordBatchLayout.MAGIC_V2) {
            return BAD_MAGIC;
        }
        final int delta = header.getInt(LAST_OFFSET_DELTA_OFFSET);
        if (delta < 0) {
            return BAD_LAST_OFFSET_DELTA;
        }
        final long base = header.getLong(BASE_OFFSET_OFFSET);
        if (expectedBase >= 0 ? base != expectedBase
                : base < s.baseOffset || base - s.baseOffset > Integer.MAX_VALUE - delta) {
            return NOT_DENSE;
        }
        return LOG_OVERHEAD + length;
    }

    /**
     * {@link #check} that throws.
     *
     * @throws CorruptRecordException naming the segment's data file, the position, and the offset expected there
     */
    static int read(final Segment s, final int position, final int end, final long expectedBase,
                    final ByteBuffer header) {
        final int size = check(s, position, end, expectedBase, header);
        if (size < 0) {
            throw failure(s, position, end, expectedBase, size, header);
        }
        return size;
    }

    /** The exception for a failed {@link #check}, from the header's fields. */
    private static CorruptRecordException failure(final Segment s, final int position, final int end,
                                                  final long expectedBase, final int code, final ByteBuffer header) {
        final boolean whole = code != TORN_HEADER;
        return failure(s, position, end, expectedBase, code, whole ? header.getInt(BATCH_LENGTH_OFFSET) : 0,
                whole ? header.get(MAGIC_OFFSET) : 0, whole ? header.getInt(LAST_OFFSET_DELTA_OFFSET) : 0,
                whole ? header.getLong(BASE_OFFSET_OFFSET) : 0);
    }

    // The cold paths live in methods of their own, so that check() and seek() stay small enough for the JIT to
    // inline into the read path.
    private static CorruptRecordException failure(final Segment s, final int position, final int end,
                                                  final long expectedBase, final int code, final int length,
                                                  final byte magic, final int lastOffsetDelta, final long base) {
        final String expected = expectedBase >= 0 ? " (offset " + expectedBase + " expected there)" : "";
        final String reason = switch (code) {
            case TORN_HEADER -> end - position <= 0 ? "no batch: the segment's data ends at " + end
                    : "only " + (end - position) + " bytes before the segment's end " + end + ", less than a batch header";
            case BAD_LENGTH -> "batch length " + length + " is below " + MIN_BATCH_LENGTH
                    + " or runs past the segment's end " + end;
            case BAD_MAGIC -> "magic " + magic + " is not " + RecordBatchLayout.MAGIC_V2;
            case BAD_LAST_OFFSET_DELTA -> "lastOffsetDelta " + lastOffsetDelta + " is negative";
            default -> "base offset " + base + (expectedBase >= 0 ? " does not follow the previous batch"
                    : " with lastOffsetDelta " + lastOffsetDelta + " is outside the segment based at " + s.baseOffset);
        };
        return new CorruptRecordException(s.dataFile, position, reason + expected);
    }

    private static CorruptRecordException notTheIndexedBatch(final Segment s, final int slot, final int position,
                                                             final long base, final long last) {
        return new CorruptRecordException(s.dataFile, position, "batch [" + base + ", " + last + "] where "
                + s.offsetIndex.file() + " entry " + slot + " names the batch ending at offset "
                + s.offsetIndex.offsetAt(slot));
    }

    /**
     * Walks to the batch that holds {@code offset}: from the offset-index entry at or below it (whose batch must
     * end at the offset the entry names), else from the segment's first batch (which must start at the segment's
     * base offset), then batch by batch with dense offsets. {@code header} ends up holding that batch's header.
     *
     * @param end the segment's published size
     * @return the batch's position
     * @throws CorruptRecordException when a header fails {@link #check}, the index entry names another batch, or
     *         the data ends before {@code offset}
     */
    static int seek(final Segment s, final long offset, final int end, final ByteBuffer header) {
        final int slot = s.offsetIndex.floorSlot(offset);
        int position = slot < 0 ? 0 : s.offsetIndex.positionAt(slot);
        long expected = slot < 0 ? s.baseOffset : -1;
        while (true) {
            final int size = check(s, position, end, expected, header);
            if (size < 0) {
                throw failure(s, position, end, expected, size, header);
            }
            final long last = lastOffset(header);
            if (expected < 0 && last != s.offsetIndex.offsetAt(slot)) {
                throw notTheIndexedBatch(s, slot, position, baseOffset(header), last);
            }
            if (last >= offset) {
                return position;
            }
            expected = last + 1;
            position += size;
        }
    }

    static long baseOffset(final ByteBuffer header) {
        return header.getLong(BASE_OFFSET_OFFSET);
    }

    static long lastOffset(final ByteBuffer header) {
        return header.getLong(BASE_OFFSET_OFFSET) + header.getInt(LAST_OFFSET_DELTA_OFFSET);
    }

    static long maxTimestamp(final ByteBuffer header) {
        return header.getLong(MAX_TIMESTAMP_OFFSET);
    }

    /** The size of the batch whose header {@code header} holds (after a passing check). */
    static int size(final ByteBuffer header) {
        return LOG_OVERHEAD + header.getInt(BATCH_LENGTH_OFFSET);
    }

    static ByteBuffer newHeader() {
        return ByteBuffer.allocate(HEADER_SIZE);
    }

    /**
     * This thread's header buffer, for the read path: a read then allocates only its slice. (A buffer allocated per
     * read is free only while the JIT scalar-replaces it, which it stopped doing once the checks grew the read path;
     * measured in the README.) The read path uses it from its first header to its last and calls nothing that uses
     * it in between.
     */
    static ByteBuffer threadHeader() {
        return THREAD_HEADER.get();
    }
}
