package io.sediment.api.record;

import io.sediment.api.CorruptRecordException;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static io.sediment.api.record.RecordBatchLayout.*;

/**
 * Walks the records of one uncompressed v2 batch in place, one at a time, allocating nothing: a reusable
 * flyweight you {@link #reset} onto a {@link RecordBatch} and advance with {@link #next()}.
 *
 * <pre>{@code
 * RecordCursor cursor = new RecordCursor();          // one per thread, reused
 * cursor.reset(batch, "segment 00000000000000000000.log");
 * while (cursor.next()) {
 *     long offset = cursor.offset();
 *     long ts = cursor.timestamp();
 *     int valuePosition = cursor.valuePosition();   // absolute index into batch.buffer()
 *     int valueLength = cursor.valueLength();       // -1 = null
 * }
 * }</pre>
 *
 * <p>Each record is checked in full when {@link #next()} reaches it (record layout in {@link RecordBatchLayout}):
 * every varint must end within {@link Varint#MAX_VARINT_BYTES}/{@link Varint#MAX_VARLONG_BYTES} bytes, every length
 * must stay inside the record, the fields must use exactly the record's declared length, and the batch's
 * {@code recordCount} records must use exactly the batch's bytes. Anything else throws
 * {@link CorruptRecordException} naming the source, the batch's position, the record's index and its byte offset
 * within the batch; the cursor never reads outside the batch or past the buffer's limit, so it never throws an
 * index or underflow exception on bad bytes. It does not check the CRC: that is {@link RecordBatch#validate}'s job.
 * Stricter than Kafka's reader in one respect: a key or value length below -1 is corrupt here, where Kafka
 * reads it as null.
 *
 * <p>Compressed batches cannot be walked: the engine stores them as they come and never decompresses, so
 * {@link #reset} throws {@link UnsupportedOperationException} for them.
 *
 * <p>Positions ({@code keyPosition()}, {@code valuePosition()}, ...) are absolute indexes into the batch's buffer
 * and stay meaningful until the buffer changes; the buffer's position and limit are never touched. Accessors of
 * the current record are defined only after {@link #next()} returned {@code true}. For a LogAppendTime batch every
 * record's {@link #timestamp()} is the batch's {@code maxTimestamp}, as in Kafka.
 *
 * <p>Not thread-safe: one cursor per thread. The convenience copies ({@link #keyBytes()}, {@link #headerKey()},
 * {@link #headers()}, ...) allocate and are meant for tools and tests, not hot paths.
 */
public final class RecordCursor {
    private static final Header[] NO_HEADERS = new Header[0];

    private final RecordBatch scratch = new RecordBatch();

    private ByteBuffer buffer;
    private String source;
    private int batchPosition;
    private int batchEnd;
    private long baseOffset;
    private long baseTimestamp;
    private long maxTimestamp;
    private boolean logAppendTime;
    private int baseSequence;
    private int recordCount;

    /** Records read so far; the current record's index is {@code recordsRead - 1}. */
    private int recordsRead;
    /** Where the next record starts. */
    private int nextPosition;

    private int recordPosition;
    private int recordSize;
    private byte attributes;
    private long timestampDelta;
    private int offsetDelta;
    private int keyPosition;
    private int keyLength;
    private int valuePosition;
    private int valueLength;
    private int headerCount;
    private int headersPosition;
    private int recordEnd;

    private int headersRead;
    private int nextHeaderPosition;
    private int headerKeyPosition;
    private int headerKeyLength;
    private int headerValuePosition;
    private int headerValueLength;

    /** Length in bytes of the varint the last {@link #readVarint}/{@link #readVarlong} decoded. */
    private int varintLength;

    public RecordCursor() {
    }

    /** {@link #reset(RecordBatch, String)} for the batch at absolute index {@code position} of {@code buffer}. */
    public RecordCursor reset(final ByteBuffer buffer, final int position, final String source) {
        return reset(scratch.wrap(buffer, position), source);
    }

    /** {@link #reset(RecordBatch, String)} with a generic source name. */
    public RecordCursor reset(final RecordBatch batch) {
        return reset(batch, "record batch");
    }

