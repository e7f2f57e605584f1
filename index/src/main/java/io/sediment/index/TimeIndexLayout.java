package io.sediment.index;

/**
 * Describes one time index entry, Kafka's {@code .timeindex} format, byte for byte.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                     timestamp (int64, ms)                     |  0
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |             relativeOffset (int32) = offset - baseOffset      |  8
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * Big-endian. Entry {@code n} starts at byte {@code n * ENTRY_SIZE}; no header, no checksum. An entry
 * {@code (T, O)} means: the largest timestamp in the segment before offset {@code O} (inclusive) is {@code T},
 * so a record with a timestamp above {@code T} sits after {@code O}. Valid entries are strictly increasing in
 * timestamp and non-decreasing in offset.
 */
public final class TimeIndexLayout {
    public static final int TIMESTAMP_OFFSET = 0;
    public static final int RELATIVE_OFFSET_OFFSET = 8;
    public static final int ENTRY_SIZE = 12;

    private TimeIndexLayout() {
    }

    /** Byte offset of entry {@code slot}'s timestamp field. */
    public static int timestampOffset(final int slot) {
        return slot * ENTRY_SIZE + TIMESTAMP_OFFSET;
    }

    /** Byte offset of entry {@code slot}'s relative offset field. */
    public static int relativeOffsetOffset(final int slot) {
        return slot * ENTRY_SIZE + RELATIVE_OFFSET_OFFSET;
    }
}
