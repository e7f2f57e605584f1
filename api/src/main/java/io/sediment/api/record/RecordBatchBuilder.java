package io.sediment.api.record;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

import static io.sediment.api.record.RecordBatchLayout.*;

/**
 * Writes one uncompressed v2 record batch ({@link RecordBatchLayout}) from records appended one by one: what a
 * producer sends, and what tests and tools feed the engine.
 *
 * <pre>{@code
 * RecordBatchBuilder builder = new RecordBatchBuilder();
 * ByteBuffer batch = builder.append(now, key, value).append(now, null, value, new Header("h", bytes)).build();
 * builder.clear();                       // keeps the settings, drops the records, for the next batch
 * }</pre>
 *
 * <p>The batch is laid out byte for byte as Kafka's {@code MemoryRecordsBuilder} lays out an uncompressed batch:
 * {@code baseOffset} 0 unless set (the log assigns offsets anyway), {@code baseTimestamp} the first record's
 * timestamp, {@code maxTimestamp} the largest, offset deltas 0, 1, 2, ..., record attributes 0, and the CRC-32C
 * over attributes..end. Producer fields default to "none" (-1) and {@code partitionLeaderEpoch} to -1.
 * For {@link TimestampType#LOG_APPEND_TIME} the timestamp-type bit is set and {@code maxTimestamp} is still the
 * largest appended timestamp, which readers then give every record; to stamp a particular time, build and call
 * {@link RecordBatch#setLogAppendTime}.
 *
 * <p>Records are encoded as they are appended, into a buffer the builder keeps and grows, so a reused builder
 * stops growing once it has seen its largest batch. Appending still makes a little short-lived garbage (buffer
 * wrappers for array keys and values, the UTF-8 bytes of header keys): the builder is for producers, tools and
 * tests, not for the engine's append path, which never re-encodes records.
 * {@link #build()} and {@link #buildInto} do not change the builder: call {@link #clear()} to start the next
 * batch. An empty batch cannot be built. Not thread-safe.
 */
public final class RecordBatchBuilder {
    /** The largest batch this builder writes; leaves headroom below the JVM's array size limit. */
    public static final int MAX_BATCH_SIZE = Integer.MAX_VALUE - 64;

    private static final byte[][] NO_HEADER_KEYS = new byte[0][];

    private final CRC32C crc = new CRC32C();
    private final RecordBatch scratch = new RecordBatch();

    private long baseOffset;
    private long producerId = NO_PRODUCER_ID;
    private short producerEpoch = NO_PRODUCER_EPOCH;
    private int baseSequence = NO_SEQUENCE;
    private int partitionLeaderEpoch = NO_PARTITION_LEADER_EPOCH;
    private TimestampType timestampType = TimestampType.CREATE_TIME;
    private boolean transactional;

    private ByteBuffer records = ByteBuffer.allocate(256);
    private int recordsSize;
    private int recordCount;
    private long baseTimestamp = NO_TIMESTAMP;
    private long maxTimestamp = NO_TIMESTAMP;

    public RecordBatchBuilder() {
    }

    /** The {@code baseOffset} to write; 0 by default. */
    public RecordBatchBuilder baseOffset(final long offset) {
        this.baseOffset = offset;
        return this;
    }

    /**
     * Marks the batch as an idempotent producer's: its id, epoch and the sequence of the first record. Pass
     * {@code (-1, -1, -1)} for none, the default.
     */
    public RecordBatchBuilder producer(final long producerId, final short producerEpoch, final int baseSequence) {
        this.producerId = producerId;
        this.producerEpoch = producerEpoch;
        this.baseSequence = baseSequence;
        return this;
    }

    public RecordBatchBuilder partitionLeaderEpoch(final int epoch) {
        this.partitionLeaderEpoch = epoch;
        return this;
    }

    /** {@link TimestampType#CREATE_TIME} by default. */
    public RecordBatchBuilder timestampType(final TimestampType type) {
        if (type == null) {
            throw new IllegalArgumentException("timestamp type is null");
        }
        this.timestampType = type;
        return this;
    }

    /** Sets the transactional attribute bit; needs a producer id (see {@link #producer}). */
    public RecordBatchBuilder transactional(final boolean transactional) {
        this.transactional = transactional;
        return this;
    }

