package io.sediment.api;

/** No log exists for the topic-partition: Kafka's UNKNOWN_TOPIC_OR_PARTITION. */
public final class UnknownLogException extends SedimentException {
    private final TopicPartition topicPartition;

    public UnknownLogException(final TopicPartition topicPartition) {
        super("no log for " + topicPartition);
        this.topicPartition = topicPartition;
    }

    public TopicPartition topicPartition() {
        return topicPartition;
    }
}
