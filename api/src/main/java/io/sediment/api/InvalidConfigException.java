package io.sediment.api;

/** A config key with a value it cannot take, or a key that does not exist: Kafka's INVALID_CONFIG. */
public final class InvalidConfigException extends SedimentException {
    private final String key;
    private final Object value;

    public InvalidConfigException(final String key, final Object value, final String reason) {
        super("Invalid value " + value + " for configuration " + key + ": " + reason);
        this.key = key;
        this.value = value;
    }

    public String key() {
        return key;
    }

    public Object value() {
        return value;
    }
}
