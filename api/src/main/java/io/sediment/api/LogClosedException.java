package io.sediment.api;

/** The log (or its engine) was closed or deleted before or during the call: NOT_LEADER_OR_FOLLOWER on the wire, so clients refresh metadata and retry. */
public final class LogClosedException extends SedimentException {
    private final TopicPartition topicPartition;

    public LogClosedException(final TopicPartition topicPartition) {
        super("log " + topicPartition + " is closed");
        this.topicPartition = topicPartition;
    }

    public TopicPartition topicPartition() {
        return topicPartition;
    }
}
