package io.sediment.retention;

/**
 * What retention needs to know about one segment.
 *
 * @param baseOffset       first offset the segment can hold
 * @param nextOffset       offset after its last record (its log end offset); {@code baseOffset} when empty
 * @param sizeInBytes      bytes of batch data
 * @param largestTimestamp the largest record timestamp in the segment, or -1 when it has none (empty, or records
 *                         without timestamps). Kafka uses the segment file's last-modified time when no record has
 *                         a timestamp; an engine that wants that rule passes the modification time here.
 */
public record SegmentSummary(long baseOffset, long nextOffset, long sizeInBytes, long largestTimestamp) {
    public SegmentSummary {
        if (baseOffset < 0 || nextOffset < baseOffset) {
            throw new IllegalArgumentException("segment [" + baseOffset + ", " + nextOffset + ") is not a valid range");
        }
        if (sizeInBytes < 0) {
            throw new IllegalArgumentException("segment " + baseOffset + " has negative size " + sizeInBytes);
        }
    }

    /** Holds no data. */
    public boolean isEmpty() {
        return sizeInBytes == 0;
    }
}
