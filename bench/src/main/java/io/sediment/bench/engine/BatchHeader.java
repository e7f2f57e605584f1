package io.sediment.bench.engine;

import java.nio.ByteBuffer;

/**
 * The few fields of a v2 record batch header the suite reads when walking batches a peer returned as raw bytes:
 *
 * <pre>
 *  0  baseOffset      int64
 *  8  length          int32  bytes after this field
 * 12  partitionLeaderEpoch, magic, crc, attributes (11 bytes)
 * 23  lastOffsetDelta int32
 * </pre>
 */
final class BatchHeader {
    static final int LENGTH_OFFSET = 8;
    static final int LOG_OVERHEAD = 12;
    static final int LAST_OFFSET_DELTA_OFFSET = 23;

    private BatchHeader() {
    }

    /** The offset after the last record of the batch at {@code position}. */
    static long nextOffset(final ByteBuffer bytes, final int position) {
        return bytes.getLong(position) + bytes.getInt(position + LAST_OFFSET_DELTA_OFFSET) + 1;
    }
}
