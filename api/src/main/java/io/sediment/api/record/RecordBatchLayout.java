package io.sediment.api.record;

/**
 * Describes Kafka's record batch v2 layout (magic 2), the format every batch is stored in, byte for byte.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                     baseOffset (int64)                        |  0
 *  +---------------------------------------------------------------+
 *  |                     batchLength (int32)                       |  8  bytes after this field
 *  +---------------------------------------------------------------+
 *  |                 partitionLeaderEpoch (int32)                  | 12
 *  +---------------+-----------------------------------------------+
 *  | magic (int8)  |            crc (uint32, CRC-32C) ...          | 16, 17
 *  +---------------+-------------------------------+---------------+
 *  |   ... crc     |     attributes (int16)        |               | 21
 *  +---------------+-------------------------------+               |
 *  |                     lastOffsetDelta (int32)                   | 23
 *  |                     baseTimestamp (int64)                     | 27
 *  |                     maxTimestamp (int64)                      | 35
 *  |                     producerId (int64)                        | 43
 *  |                     producerEpoch (int16)                     | 51
 *  |                     baseSequence (int32)                      | 53
 *  |                     recordCount (int32)                       | 57
 *  |                     records ...                               | 61
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * All integers are big-endian. The CRC covers everything from {@code attributes} to the end of the batch, so
 * {@code baseOffset}, {@code batchLength}, {@code partitionLeaderEpoch} can be rewritten without recomputing it.
 * Attributes: bits 0-2 compression codec, bit 3 timestamp type (1 = LogAppendTime), bit 4 transactional,
 * bit 5 control, bit 6 delete horizon set.
 *
 * <p>Each record inside an uncompressed batch: length (varint), attributes (int8), timestampDelta (varlong),
 * offsetDelta (varint), keyLength (varint, -1 = null), key, valueLength (varint, -1 = null), value,
 * headerCount (varint), then per header: keyLength (varint), key (UTF-8), valueLength (varint, -1 = null), value.
 */
public final class RecordBatchLayout {
    public static final int BASE_OFFSET_OFFSET = 0;
    public static final int BATCH_LENGTH_OFFSET = 8;
    public static final int PARTITION_LEADER_EPOCH_OFFSET = 12;
    public static final int MAGIC_OFFSET = 16;
    public static final int CRC_OFFSET = 17;
    public static final int ATTRIBUTES_OFFSET = 21;
    public static final int LAST_OFFSET_DELTA_OFFSET = 23;
    public static final int BASE_TIMESTAMP_OFFSET = 27;
    public static final int MAX_TIMESTAMP_OFFSET = 35;
    public static final int PRODUCER_ID_OFFSET = 43;
    public static final int PRODUCER_EPOCH_OFFSET = 51;
    public static final int BASE_SEQUENCE_OFFSET = 53;
    public static final int RECORD_COUNT_OFFSET = 57;
    public static final int RECORDS_OFFSET = 61;

    /** Bytes before {@code batchLength} counts: baseOffset and batchLength themselves. */
    public static final int LOG_OVERHEAD = 12;
    /** Size of a batch with no records. */
    public static final int HEADER_SIZE = RECORDS_OFFSET;
    public static final byte MAGIC_V2 = 2;

    public static final int COMPRESSION_CODEC_MASK = 0x07;
    public static final int TIMESTAMP_TYPE_MASK = 0x08;
    public static final int TRANSACTIONAL_FLAG_MASK = 0x10;
    public static final int CONTROL_FLAG_MASK = 0x20;
    public static final int DELETE_HORIZON_FLAG_MASK = 0x40;

    /** Compression codec ids in the attributes' low three bits, as Kafka numbers them. */
    public static final int CODEC_NONE = 0;
    public static final int CODEC_GZIP = 1;
    public static final int CODEC_SNAPPY = 2;
    public static final int CODEC_LZ4 = 3;
    public static final int CODEC_ZSTD = 4;

    public static final long NO_TIMESTAMP = -1L;
    public static final long NO_PRODUCER_ID = -1L;
    public static final short NO_PRODUCER_EPOCH = -1;
    public static final int NO_SEQUENCE = -1;
    public static final int NO_PARTITION_LEADER_EPOCH = -1;

    private RecordBatchLayout() {
    }

    /**
     * The codec's name as Kafka spells it ({@code none}, {@code gzip}, {@code snappy}, {@code lz4}, {@code zstd}),
     * or {@code unknown(<id>)} for an id Kafka does not define.
     */
    public static String compressionCodecName(final int codec) {
        return switch (codec) {
            case CODEC_NONE -> "none";
            case CODEC_GZIP -> "gzip";
            case CODEC_SNAPPY -> "snappy";
            case CODEC_LZ4 -> "lz4";
            case CODEC_ZSTD -> "zstd";
            default -> "unknown(" + codec + ")";
        };
    }

    /** Total bytes of the batch whose {@code batchLength} field holds {@code batchLength}. */
    public static int sizeInBytes(final int batchLength) {
        return LOG_OVERHEAD + batchLength;
    }
}
