package io.sediment.api;

/** A read or seek asked for an offset outside {@code [logStartOffset, logEndOffset]}: Kafka's OFFSET_OUT_OF_RANGE. */
public final class OffsetOutOfRangeException extends SedimentException {
    private final TopicPartition topicPartition;
    private final long offset;
    private final long logStartOffset;
    private final long logEndOffset;

    public OffsetOutOfRangeException(final TopicPartition topicPartition, final long offset, final long logStartOffset,
                                     final long logEndOffset) {
        super("offset " + offset + " is out of range for " + topicPartition + ": the log holds ["
                + logStartOffset + ", " + logEndOffset + ")");
        this.topicPartition = topicPartition;
        this.offset = offset;
        this.logStartOffset = logStartOffset;
        this.logEndOffset = logEndOffset;
    }

    public TopicPartition topicPartition() {
        return topicPartition;
    }

    public long offset() {
        return offset;
    }

    public long logStartOffset() {
        return logStartOffset;
    }

    public long logEndOffset() {
        return logEndOffset;
    }
}
