package io.sediment.broker;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ProduceRequest;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A Produce request, versions 3–13, read in place: a cursor over the request frame that the handler walks topic by
 * topic and partition by partition, instead of kafka-clients' {@code ProduceRequestData} tree.
 *
 * <p>Why: after the response ({@link ProduceResponseWriter}), parsing was the largest part of what the broker
 * allocated per produce request (~450 B: the data tree, its linked collection, a {@code MemoryRecords} and a
 * buffer slice per partition, the request wrappers), and under the broker suite's uncollected heap that garbage is
 * resident memory. This reader allocates itself, a buffer view of each partition's records, and each topic's
 * name (up to v12) or id (v13+).
 *
 * <p>{@link #read} walks the whole body once and refuses what kafka-clients' generated parser refuses, with the same
 * limits (a string longer than 32767 bytes, an array longer than the bytes left or than 1,000,000 entries, more than
 * 10,000 tagged fields, a bad varint, a length past the end), so a malformed body still closes the connection before
 * anything is handled; {@code ProduceRequestReaderTest} pins both what is accepted and what is read to kafka-clients'
 * parser over random and damaged requests. Unknown tagged fields are skipped, as the generated parser keeps them
 * without meaning.
 *
 * <p>Layout (kafka-clients' {@code ProduceRequest.json}); from v9 (flexible) arrays and strings carry an unsigned
 * varint of length + 1 (0 for null) instead of an int32/int16 length, and each structure ends with tagged fields:
 * <pre>
 *   string? transactional id
 *   int16   acks
 *   int32   timeout ms
 *   array   topics
 *     string  name                                   v3–12
 *     uuid    topic id                               v13+
 *     array   partitions
 *       int32   index
 *       records? records (a length, then the record batches)
 *       [tags]                                       v9+
 *     [tags]                                         v9+
 *   [tags]                                           v9+
 * </pre>
 *
 * <p>The reader is a view of the connection's receive buffer, which the connection reuses for its next request only
 * once this one is answered: it is valid until then. {@link #data()} (what kafka-clients' {@code AbstractRequest}
 * offers: the error response, {@code toString}) parses the body with kafka-clients, once, when first asked. Not
 * thread-safe: the thread handling the request walks it.
 */
final class ProduceRequestReader extends AbstractRequest {
    static final short MIN_VERSION = 3;
    static final short MAX_VERSION = 13;
    private static final short FIRST_FLEXIBLE = 9;
    private static final short FIRST_WITH_TOPIC_ID = 13;
    /** kafka-clients' generated parsers' limits. */
    private static final int MAX_STRING_LENGTH = 0x7fff;
    private static final int MAX_ARRAY_LENGTH = 1_000_000;
    private static final int MAX_TAGGED_FIELDS = 10_000;

    /** The body, from its first byte (index 0) to the end of the frame. */
    private final ByteBuffer body;
    private final boolean flexible;
    private final short acks;
    private final int timeoutMs;
    private final int topicsStart;
    private final int topicCount;
    private final int partitionCount;
    private final int topicNameBytes;
    private ProduceRequest parsed;

    /** Where the next unread byte of the walk is. */
    private int cursor;
    private int topicsLeft;
    private boolean inTopic;
    private int partitionsLeft;
    private String topicName;
    private Uuid topicId;
    private int topicPartitions;
    private int partitionIndex;
    /** The current partition's records, or null. */
    private ByteBuffer records;

    private ProduceRequestReader(final ByteBuffer body, final short version) {
        super(ApiKeys.PRODUCE, version);
        this.body = body;
        this.flexible = version >= FIRST_FLEXIBLE;
        cursor = 0;
        final int transactionalIdLength = stringLength();
        if (transactionalIdLength >= 0) {
            skip(transactionalIdLength);
        }
        acks = body.getShort(take(2));
        timeoutMs = body.getInt(take(4));
        topicsStart = cursor;
        topicCount = arrayLength("topicData");
        int partitions = 0;
        int nameBytes = 0;
        for (int t = 0; t < topicCount; t++) {
            if (version < FIRST_WITH_TOPIC_ID) {
                final int length = stringLength();
                if (length < 0) {
                    throw new InvalidRequestException("non-nullable field name was serialized as null");
                }
                skip(length);
                nameBytes += length;
            } else {
                skip(16);
            }
            final int count = arrayLength("partitionData");
            partitions += count;
            for (int p = 0; p < count; p++) {
                skip(4);
                final int length = flexible ? unsignedVarint() - 1 : body.getInt(take(4));
                if (length >= 0) {
                    skip(length);
                }
                skipTaggedFields();
            }
            skipTaggedFields();
        }
        skipTaggedFields();
        partitionCount = partitions;
        topicNameBytes = nameBytes;
        rewind();
    }

    /**
     * Reads the Produce request body that starts at {@code frame}'s position, at {@code version} (within
     * [{@link #MIN_VERSION}, {@link #MAX_VERSION}]), checking all of it.
     *
     * @throws RuntimeException when the body does not parse as kafka-clients would parse it
     */
    static ProduceRequestReader read(final ByteBuffer frame, final short version) {
        if (version < MIN_VERSION || version > MAX_VERSION) {
            throw new InvalidRequestException("Produce version " + version + " is outside [" + MIN_VERSION + ", "
                    + MAX_VERSION + "]");
        }
        return new ProduceRequestReader(frame.slice(), version);
    }

    short acks() {
        return acks;
    }

    int timeoutMs() {
        return timeoutMs;
    }

    int topicCount() {
        return topicCount;
    }

    /** Partitions over all topics. */
    int partitionCount() {
        return partitionCount;
    }

    /** Bytes of all topic names as the request carried them (UTF-8; none from v13, where topics go by id). */
    int topicNameBytes() {
        return topicNameBytes;
    }

    /** Moves to the first topic again. */
    void rewind() {
        cursor = topicsStart;
        arrayLength("topicData");
        topicsLeft = topicCount;
        partitionsLeft = 0;
        inTopic = false;
    }

    /** Moves to the next topic (skipping what is left of this one's partitions); false when there is none. */
    boolean nextTopic() {
        while (nextPartition()) {
            // skipped
        }
        if (inTopic) {
            skipTaggedFields(); // the previous topic's
            inTopic = false;
        }
        if (topicsLeft == 0) {
            return false;
        }
        topicsLeft--;
        if (version() < FIRST_WITH_TOPIC_ID) {
            final int length = stringLength();
            topicName = utf8(take(length), length);
            topicId = Uuid.ZERO_UUID;
        } else {
            topicName = "";
            topicId = new Uuid(body.getLong(take(8)), body.getLong(take(8)));
        }
        topicPartitions = arrayLength("partitionData");
        partitionsLeft = topicPartitions;
        inTopic = true;
        return true;
    }

    /** The current topic's name (up to v12; empty from v13). */
    String topicName() {
        return topicName;
    }

    /** The current topic's id (from v13; zero before). */
    Uuid topicId() {
        return topicId;
    }

    /** The current topic's partition count. */
    int topicPartitions() {
        return topicPartitions;
    }

    /** Moves to the current topic's next partition; false when there is none. */
    boolean nextPartition() {
        if (partitionsLeft == 0) {
            return false;
        }
        partitionsLeft--;
        partitionIndex = body.getInt(take(4));
        final int length = flexible ? unsignedVarint() - 1 : body.getInt(take(4));
        // A slice of its own, as kafka-clients' parser gives: the engine's errors name positions from its start.
        records = length < 0 ? null : body.slice(take(length), length);
        skipTaggedFields();
        return true;
    }

    int partitionIndex() {
        return partitionIndex;
    }

    /** The current partition's record batches (a view of the request frame), or null when the request had none. */
    ByteBuffer records() {
        return records;
    }

    /** kafka-clients' tree of this request, parsed from the frame when first asked for (error responses). */
    @Override
    public ProduceRequestData data() {
        return parsed().data();
    }

    @Override
    public AbstractResponse getErrorResponse(final int throttleTimeMs, final Throwable e) {
        return parsed().getErrorResponse(throttleTimeMs, e);
    }

    private ProduceRequest parsed() {
        if (parsed == null) {
            parsed = ProduceRequest.parse(new ByteBufferAccessor(body.duplicate().clear()), version());
        }
        return parsed;
    }

    /** A string's length as its prefix gives it, checked as kafka-clients does; negative for null. */
    private int stringLength() {
        final int length = flexible ? unsignedVarint() - 1 : body.getShort(take(2));
        if (length > MAX_STRING_LENGTH) {
            throw new InvalidRequestException("string field had length " + length + ", which is longer than "
                    + MAX_STRING_LENGTH);
        }
        return length;
    }

    private int arrayLength(final String field) {
        final int length = flexible ? unsignedVarint() - 1 : body.getInt(take(4));
        if (length < 0) {
            throw new InvalidRequestException("non-nullable field " + field + " was serialized as null");
        }
        if (length > body.limit() - cursor) {
            throw new InvalidRequestException("Tried to allocate a collection of size " + length
                    + ", but there are only " + (body.limit() - cursor) + " bytes remaining.");
        }
        if (length > MAX_ARRAY_LENGTH) {
            throw new InvalidRequestException("Tried to allocate a collection of size " + length
                    + ", which is more than " + MAX_ARRAY_LENGTH);
        }
        return length;
    }

    private void skipTaggedFields() {
        if (!flexible) {
            return;
        }
        final int count = unsignedVarint();
        if (count < 0 || count > body.limit() - cursor || count > MAX_TAGGED_FIELDS) {
            throw new InvalidRequestException("tagged fields: bad count " + count);
        }
        for (int i = 0; i < count; i++) {
            unsignedVarint(); // the tag: none is known in a Produce request, all are skipped
            skip(unsignedVarint());
        }
    }

    /** An unsigned varint, as kafka-clients' {@code ByteUtils.readUnsignedVarint}: at most 5 bytes. */
    private int unsignedVarint() {
        int b = body.get(take(1));
        if (b >= 0) {
            return b;
        }
        int value = b & 0x7f;
        for (int shift = 7; shift < 28; shift += 7) {
            b = body.get(take(1));
            if (b >= 0) {
                return value | b << shift;
            }
            value |= (b & 0x7f) << shift;
        }
        b = body.get(take(1));
        value |= b << 28;
        if (b < 0) {
            throw new InvalidRequestException("varint is too long, the most significant bit in the 5th byte is set,"
                    + " converted value: " + Integer.toHexString(value));
        }
        return value;
    }

    private void skip(final int length) {
        take(length);
    }

    /** Consumes {@code length} bytes and returns where they start; throws when fewer are left. */
    private int take(final int length) {
        final int start = cursor;
        if (length < 0 || length > body.limit() - start) {
            throw new InvalidRequestException("need " + length + " bytes at " + start + " of a " + body.limit()
                    + "-byte Produce request body");
        }
        cursor = start + length;
        return start;
    }

    /** As kafka-clients' {@code readString}: {@code new String(bytes, UTF_8)}, without copying ASCII twice. */
    private String utf8(final int start, final int length) {
        if (body.hasArray()) {
            return new String(body.array(), body.arrayOffset() + start, length, StandardCharsets.UTF_8);
        }
        final byte[] bytes = new byte[length];
        body.get(start, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