    /**
     * Points the cursor before the first record of {@code batch}. Reads the batch header once; the flyweight
     * {@code batch} may be re-wrapped afterwards.
     *
     * @param source names where the bytes come from, for error messages
     * @throws CorruptRecordException when the header is not that of a v2 batch that fits in the buffer
     * @throws UnsupportedOperationException when the batch is compressed
     */
    public RecordCursor reset(final RecordBatch batch, final String source) {
        // a reset that throws leaves an empty cursor behind, not the previous batch's state
        this.recordCount = 0;
        this.recordsRead = 0;
        this.nextPosition = 0;
        this.batchEnd = 0;
        this.buffer = batch.buffer();
        this.source = source;
        this.batchPosition = batch.offset();
        final int limit = buffer.limit();
        if (batchPosition < 0 || limit - batchPosition < HEADER_SIZE) {
            throw new CorruptRecordException(source, batchPosition, "batch header needs " + HEADER_SIZE
                    + " bytes but only " + (limit - batchPosition) + " remain in the buffer");
        }
        final byte magic = batch.magic();
        if (magic != MAGIC_V2) {
            throw new CorruptRecordException(source, batchPosition, "magic " + magic + " is not supported (only "
                    + MAGIC_V2 + ")");
        }
        final int batchLength = batch.batchLength();
        if (batchLength < HEADER_SIZE - LOG_OVERHEAD || batchLength > limit - batchPosition - LOG_OVERHEAD) {
            throw new CorruptRecordException(source, batchPosition, "batchLength " + batchLength
                    + " does not fit: at least " + (HEADER_SIZE - LOG_OVERHEAD) + " and at most "
                    + (limit - batchPosition - LOG_OVERHEAD) + " bytes are possible here");
        }
        if (batch.isCompressed()) {
            throw new UnsupportedOperationException(source + " at position " + batchPosition
                    + ": cannot iterate the records of a batch compressed with "
                    + compressionCodecName(batch.compressionCodec()) + "; the engine stores compressed batches as they"
                    + " come and never decompresses them");
        }
        final int count = batch.recordCount();
        if (count < 0) {
            throw new CorruptRecordException(source, batchPosition, "recordCount " + count + " is negative");
        }
        this.recordCount = count;
        this.batchEnd = batchPosition + LOG_OVERHEAD + batchLength;
        this.baseOffset = batch.baseOffset();
        this.baseTimestamp = batch.baseTimestamp();
        this.maxTimestamp = batch.maxTimestamp();
        this.logAppendTime = batch.timestampType() == TimestampType.LOG_APPEND_TIME;
        this.baseSequence = batch.baseSequence();
        this.recordsRead = 0;
        this.nextPosition = batchPosition + RECORDS_OFFSET;
        this.recordPosition = -1;
        return this;
    }

    /**
     * Moves to the next record.
     *
     * @return false when the batch's {@code recordCount} records have all been read
     * @throws CorruptRecordException when the record's bytes are malformed, or when the batch's bytes and its
     *                                {@code recordCount} disagree
     */
    public boolean next() {
        if (recordsRead == recordCount) {
            if (nextPosition != batchEnd) {
                throw corrupt(nextPosition, "recordCount is " + recordCount + " but " + (batchEnd - nextPosition)
                        + " bytes remain after the last record");
            }
            return false;
        }
        if (nextPosition >= batchEnd) {
            throw corrupt(nextPosition, "recordCount is " + recordCount + " but the batch's bytes end after "
                    + recordsRead + " records");
        }
        int p = nextPosition;
        final int bodyLength = readVarint(p, batchEnd, "record length");
        p += varintLength;
        if (bodyLength < 0 || bodyLength > batchEnd - p) {
            throw corrupt(nextPosition, "record length " + bodyLength + " does not fit in the " + (batchEnd - p)
                    + " bytes left in the batch");
        }
        final int end = p + bodyLength;
        if (p >= end) {
            throw corrupt(nextPosition, "record length 0 leaves no room for the attributes");
        }
        final byte attrs = buffer.get(p++);
        final long tsDelta = readVarlong(p, end, "timestampDelta");
        p += varintLength;
        final int offDelta = readVarint(p, end, "offsetDelta");
        p += varintLength;
        final int kLength = readVarint(p, end, "key length");
        p += varintLength;
        checkLength(kLength, -1, p, end, "key");
        final int kPosition = p;
        p += Math.max(kLength, 0);
        final int vLength = readVarint(p, end, "value length");
        p += varintLength;
        checkLength(vLength, -1, p, end, "value");
        final int vPosition = p;
        p += Math.max(vLength, 0);
        final int hCount = readVarint(p, end, "header count");
        p += varintLength;
        // a header takes at least two bytes (two one-byte lengths)
        if (hCount < 0 || hCount > (end - p) / 2) {
            throw corrupt(nextPosition, "header count " + hCount + " does not fit in the " + (end - p)
                    + " bytes left in the record");
        }
        final int hPosition = p;
        for (int h = 0; h < hCount; h++) {
            final int hkLength = readVarint(p, end, "header key length");
            p += varintLength;
            checkLength(hkLength, 0, p, end, "header key");
            p += hkLength;
            final int hvLength = readVarint(p, end, "header value length");
            p += varintLength;
            checkLength(hvLength, -1, p, end, "header value");
            p += Math.max(hvLength, 0);
        }
        if (p != end) {
            throw corrupt(nextPosition, "record length is " + bodyLength + " but its fields take "
                    + (bodyLength - (end - p)) + " bytes");
        }
        recordPosition = nextPosition;
        recordSize = end - nextPosition;
        attributes = attrs;
        timestampDelta = tsDelta;
        offsetDelta = offDelta;
        keyPosition = kPosition;
        keyLength = kLength;
        valuePosition = vPosition;
        valueLength = vLength;
        headerCount = hCount;
        headersPosition = hPosition;
        recordEnd = end;
        headersRead = 0;
        nextHeaderPosition = hPosition;
        nextPosition = end;
        recordsRead++;
        return true;
    }