    /**
     * Appends a record with the next offset delta.
     *
     * @param timestamp milliseconds since the epoch, or -1 for none
     * @param key       may be null; read from position to limit without moving the position
     * @param value     may be null; read from position to limit without moving the position
     * @param headers   may be empty; a header's value may be null
     * @throws IllegalArgumentException when the timestamp is below -1
     * @throws IllegalStateException    when the batch would grow past {@link #MAX_BATCH_SIZE}
     */
    public RecordBatchBuilder appendBuffers(final long timestamp, final ByteBuffer key, final ByteBuffer value,
                                            final Header... headers) {
        if (timestamp < 0 && timestamp != NO_TIMESTAMP) {
            throw new IllegalArgumentException("timestamp " + timestamp + " is negative (only -1, none, may be)");
        }
        final long timestampDelta = recordCount == 0 ? 0 : timestamp - baseTimestamp;
        final int offsetDelta = recordCount;
        final int keyLength = key == null ? -1 : key.remaining();
        final int valueLength = value == null ? -1 : value.remaining();
        final int headerCount = headers == null ? 0 : headers.length;
        final byte[][] headerKeys = headerCount == 0 ? NO_HEADER_KEYS : new byte[headerCount][];

        long bodySize = 1 + Varint.sizeOfVarlong(timestampDelta) + Varint.sizeOfVarint(offsetDelta)
                + Varint.sizeOfVarint(keyLength) + Math.max(keyLength, 0)
                + Varint.sizeOfVarint(valueLength) + Math.max(valueLength, 0)
                + Varint.sizeOfVarint(headerCount);
        for (int h = 0; h < headerCount; h++) {
            if (headers[h] == null) {
                throw new IllegalArgumentException("header " + h + " is null");
            }
            headerKeys[h] = headers[h].key().getBytes(StandardCharsets.UTF_8);
            final int headerValueLength = headers[h].value() == null ? -1 : headers[h].value().length;
            bodySize += Varint.sizeOfVarint(headerKeys[h].length) + headerKeys[h].length
                    + Varint.sizeOfVarint(headerValueLength) + Math.max(headerValueLength, 0);
        }
        if (bodySize > MAX_BATCH_SIZE || (long) HEADER_SIZE + recordsSize + 5 + bodySize > MAX_BATCH_SIZE) {
            throw new IllegalStateException("record of " + bodySize + " bytes would grow the batch past "
                    + MAX_BATCH_SIZE + " bytes");
        }
        final int recordSize = Varint.sizeOfVarint((int) bodySize) + (int) bodySize;
        ensureCapacity(recordsSize + recordSize);

        final ByteBuffer r = records;
        int p = recordsSize;
        p += Varint.putVarint(r, p, (int) bodySize);
        r.put(p++, (byte) 0);
        p += Varint.putVarlong(r, p, timestampDelta);
        p += Varint.putVarint(r, p, offsetDelta);
        p = putBytes(r, p, key, keyLength);
        p = putBytes(r, p, value, valueLength);
        p += Varint.putVarint(r, p, headerCount);
        for (int h = 0; h < headerCount; h++) {
            p += Varint.putVarint(r, p, headerKeys[h].length);
            r.put(p, headerKeys[h]);
            p += headerKeys[h].length;
            final byte[] headerValue = headers[h].value();
            if (headerValue == null) {
                p += Varint.putVarint(r, p, -1);
            } else {
                p += Varint.putVarint(r, p, headerValue.length);
                r.put(p, headerValue);
                p += headerValue.length;
            }
        }
        assert p == recordsSize + recordSize : "record size " + recordSize + " but wrote " + (p - recordsSize);

        if (recordCount == 0) {
            baseTimestamp = timestamp;
        }
        if (timestamp > maxTimestamp) {
            maxTimestamp = timestamp;
        }
        recordsSize = p;
        recordCount++;
        return this;
    }

    /**
     * {@link #appendBuffers} with arrays; null key or value allowed. (The buffer variant has its own name so that
     * {@code append(ts, null, null)} is not ambiguous.)
     */
    public RecordBatchBuilder append(final long timestamp, final byte[] key, final byte[] value,
                                     final Header... headers) {
        return appendBuffers(timestamp, key == null ? null : ByteBuffer.wrap(key), value == null ? null : ByteBuffer.wrap(value),
                headers);
    }

    public int recordCount() {
        return recordCount;
    }

    public boolean isEmpty() {
        return recordCount == 0;
    }

    /** Bytes the batch will take when built. */
    public int sizeInBytes() {
        return HEADER_SIZE + recordsSize;
    }

    /**
     * The batch, in a new heap buffer (position 0, limit {@link #sizeInBytes()}).
     *
     * @throws IllegalStateException when no record was appended, or when the producer settings are ones Kafka's
     *                               builder refuses (transactional without a producer id, a producer id without an
     *                               epoch or a base sequence)
     */
    public ByteBuffer build() {
        checkBuildable();
        final ByteBuffer batch = ByteBuffer.allocate(sizeInBytes());
        write(batch, 0);
        return batch;
    }

