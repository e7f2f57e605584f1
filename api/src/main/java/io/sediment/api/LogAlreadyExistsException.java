package io.sediment.api;

/** A log for the topic-partition exists already: Kafka's TOPIC_ALREADY_EXISTS. */
public final class LogAlreadyExistsException extends SedimentException {
    private final TopicPartition topicPartition;

    public LogAlreadyExistsException(final TopicPartition topicPartition) {
        super("log " + topicPartition + " already exists");
        this.topicPartition = topicPartition;
    }

    public TopicPartition topicPartition() {
        return topicPartition;
    }
}
