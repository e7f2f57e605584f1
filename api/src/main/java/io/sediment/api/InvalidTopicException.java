package io.sediment.api;

/** A topic name or partition number that is not legal by Kafka's rules (so no name can reach outside the data directory): INVALID_TOPIC_EXCEPTION. */
public final class InvalidTopicException extends SedimentException {
    private final String name;

    public InvalidTopicException(final String name, final String reason) {
        super("invalid topic name '" + name + "': " + reason);
        this.name = name;
    }

    public String name() {
        return name;
    }
}
