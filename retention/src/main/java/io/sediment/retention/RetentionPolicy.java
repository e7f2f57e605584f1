package io.sediment.retention;

import java.util.List;

/**
 * Decides which of a partition's oldest segments a retention pass deletes, by Kafka's rules. The engine owns
 * the mechanics (taking segments out of the read path, renaming, delayed deletion); this class only decides.
 *
 * <p>Kafka ({@code UnifiedLog.deleteOldSegments}) runs three passes in this order, each deleting the oldest
 * segments while its rule holds and stopping at the first segment it does not hold for:
 * <ol>
 *   <li><b>log start offset</b>: a segment goes when the next segment's base offset is at or below the log start
 *       offset, i.e. all its records are below it ({@code deleteLogStartOffsetBreachedSegments});</li>
 *   <li><b>{@code retention.bytes}</b> (when &ge; 0): a segment goes while the log without it still holds at least
 *       {@code retention.bytes} ({@code deleteRetentionSizeBreachedSegments}: {@code diff - size >= 0} with
 *       {@code diff = logSize - retentionBytes});</li>
 *   <li><b>{@code retention.ms}</b> (when &ge; 0): a segment goes while {@code now - largestTimestamp >
 *       retention.ms} ({@code deleteRetentionMsBreachedSegments}); a segment holding a future timestamp stops
 *       the pass.</li>
 * </ol>
 * In every pass an empty last (active) segment is never deleted ({@code deletableSegments}), and deleting every
 * segment rolls a new active segment first ({@code deleteSegments}). We assume the single-node case, where the
 * high watermark is the log end offset, so Kafka's "not at or above the high watermark" guard never bites.
 *
 * <p>One pass here does all three at once. The rule-1 and rule-2 deletable segments each form a prefix of the
 * list (base offsets increase; the bytes after a segment shrink along the list), so the three sequential passes
 * delete exactly the longest prefix in which every segment satisfies at least one rule: that is what
 * {@link #decide} computes, in one walk over the list without allocating. The
 * {@code maxSegmentsPerPass} bound cuts the prefix; since eligibility depends only on a segment and the segments
 * after it, the next call carries on where this one stopped, and repeated bounded calls end where one unbounded
 * call would.
 *
 * <p>One deliberate extension of Kafka's rule 1, asked for by the engine: the active segment also goes, after a
 * roll, when it is non-empty and its next offset is at or below the log start offset (a {@code deleteRecords}
 * up to the log end offset frees all space at once). Kafka 4.x keeps the active segment until it rolls on its own.
 *
 * <p>Stateless and thread-safe.
 */
public final class RetentionPolicy {
    private RetentionPolicy() {
    }

    /**
     * Decides how many of the oldest segments to delete.
     *
     * @param segmentsOldestFirst the partition's segments by ascending base offset; the last is the active segment.
     *                            Read with {@code get(i)}, so pass a random-access list.
     * @param retentionMs         {@code retention.ms}; negative (Kafka: -1) keeps data forever
     * @param retentionBytes      {@code retention.bytes}; negative (Kafka: -1) means no size limit
     * @param nowMs               the current time, in ms since the epoch
     * @param logStartOffset      the log start offset (advanced by {@code deleteRecords})
     * @param maxSegmentsPerPass  at most this many segments are deleted (bounds one pass's work); at least 1
     * @throws IllegalArgumentException if the bound is below 1 or base offsets do not increase
     */
    public static RetentionDecision decide(final List<SegmentSummary> segmentsOldestFirst, final long retentionMs,
            final long retentionBytes, final long nowMs, final long logStartOffset, final int maxSegmentsPerPass) {
        if (maxSegmentsPerPass < 1) {
            throw new IllegalArgumentException("maxSegmentsPerPass " + maxSegmentsPerPass + " is below 1");
        }
        final int n = segmentsOldestFirst.size();
        long totalBytes = 0;
        long previousBase = -1;
        for (int i = 0; i < n; i++) {
            final SegmentSummary segment = segmentsOldestFirst.get(i);
            if (segment.baseOffset() <= previousBase) {
                throw new IllegalArgumentException("segment " + i + " has base offset " + segment.baseOffset()
                        + ", not above the previous segment's " + previousBase);
            }
            previousBase = segment.baseOffset();
            totalBytes += segment.sizeInBytes();
        }
        final boolean sizeLimited = retentionBytes >= 0;
        final boolean timeLimited = retentionMs >= 0;
        // now - largestTimestamp > retentionMs  <=>  largestTimestamp < now - retentionMs, without overflow.
        final long oldestKeptTimestamp = timeLimited ? saturatedDifference(nowMs, retentionMs) : Long.MIN_VALUE;

        long bytesFromHere = totalBytes;
        int count = 0;
        Reason firstReason = Reason.NONE;
        for (int i = 0; i < n && count < maxSegmentsPerPass; i++) {
            final SegmentSummary segment = segmentsOldestFirst.get(i);
            final boolean active = i == n - 1;
            if (active && segment.isEmpty()) {
                break; // an empty active segment is never deleted: there would be nothing to gain
            }
            final long bytesAfter = bytesFromHere - segment.sizeInBytes();
            final long followingBase = active ? segment.nextOffset() : segmentsOldestFirst.get(i + 1).baseOffset();
            final Reason reason;
            if (followingBase <= logStartOffset) {
                reason = Reason.LOG_START_OFFSET;
            } else if (sizeLimited && bytesAfter >= retentionBytes) {
                reason = Reason.RETENTION_BYTES;
            } else if (timeLimited && segment.largestTimestamp() < oldestKeptTimestamp) {
                reason = Reason.RETENTION_MS;
            } else {
                break;
            }
            if (count == 0) {
                firstReason = reason;
            }
            count++;
            bytesFromHere = bytesAfter;
        }
        if (count == 0) {
            return RetentionDecision.KEEP_ALL;
        }
        return new RetentionDecision(count, count == n, firstReason);
    }

    /** {@code a - b} for {@code b >= 0}, or {@link Long#MIN_VALUE} where that would underflow. */
    private static long saturatedDifference(final long a, final long b) {
        final long difference = a - b;
        return difference > a ? Long.MIN_VALUE : difference;
    }
}