    /** The batch's {@code recordCount}. */
    public int recordCount() {
        return recordCount;
    }

    /** Index of the current record within the batch, from 0. */
    public int recordIndex() {
        return recordsRead - 1;
    }

    /** Absolute index of the current record's first byte (its length varint). */
    public int position() {
        return recordPosition;
    }

    /** Bytes the current record takes, its length varint included. */
    public int sizeInBytes() {
        return recordSize;
    }

    /** The record's own attributes byte (unused by Kafka so far; 0). */
    public byte attributes() {
        return attributes;
    }

    public int offsetDelta() {
        return offsetDelta;
    }

    /** {@code baseOffset + offsetDelta}. */
    public long offset() {
        return baseOffset + offsetDelta;
    }

    public long timestampDelta() {
        return timestampDelta;
    }

    /** {@code baseTimestamp + timestampDelta}; the batch's {@code maxTimestamp} when the batch uses LogAppendTime. */
    public long timestamp() {
        return logAppendTime ? maxTimestamp : baseTimestamp + timestampDelta;
    }

    /** The record's producer sequence ({@code baseSequence + offsetDelta}, wrapping as Kafka's), or -1. */
    public int sequence() {
        if (baseSequence < 0) {
            return NO_SEQUENCE;
        }
        return baseSequence > Integer.MAX_VALUE - offsetDelta
                ? offsetDelta - (Integer.MAX_VALUE - baseSequence) - 1
                : baseSequence + offsetDelta;
    }

    /** Absolute index of the key's first byte (where it would be, when the key is null). */
    public int keyPosition() {
        return keyPosition;
    }

    /** Key length in bytes; -1 for a null key. */
    public int keyLength() {
        return keyLength;
    }

    public boolean hasKey() {
        return keyLength >= 0;
    }

    /** Absolute index of the value's first byte (where it would be, when the value is null). */
    public int valuePosition() {
        return valuePosition;
    }

    /** Value length in bytes; -1 for a null value. */
    public int valueLength() {
        return valueLength;
    }

    public boolean hasValue() {
        return valueLength >= 0;
    }

    /** A copy of the key, or null. Allocates. */
    public byte[] keyBytes() {
        return copy(keyPosition, keyLength);
    }

    /** A copy of the value, or null. Allocates. */
    public byte[] valueBytes() {
        return copy(valuePosition, valueLength);
    }

    /** A read-only view of the key (position 0), or null. Allocates the view, not the bytes. */
    public ByteBuffer keyBuffer() {
        return view(keyPosition, keyLength);
    }

    /** A read-only view of the value (position 0), or null. Allocates the view, not the bytes. */
    public ByteBuffer valueBuffer() {
        return view(valuePosition, valueLength);
    }

    public int headerCount() {
        return headerCount;
    }

