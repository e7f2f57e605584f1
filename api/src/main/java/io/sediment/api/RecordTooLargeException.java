package io.sediment.api;

/** A batch larger than {@code max.message.bytes}: Kafka's MESSAGE_TOO_LARGE. */
public final class RecordTooLargeException extends SedimentException {
    private final TopicPartition topicPartition;
    private final int size;
    private final int maxSize;

    public RecordTooLargeException(final TopicPartition topicPartition, final int size, final int maxSize) {
        super("batch of " + size + " bytes for " + topicPartition + " exceeds max.message.bytes " + maxSize);
        this.topicPartition = topicPartition;
        this.size = size;
        this.maxSize = maxSize;
    }

    public TopicPartition topicPartition() {
        return topicPartition;
    }

    public int size() {
        return size;
    }

    public int maxSize() {
        return maxSize;
    }
}