    /**
     * Writes the batch at {@code dst}'s position and advances the position past it.
     *
     * @return bytes written, {@link #sizeInBytes()}
     * @throws IllegalArgumentException when {@code dst} has too little room or is not big-endian
     * @throws IllegalStateException    as {@link #build()}
     */
    public int buildInto(final ByteBuffer dst) {
        checkBuildable();
        final int size = sizeInBytes();
        if (dst.remaining() < size) {
            throw new IllegalArgumentException("batch needs " + size + " bytes but the buffer has " + dst.remaining());
        }
        if (dst.order() != ByteOrder.BIG_ENDIAN) {
            throw new IllegalArgumentException("record batches are big-endian; the buffer is " + dst.order());
        }
        write(dst, dst.position());
        dst.position(dst.position() + size);
        return size;
    }

    /** Drops the appended records and keeps the settings, ready for the next batch. */
    public RecordBatchBuilder clear() {
        recordsSize = 0;
        recordCount = 0;
        baseTimestamp = NO_TIMESTAMP;
        maxTimestamp = NO_TIMESTAMP;
        return this;
    }

    /** Drops the records and restores every setting to its default. */
    public RecordBatchBuilder reset() {
        baseOffset = 0;
        producerId = NO_PRODUCER_ID;
        producerEpoch = NO_PRODUCER_EPOCH;
        baseSequence = NO_SEQUENCE;
        partitionLeaderEpoch = NO_PARTITION_LEADER_EPOCH;
        timestampType = TimestampType.CREATE_TIME;
        transactional = false;
        return clear();
    }

    private void checkBuildable() {
        if (recordCount == 0) {
            throw new IllegalStateException("cannot build an empty batch: append at least one record");
        }
        if (transactional && producerId == NO_PRODUCER_ID) {
            throw new IllegalStateException("a transactional batch needs a producer id");
        }
        if (producerId != NO_PRODUCER_ID && (producerEpoch < 0 || baseSequence < 0)) {
            throw new IllegalStateException("producer id " + producerId + " needs a producer epoch and base sequence"
                    + " (got epoch " + producerEpoch + ", base sequence " + baseSequence + ")");
        }
    }

    private void write(final ByteBuffer dst, final int at) {
        int attributes = 0;
        if (timestampType == TimestampType.LOG_APPEND_TIME) {
            attributes |= TIMESTAMP_TYPE_MASK;
        }
        if (transactional) {
            attributes |= TRANSACTIONAL_FLAG_MASK;
        }
        dst.putLong(at + BASE_OFFSET_OFFSET, baseOffset);
        dst.putInt(at + BATCH_LENGTH_OFFSET, sizeInBytes() - LOG_OVERHEAD);
        dst.putInt(at + PARTITION_LEADER_EPOCH_OFFSET, partitionLeaderEpoch);
        dst.put(at + MAGIC_OFFSET, MAGIC_V2);
        dst.putInt(at + CRC_OFFSET, 0);
        dst.putShort(at + ATTRIBUTES_OFFSET, (short) attributes);
        dst.putInt(at + LAST_OFFSET_DELTA_OFFSET, recordCount - 1);
        dst.putLong(at + BASE_TIMESTAMP_OFFSET, baseTimestamp);
        dst.putLong(at + MAX_TIMESTAMP_OFFSET, maxTimestamp);
        dst.putLong(at + PRODUCER_ID_OFFSET, producerId);
        dst.putShort(at + PRODUCER_EPOCH_OFFSET, producerEpoch);
        dst.putInt(at + BASE_SEQUENCE_OFFSET, baseSequence);
        dst.putInt(at + RECORD_COUNT_OFFSET, recordCount);
        dst.put(at + RECORDS_OFFSET, records, 0, recordsSize);
        final long checksum = scratch.wrap(dst, at).computeChecksum(crc);
        dst.putInt(at + CRC_OFFSET, (int) checksum);
        scratch.wrap(null, 0);
    }

    private void ensureCapacity(final int needed) {
        if (needed > records.capacity()) {
            final int grown = (int) Math.min(MAX_BATCH_SIZE, Math.max((long) records.capacity() * 2, needed));
            final ByteBuffer bigger = ByteBuffer.allocate(grown);
            bigger.put(0, records, 0, recordsSize);
            records = bigger;
        }
    }

    private static int putBytes(final ByteBuffer dst, final int at, final ByteBuffer src, final int length) {
        final int p = at + Varint.putVarint(dst, at, length);
        if (length > 0) {
            dst.put(p, src, src.position(), length);
        }
        return p + Math.max(length, 0);
    }
}
