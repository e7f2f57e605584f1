package io.sediment.log;

import io.sediment.api.CorruptIndexException;
import io.sediment.api.CorruptRecordException;
import io.sediment.api.TimestampedOffset;
import io.sediment.api.record.RecordBatch;
import io.sediment.api.record.RecordCursor;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * Timestamp lookups inside one pinned segment: the first record at or after a timestamp (ListOffsets by time) and
 * the record with the largest timestamp (ListOffsets MAX_TIMESTAMP). Not on a hot path: allocates a view per
 * batch it opens.
 *
 * <p>The time index entry {@code (T, O)} promises that every record at or below offset {@code O} in the segment
 * has a timestamp &le; {@code T}, because entries hold the running maximum. So the search starts after the last
 * entry with {@code T < target}: nothing before it can qualify, which makes the answer exact rather than Kafka's
 * "at or before" approximation for equal timestamps.
 *
 * <p>Damaged files: every header walked passes {@link BatchHeaders}' checks, the time-index entry a search starts
 * after is checked against the batch it names, and the batches whose records make the answer are CRC checked,
 * so a lookup answers from the data as written or throws a typed error naming the file.
 */
final class TimestampSearch {
    private TimestampSearch() {
    }

    /**
     * First record in {@code s} with offset &ge; {@code minOffset} and timestamp &ge; {@code target}, or null.
     *
     * @param logEnd the log end offset, read before this call: the writer publishes it after the segment's size,
     *               so every offset below it lies inside the size read here, and a time-index entry for a batch
     *               still being appended names an offset at or past it
     */
    static TimestampedOffset firstAtOrAfter(final Segment s, final long target, final long minOffset,
                                            final long logEnd) {
        final int published = s.size;
        final long next = Math.min(s.nextOffset, logEnd);
        long from = Math.max(minOffset, s.baseOffset);
        final int slot = s.timeIndex.floorSlot(target - 1);
        final long indexedOffset = slot < 0 ? -1 : s.timeIndex.offsetAt(slot);
        // The entry decides where to start only if it lies past minOffset and inside what is published; it is
        // then checked against the batch it names, since starting after it skips everything up to it.
        final boolean useEntry = indexedOffset >= from && indexedOffset < next;
        if (useEntry) {
            from = indexedOffset + 1;
        }
        if (from >= next && !useEntry) {
            return null;
        }
        final ByteBuffer header = BatchHeaders.newHeader();
        int position = BatchHeaders.seek(s, useEntry ? indexedOffset : from, published, header);
        if (useEntry) {
            checkTimeIndexEntry(s, slot, position, header);
        }
        while (true) {
            final int size = BatchHeaders.size(header);
            final long last = BatchHeaders.lastOffset(header);
            final long maxTs = BatchHeaders.maxTimestamp(header);
            if (last >= from && maxTs >= target) {
                final RecordBatch batch = validBatch(s, position, size);
                if (batch.isCompressed()) {
                    // Records are not decompressed: answer with the batch, at or before the exact record.
                    return new TimestampedOffset(maxTs, Math.max(BatchHeaders.baseOffset(header), from));
                }
                final RecordCursor cursor = new RecordCursor().reset(batch, s.dataFile);
                while (cursor.next()) {
                    if (cursor.offset() >= from && cursor.timestamp() >= target) {
                        return new TimestampedOffset(cursor.timestamp(), cursor.offset());
                    }
                }
            }
            position += size;
            if (position >= published) {
                return null;
            }
            BatchHeaders.read(s, position, published, last + 1, header);
        }
    }

    /**
     * Time-index entry {@code (T, O)} is the running maximum when the batch ending at {@code O} was indexed, so
     * that batch's own max timestamp is {@code T}. A damaged entry that still passes the index's sanity check
     * (increasing, inside the segment) would send the search past records it must find: refuse it.
     */
    private static void checkTimeIndexEntry(final Segment s, final int slot, final int position,
                                            final ByteBuffer header) {
        final long indexedOffset = s.timeIndex.offsetAt(slot);
        final long indexedTs = s.timeIndex.timestampAt(slot);
        if (BatchHeaders.lastOffset(header) != indexedOffset || BatchHeaders.maxTimestamp(header) != indexedTs) {
            throw new CorruptIndexException(s.timeIndex.file(), "entry " + slot + " (timestamp " + indexedTs
                    + ", offset " + indexedOffset + ") but the batch holding that offset at position " + position
                    + " of " + s.dataFile + " is [" + BatchHeaders.baseOffset(header) + ", "
                    + BatchHeaders.lastOffset(header) + "] with max timestamp " + BatchHeaders.maxTimestamp(header));
        }
    }

    /**
     * The first record with the largest timestamp among offsets &ge; {@code minOffset} in {@code s}, or null.
     *
     * @param logEnd the log end offset, read before this call (see {@link #firstAtOrAfter})
     */
    static TimestampedOffset maxTimestamp(final Segment s, final long minOffset, final long logEnd) {
        final int published = s.size;
        final long next = Math.min(s.nextOffset, logEnd);
        final long from = Math.max(minOffset, s.baseOffset);
        if (from >= next) {
            return null;
        }
        final ByteBuffer header = BatchHeaders.newHeader();
        int position = BatchHeaders.seek(s, from, published, header);
        long bestTs = Long.MIN_VALUE;
        long bestOffset = -1;
        int bestPosition = -1;
        while (true) {
            final int size = BatchHeaders.size(header);
            final long base = BatchHeaders.baseOffset(header);
            final long last = BatchHeaders.lastOffset(header);
            final long maxTs = BatchHeaders.maxTimestamp(header);
            if (maxTs > bestTs) {
                final RecordBatch batch = validBatch(s, position, size);
                if (base < from && !batch.isCompressed()) {
                    // The header's max may belong to a record below the start: take the real max of the rest.
                    final RecordCursor cursor = new RecordCursor().reset(batch, s.dataFile);
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
                }
            }
            position += size;
            if (position >= published) {
                break;
            }
            BatchHeaders.read(s, position, published, last + 1, header);
        }
        if (bestPosition < 0) {
            return bestOffset < 0 || bestTs < 0 ? null : new TimestampedOffset(bestTs, bestOffset);
        }
        if (bestTs < 0) {
            return null;
        }
        BatchHeaders.read(s, bestPosition, published, -1, header);
        final RecordBatch batch = validBatch(s, bestPosition, BatchHeaders.size(header));
        if (batch.isCompressed()) {
            return new TimestampedOffset(bestTs, Math.max(batch.baseOffset(), from));
        }
        final RecordCursor cursor = new RecordCursor().reset(batch, s.dataFile);
        while (cursor.next()) {
            if (cursor.timestamp() == bestTs) {
                return new TimestampedOffset(bestTs, cursor.offset());
            }
        }
        return null;
    }

    /**
     * The batch whose records an answer comes from, CRC checked: a timestamp lookup decodes at most a couple of
     * batches, so unlike a fetch (whose consumer checks the CRC) it can afford to, and never answers from a
     * damaged batch.
     */
    private static RecordBatch validBatch(final Segment s, final int position, final int size) {
        final RecordBatch batch = new RecordBatch().wrap(s.data.view(position, size), 0);
        try {
            batch.validate(size, new CRC32C(), s.dataFile);
        } catch (CorruptRecordException e) {
            throw new CorruptRecordException(s.dataFile, position, e.reason());
        }
        return batch;
    }
}
