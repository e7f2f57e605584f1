package io.sediment.log;

import io.sediment.api.TimestampedOffset;
import io.sediment.api.record.RecordBatch;
import io.sediment.api.record.RecordBatchLayout;
import io.sediment.api.record.RecordCursor;

import java.nio.ByteBuffer;

/**
 * Timestamp lookups inside one pinned segment: the first record at or after a timestamp (ListOffsets by time) and
 * the record with the largest timestamp (ListOffsets MAX_TIMESTAMP). Not on a hot path: allocates a view per
 * batch it opens.
 *
 * <p>The time index entry {@code (T, O)} promises that every record at or below offset {@code O} in the segment
 * has a timestamp &le; {@code T}, because entries hold the running maximum. So the search starts after the last
 * entry with {@code T < target}: nothing before it can qualify, which makes the answer exact rather than Kafka's
 * "at or before" approximation for equal timestamps.
 */
final class TimestampSearch {
    private TimestampSearch() {
    }

    /** First record in {@code s} with offset &ge; {@code minOffset} and timestamp &ge; {@code target}, or null. */
    static TimestampedOffset firstAtOrAfter(final Segment s, final long target, final long minOffset) {
        final int slot = s.timeIndex.floorSlot(target - 1);
        long from = Math.max(minOffset, s.baseOffset);
        if (slot >= 0) {
            from = Math.max(from, s.timeIndex.offsetAt(slot) + 1);
        }
        final int published = s.size;
        final ByteBuffer header = ByteBuffer.allocate(RecordBatchLayout.HEADER_SIZE);
        final RecordBatch batch = new RecordBatch();
        int position = s.offsetIndex.lookupPosition(from);
        while (position < published) {
            header.clear();
            s.data.read(position, header);
            final int size = RecordBatchLayout.LOG_OVERHEAD + header.getInt(RecordBatchLayout.BATCH_LENGTH_OFFSET);
            final long base = header.getLong(RecordBatchLayout.BASE_OFFSET_OFFSET);
            final long last = base + header.getInt(RecordBatchLayout.LAST_OFFSET_DELTA_OFFSET);
            final long maxTs = header.getLong(RecordBatchLayout.MAX_TIMESTAMP_OFFSET);
            if (last >= from && maxTs >= target) {
                batch.wrap(s.data.view(position, size), 0);
                if (batch.isCompressed()) {
                    // Records are not decompressed: answer with the batch, at or before the exact record.
                    return new TimestampedOffset(maxTs, Math.max(base, from));
                }
                final RecordCursor cursor = new RecordCursor().reset(batch);
                while (cursor.next()) {
                    if (cursor.offset() >= from && cursor.timestamp() >= target) {
                        return new TimestampedOffset(cursor.timestamp(), cursor.offset());
                    }
                }
            }
            position += size;
        }
        return null;
    }

    /** The first record with the largest timestamp among offsets &ge; {@code minOffset} in {@code s}, or null. */
    static TimestampedOffset maxTimestamp(final Segment s, final long minOffset) {
        final int published = s.size;
        final ByteBuffer header = ByteBuffer.allocate(RecordBatchLayout.HEADER_SIZE);
        final RecordBatch batch = new RecordBatch();
        final long from = Math.max(minOffset, s.baseOffset);
        int position = s.offsetIndex.lookupPosition(from);
        long bestTs = Long.MIN_VALUE;
        long bestOffset = -1;
        int bestPosition = -1;
        int bestSize = 0;
        while (position < published) {
            header.clear();
            s.data.read(position, header);
            final int size = RecordBatchLayout.LOG_OVERHEAD + header.getInt(RecordBatchLayout.BATCH_LENGTH_OFFSET);
            final long base = header.getLong(RecordBatchLayout.BASE_OFFSET_OFFSET);
            final long last = base + header.getInt(RecordBatchLayout.LAST_OFFSET_DELTA_OFFSET);
            final long maxTs = header.getLong(RecordBatchLayout.MAX_TIMESTAMP_OFFSET);
            if (last >= from && maxTs > bestTs) {
                batch.wrap(s.data.view(position, size), 0);
                if (base < from && !batch.isCompressed()) {
                    // The header's max may belong to a record below the start: take the real max of the rest.
                    final RecordCursor cursor = new RecordCursor().reset(batch);
                    while (cursor.next()) {
                        if (cursor.offset() >= from && cursor.timestamp() > bestTs) {
                            bestTs = cursor.timestamp();
                            bestOffset = cursor.offset();
                            bestPosition = -1;
                        }
                    }
                } else {
                    bestTs = maxTs;
                    bestPosition = position;
                    bestSize = size;
                }
            }
            position += size;
        }
        if (bestPosition < 0) {
            return bestOffset < 0 || bestTs < 0 ? null : new TimestampedOffset(bestTs, bestOffset);
        }
        if (bestTs < 0) {
            return null;
        }
        batch.wrap(s.data.view(bestPosition, bestSize), 0);
        if (batch.isCompressed()) {
            return new TimestampedOffset(bestTs, Math.max(batch.baseOffset(), from));
        }
        final RecordCursor cursor = new RecordCursor().reset(batch);
        while (cursor.next()) {
            if (cursor.timestamp() == bestTs) {
                return new TimestampedOffset(bestTs, cursor.offset());
            }
        }
        return null;
    }
}
