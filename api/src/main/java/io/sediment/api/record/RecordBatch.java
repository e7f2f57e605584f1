package io.sediment.api.record;

import io.sediment.api.CorruptRecordException;
import io.sediment.api.InvalidRecordException;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

import static io.sediment.api.record.RecordBatchLayout.*;

/**
 * A flyweight over one record batch (v2 layout, see {@link RecordBatchLayout}) inside a {@link ByteBuffer}.
 *
 * <p>Wrap it over a buffer and a position; accessors read straight from the buffer with absolute gets, so
 * re-wrapping the same instance over the next batch allocates nothing. The wrapped buffer's position and limit
 * are never changed. Not thread-safe: one flyweight per thread.
 */
public final class RecordBatch {
    private ByteBuffer buffer;
    private int offset;

    public RecordBatch() {
    }

    /** Points this flyweight at the batch starting at {@code offset} (absolute index into {@code buffer}). */
    public RecordBatch wrap(final ByteBuffer buffer, final int offset) {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    public ByteBuffer buffer() {
        return buffer;
    }

    /** Absolute index of the batch's first byte in {@link #buffer()}. */
    public int offset() {
        return offset;
    }

    public long baseOffset() {
        return buffer.getLong(offset + BASE_OFFSET_OFFSET);
    }

    public int batchLength() {
        return buffer.getInt(offset + BATCH_LENGTH_OFFSET);
    }

    /** Bytes the whole batch occupies, header included. */
    public int sizeInBytes() {
        return LOG_OVERHEAD + batchLength();
    }

    public int partitionLeaderEpoch() {
        return buffer.getInt(offset + PARTITION_LEADER_EPOCH_OFFSET);
    }

    public byte magic() {
        return buffer.get(offset + MAGIC_OFFSET);
    }

    /** The stored CRC-32C, as an unsigned value. */
    public long checksum() {
        return Integer.toUnsignedLong(buffer.getInt(offset + CRC_OFFSET));
    }

    public short attributes() {
        return buffer.getShort(offset + ATTRIBUTES_OFFSET);
    }

    /** Compression codec id from the attributes: 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd. */
    public int compressionCodec() {
        return attributes() & COMPRESSION_CODEC_MASK;
    }

    public boolean isCompressed() {
        return compressionCodec() != 0;
    }

    public TimestampType timestampType() {
        return (attributes() & TIMESTAMP_TYPE_MASK) != 0 ? TimestampType.LOG_APPEND_TIME : TimestampType.CREATE_TIME;
    }

    public boolean isTransactional() {
        return (attributes() & TRANSACTIONAL_FLAG_MASK) != 0;
    }

    public boolean isControlBatch() {
        return (attributes() & CONTROL_FLAG_MASK) != 0;
    }

    public int lastOffsetDelta() {
        return buffer.getInt(offset + LAST_OFFSET_DELTA_OFFSET);
    }

    public long lastOffset() {
        return baseOffset() + lastOffsetDelta();
    }

    /** The offset after this batch's last record. */
    public long nextOffset() {
        return lastOffset() + 1;
    }

    public long baseTimestamp() {
        return buffer.getLong(offset + BASE_TIMESTAMP_OFFSET);
    }

    public long maxTimestamp() {
        return buffer.getLong(offset + MAX_TIMESTAMP_OFFSET);
    }

    public long producerId() {
        return buffer.getLong(offset + PRODUCER_ID_OFFSET);
    }

    public short producerEpoch() {
        return buffer.getShort(offset + PRODUCER_EPOCH_OFFSET);
    }

    public int baseSequence() {
        return buffer.getInt(offset + BASE_SEQUENCE_OFFSET);
    }

    /** Sequence number of the last record, wrapping at {@code Integer.MAX_VALUE} as Kafka's does. */
    public int lastSequence() {
        final int base = baseSequence();
        if (base == NO_SEQUENCE) {
            return NO_SEQUENCE;
        }
        final long last = (long) base + lastOffsetDelta();
        return last > Integer.MAX_VALUE ? (int) (last - Integer.MAX_VALUE - 1) : (int) last;
    }

    public int recordCount() {
        return buffer.getInt(offset + RECORD_COUNT_OFFSET);
    }

    /** CRC-32C of attributes..end as it stands in the buffer now. */
    public long computeChecksum(final CRC32C crc) {
        crc.reset();
        final int from = offset + ATTRIBUTES_OFFSET;
        final int to = offset + sizeInBytes();
        if (buffer.hasArray()) {
            // No view to allocate (heap buffers are what producers and the broker append): the append path stays
            // allocation-free. The same bounds a view would check: the buffer's, not the (maybe larger) array's.
            if (to < from || to > buffer.capacity()) {
                throw new IllegalArgumentException("batch at " + offset + " of " + sizeInBytes() + " bytes does not fit"
                        + " in a buffer of " + buffer.capacity());
            }
            crc.update(buffer.array(), buffer.arrayOffset() + from, to - from);
        } else {
            crc.update(buffer.duplicate().limit(to).position(from));
        }
        return crc.getValue();
    }

    public boolean isChecksumValid(final CRC32C crc) {
        return computeChecksum(crc) == checksum();
    }

    /**
     * Checks that a complete, well-formed batch starts here and fits within {@code limit} (an absolute index),
     * without trusting anything the header says. Throws with the position and the offending value.
     *
     * @param crc scratch CRC instance, reused across calls to avoid allocation
     * @param source names where the bytes come from (a file, a request) for the error message
     */
    public void validate(final int limit, final CRC32C crc, final String source) {
        final int remaining = limit - offset;
        if (remaining < HEADER_SIZE) {
            throw new CorruptRecordException(source, offset,
                    "batch header needs " + HEADER_SIZE + " bytes but only " + remaining + " remain");
        }
        final int batchLength = batchLength();
        if (batchLength < HEADER_SIZE - LOG_OVERHEAD) {
            throw new CorruptRecordException(source, offset, "batchLength " + batchLength + " is below the minimum "
                    + (HEADER_SIZE - LOG_OVERHEAD));
        }
        if (batchLength > remaining - LOG_OVERHEAD) {
            throw new CorruptRecordException(source, offset, "batchLength " + batchLength + " runs past the end ("
                    + (remaining - LOG_OVERHEAD) + " bytes remain)");
        }
        final byte magic = magic();
        if (magic != MAGIC_V2) {
            throw new CorruptRecordException(source, offset, "magic " + magic + " is not supported (only " + MAGIC_V2 + ")");
        }
        final long computed = computeChecksum(crc);
        if (computed != checksum()) {
            throw new CorruptRecordException(source, offset, "CRC mismatch: stored " + checksum() + ", computed " + computed);
        }
    }

    /**
     * Validates what a producer must get right beyond the CRC: a non-negative record count that agrees with
     * {@code lastOffsetDelta}. Call after {@link #validate}.
     */
    public void validateForAppend(final String source) {
        final int count = recordCount();
        final int lastOffsetDelta = lastOffsetDelta();
        if (count < 0) {
            throw new InvalidRecordException(source, offset, "recordCount " + count + " is negative");
        }
        if (lastOffsetDelta < 0) {
            throw new InvalidRecordException(source, offset, "lastOffsetDelta " + lastOffsetDelta + " is negative");
        }
        if (count == 0 && !isControlBatch()) {
            throw new InvalidRecordException(source, offset, "batch holds no records");
        }
        if (count != lastOffsetDelta + 1 && count != 0) {
            throw new InvalidRecordException(source, offset, "recordCount " + count
                    + " does not match lastOffsetDelta " + lastOffsetDelta);
        }
    }

    /** Rewrites {@code baseOffset} in place; the CRC does not cover it. */
    public void setBaseOffset(final long baseOffset) {
        buffer.putLong(offset + BASE_OFFSET_OFFSET, baseOffset);
    }

    /** Rewrites {@code partitionLeaderEpoch} in place; the CRC does not cover it. */
    public void setPartitionLeaderEpoch(final int epoch) {
        buffer.putInt(offset + PARTITION_LEADER_EPOCH_OFFSET, epoch);
    }

    /**
     * Stamps the batch with the log's append time: sets the timestamp-type bit and {@code maxTimestamp}, then
     * recomputes the CRC. Records keep their deltas; readers of a LogAppendTime batch use {@code maxTimestamp}
     * for every record, as Kafka's do.
     */
    public void setLogAppendTime(final long timestamp, final CRC32C crc) {
        final short attributes = (short) (attributes() | TIMESTAMP_TYPE_MASK);
        buffer.putShort(offset + ATTRIBUTES_OFFSET, attributes);
        buffer.putLong(offset + MAX_TIMESTAMP_OFFSET, timestamp);
        buffer.putInt(offset + CRC_OFFSET, (int) computeChecksum(crc));
    }

    @Override
    public String toString() {
        return "RecordBatch{baseOffset=" + baseOffset() + ", lastOffset=" + lastOffset() + ", size=" + sizeInBytes()
                + ", maxTimestamp=" + maxTimestamp() + ", codec=" + compressionCodec() + '}';
    }
}
