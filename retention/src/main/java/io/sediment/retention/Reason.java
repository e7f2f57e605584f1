package io.sediment.retention;

/** Why a retention pass deletes segments (for logs and metrics). */
public enum Reason {
    /** Nothing is deleted. */
    NONE,
    /** Every record in the segment is older than {@code retention.ms}. */
    RETENTION_MS,
    /** The log stays at or above {@code retention.bytes} without the segment. */
    RETENTION_BYTES,
    /** The whole segment lies below the log start offset (after {@code deleteRecords}). */
    LOG_START_OFFSET
}
