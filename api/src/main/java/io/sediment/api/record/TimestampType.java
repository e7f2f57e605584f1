package io.sediment.api.record;

/** Which clock a batch's timestamps come from: the producer's ({@code CreateTime}) or the log's ({@code LogAppendTime}). */
public enum TimestampType {
    CREATE_TIME("CreateTime"),
    LOG_APPEND_TIME("LogAppendTime");

    private final String configName;

    TimestampType(final String configName) {
        this.configName = configName;
    }

    /** The value of {@code message.timestamp.type} that selects this type. */
    public String configName() {
        return configName;
    }

    public static TimestampType fromConfigName(final String name) {
        for (TimestampType t : values()) {
            if (t.configName.equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown timestamp type '" + name + "' (expected CreateTime or LogAppendTime)");
    }
}
