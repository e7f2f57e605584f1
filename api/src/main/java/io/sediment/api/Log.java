package io.sediment.api;

import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * One partition's log: an append-only sequence of record batches with dense offsets starting at
 * {@link #logStartOffset()} and ending before {@link #logEndOffset()}.
 *
 * <p>Threading: {@link #append}, {@link #flush}, {@link #updateConfig}, {@link #deleteRecordsBefore},
 * {@link #roll} and {@link #close} are writer calls; an implementation serialises them (one writer at a time),
 * so callers on several threads are safe but take turns. {@link #read}, {@link #offsetForTimestamp} and every
 * accessor are lock-free and may be called from any thread, concurrently with the writer: a reader sees a
 * batch completely or not at all.
 */
public interface Log extends AutoCloseable {
    TopicPartition topicPartition();

    LogConfig config();

    /** Replaces the log's settings; appends, rolls, flushes and retention passes after this call use them. */
    void updateConfig(LogConfig config);

    /**
     * Appends one or more v2 record batches laid end to end in {@code batches} (position to limit), after
     * validating each (size, magic, CRC, counts). Offsets are assigned by rewriting each batch's
     * {@code baseOffset} <em>in the caller's buffer</em>, and the bytes are stored as they then are: records are
     * never re-encoded. If any batch is invalid, nothing is appended (the batches before it may already carry
     * offsets in the caller's buffer; a retry assigns them again).
     *
     * @throws CorruptRecordException when a batch is torn or its CRC or magic is wrong
     * @throws InvalidRecordException when a batch is well formed but not appendable
     * @throws RecordTooLargeException when a batch exceeds {@code max.message.bytes}
     * @throws LogClosedException when the log is closed
     */
    AppendResult append(ByteBuffer batches);

    /**
     * Reads whole batches starting with the one that holds {@code offset}, up to {@code maxBytes}, but always at
     * least one whole batch if there is one, however large (as Kafka does). Reading at the log end offset returns
     * an empty slice. Close the slice when done with it.
     *
     * @throws OffsetOutOfRangeException when {@code offset} is below the log start offset or above the log end offset
     */
    LogSlice read(long offset, int maxBytes);

    /**
     * The first record whose timestamp is at or after {@code timestamp}, with its timestamp; empty when no record
     * is that late. Never answers below the log start offset. For a compressed batch the answer is the batch's first
     * offset (records are not decompressed), which is at or before the exact record.
     */
    Optional<TimestampedOffset> offsetForTimestamp(long timestamp);

    /** The record with the largest timestamp (the first such), as ListOffsets MAX_TIMESTAMP answers; empty when empty. */
    Optional<TimestampedOffset> offsetOfMaxTimestamp();

    long logStartOffset();

    long logEndOffset();

    /**
     * Makes every record below {@code offset} unreadable at once and durable as the new log start offset
     * ({@code -1} means the log end offset). Whole segments below it are deleted by the next retention pass.
     *
     * @return the new log start offset (the low watermark)
     * @throws OffsetOutOfRangeException when {@code offset} is above the log end offset or below -1
     */
    long deleteRecordsBefore(long offset);

    /** Closes the active segment and starts a new one at the log end offset, whatever its size. */
    void roll();

    /** Forces every appended byte and index entry to stable storage and advances the recovery point. */
    void flush();

    /** Bytes stored in all segments. */
    long sizeInBytes();

    int segmentCount();

    /** Counters an embedder may read: what retention and deleteRecords removed. */
    LogStats stats();

    /** Flushes and releases the log's files. Idempotent. Slices still open stay valid until they are closed. */
    @Override
    void close();
}