    /**
     * Moves to the current record's next header; each {@link #next()} starts its record's headers afresh.
     *
     * @return false when the record has no more headers
     */
    public boolean nextHeader() {
        if (headersRead == headerCount) {
            return false;
        }
        int p = nextHeaderPosition;
        headerKeyLength = readVarint(p, recordEnd, "header key length");
        p += varintLength;
        headerKeyPosition = p;
        p += headerKeyLength;
        headerValueLength = readVarint(p, recordEnd, "header value length");
        p += varintLength;
        headerValuePosition = p;
        p += Math.max(headerValueLength, 0);
        nextHeaderPosition = p;
        headersRead++;
        return true;
    }

    /** Absolute index of the current header's key (UTF-8). */
    public int headerKeyPosition() {
        return headerKeyPosition;
    }

    public int headerKeyLength() {
        return headerKeyLength;
    }

    /** The current header's key, decoded from UTF-8. Allocates. */
    public String headerKey() {
        return utf8(headerKeyPosition, headerKeyLength);
    }

    /** Absolute index of the current header's value. */
    public int headerValuePosition() {
        return headerValuePosition;
    }

    /** The current header's value length; -1 for a null value. */
    public int headerValueLength() {
        return headerValueLength;
    }

    /** A copy of the current header's value, or null. Allocates. */
    public byte[] headerValueBytes() {
        return copy(headerValuePosition, headerValueLength);
    }

    /** Every header of the current record, copied; leaves {@link #nextHeader()}'s place alone. Allocates. */
    public Header[] headers() {
        if (headerCount == 0) {
            return NO_HEADERS;
        }
        final Header[] headers = new Header[headerCount];
        int p = headersPosition;
        for (int h = 0; h < headerCount; h++) {
            final int kLength = readVarint(p, recordEnd, "header key length");
            p += varintLength;
            final String key = utf8(p, kLength);
            p += kLength;
            final int vLength = readVarint(p, recordEnd, "header value length");
            p += varintLength;
            headers[h] = new Header(key, copy(p, vLength));
            p += Math.max(vLength, 0);
        }
        return headers;
    }

    @Override
    public String toString() {
        return "RecordCursor{source=" + source + ", batchPosition=" + batchPosition + ", record=" + recordIndex()
                + '/' + recordCount + '}';
    }

    private void checkLength(final int length, final int min, final int at, final int end, final String field) {
        if (length < min || length > end - at) {
            throw corrupt(nextPosition, field + " length " + length + " does not fit in the " + (end - at)
                    + " bytes left in the record");
        }
    }

    private int readVarint(final int at, final int limit, final String field) {
        final long packed = Varint.readVarint(buffer, at, limit);
        if (packed < 0) {
            throw badVarint(at, limit, field, (int) packed, Varint.MAX_VARINT_BYTES);
        }
        varintLength = Varint.packedLength(packed);
        return Varint.packedValue(packed);
    }

    private long readVarlong(final int at, final int limit, final String field) {
        final int n = Varint.encodedLength(buffer, at, limit, Varint.MAX_VARLONG_BYTES);
        if (n < 0) {
            throw badVarint(at, limit, field, n, Varint.MAX_VARLONG_BYTES);
        }
        varintLength = n;
        return Varint.getVarlong(buffer, at);
    }

    private CorruptRecordException badVarint(final int at, final int limit, final String field, final int result,
                                             final int maxBytes) {
        return corrupt(at, result == Varint.TRUNCATED
                ? field + " varint runs past the end of its record or batch (" + (limit - at) + " bytes left)"
                : field + " varint has not ended after " + maxBytes + " bytes");
    }

    private CorruptRecordException corrupt(final int at, final String reason) {
        return new CorruptRecordException(source, batchPosition, "record " + recordsRead + " of " + recordCount
                + ", byte " + (at - batchPosition) + " of the batch: " + reason);
    }

    private byte[] copy(final int position, final int length) {
        if (length < 0) {
            return null;
        }
        final byte[] bytes = new byte[length];
        buffer.get(position, bytes);
        return bytes;
    }

    private ByteBuffer view(final int position, final int length) {
        return length < 0 ? null : buffer.slice(position, length).asReadOnlyBuffer();
    }

    private String utf8(final int position, final int length) {
        if (buffer.hasArray()) {
            return new String(buffer.array(), buffer.arrayOffset() + position, length, StandardCharsets.UTF_8);
        }
        return new String(copy(position, length), StandardCharsets.UTF_8);
    }
}
