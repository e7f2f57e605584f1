package io.sediment.index;

/**
 * Describes one offset index entry, Kafka's {@code .index} format, byte for byte.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |             relativeOffset (int32) = offset - baseOffset      |  0
 *  +---------------------------------------------------------------+
 *  |             position (int32), byte position in the .log       |  4
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * Big-endian. Entry {@code n} starts at byte {@code n * ENTRY_SIZE}; there is no header and no checksum (a
 * doubtful index is rebuilt from the segment data instead). Valid entries are strictly increasing in offset and
 * non-decreasing in position; each points at the start of a batch whose base offset is at most the entry's offset.
 */
public final class OffsetIndexLayout {
    public static final int RELATIVE_OFFSET_OFFSET = 0;
    public static final int POSITION_OFFSET = 4;
    public static final int ENTRY_SIZE = 8;

    private OffsetIndexLayout() {
    }

    /** Byte offset of entry {@code slot}'s relative offset field. */
    public static int relativeOffsetOffset(final int slot) {
        return slot * ENTRY_SIZE + RELATIVE_OFFSET_OFFSET;
    }

    /** Byte offset of entry {@code slot}'s position field. */
    public static int positionOffset(final int slot) {
        return slot * ENTRY_SIZE + POSITION_OFFSET;
    }
}
