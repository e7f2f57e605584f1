package io.sediment.api;

import io.sediment.api.record.TimestampType;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * A log's settings, under Kafka's topic-level keys and with Kafka's defaults. Immutable; change a live log's
 * settings by handing it a new instance ({@link Log#updateConfig}).
 *
 * <p>{@code flush.messages} and {@code flush.ms} default to {@link Long#MAX_VALUE}, which is Kafka's way of saying
 * "unset": durability is left to the page cache and replication (here: to an explicit {@link Log#flush()}).
 */
public record LogConfig(
        int segmentBytes,
        long segmentMs,
        int segmentIndexBytes,
        int indexIntervalBytes,
        long retentionMs,
        long retentionBytes,
        long flushMessages,
        long flushMs,
        long fileDeleteDelayMs,
        int maxMessageBytes,
        TimestampType timestampType) {

    public static final String SEGMENT_BYTES = "segment.bytes";
    public static final String SEGMENT_MS = "segment.ms";
    public static final String SEGMENT_INDEX_BYTES = "segment.index.bytes";
    public static final String INDEX_INTERVAL_BYTES = "index.interval.bytes";
    public static final String RETENTION_MS = "retention.ms";
    public static final String RETENTION_BYTES = "retention.bytes";
    public static final String FLUSH_MESSAGES = "flush.messages";
    public static final String FLUSH_MS = "flush.ms";
    public static final String FILE_DELETE_DELAY_MS = "file.delete.delay.ms";
    public static final String MAX_MESSAGE_BYTES = "max.message.bytes";
    public static final String MESSAGE_TIMESTAMP_TYPE = "message.timestamp.type";

    /** Every topic-level key this class understands, in a stable order. */
    public static final List<String> KEYS = List.of(SEGMENT_BYTES, SEGMENT_MS, SEGMENT_INDEX_BYTES,
            INDEX_INTERVAL_BYTES, RETENTION_MS, RETENTION_BYTES, FLUSH_MESSAGES, FLUSH_MS, FILE_DELETE_DELAY_MS,
            MAX_MESSAGE_BYTES, MESSAGE_TIMESTAMP_TYPE);

    /**
     * Broker-level ({@code server.properties}) key for each topic-level key, as Kafka names them. Kafka also has
     * {@code log.roll.hours}, {@code log.retention.hours} and {@code log.retention.minutes}: {@link #fromBrokerProperties}
     * reads those too, with the {@code .ms} form winning.
     */
    public static final Map<String, String> BROKER_KEYS;

    static {
        final Map<String, String> m = new LinkedHashMap<>();
        m.put(SEGMENT_BYTES, "log.segment.bytes");
        m.put(SEGMENT_MS, "log.roll.ms");
        m.put(SEGMENT_INDEX_BYTES, "log.index.size.max.bytes");
        m.put(INDEX_INTERVAL_BYTES, "log.index.interval.bytes");
        m.put(RETENTION_MS, "log.retention.ms");
        m.put(RETENTION_BYTES, "log.retention.bytes");
        m.put(FLUSH_MESSAGES, "log.flush.interval.messages");
        m.put(FLUSH_MS, "log.flush.interval.ms");
        m.put(FILE_DELETE_DELAY_MS, "log.segment.delete.delay.ms");
        m.put(MAX_MESSAGE_BYTES, "message.max.bytes");
        m.put(MESSAGE_TIMESTAMP_TYPE, "log.message.timestamp.type");
        BROKER_KEYS = Collections.unmodifiableMap(m);
    }

    /**
     * The smallest {@code segment.bytes} Apache Kafka 4.x accepts for a topic (1 MiB). An embedded log may use
     * smaller segments (down to 14 bytes, Kafka's old bound, which tests rely on); the broker refuses anything below
     * this so that a topic config valid here is valid on a Kafka cluster too.
     */
    public static final int KAFKA_MIN_SEGMENT_BYTES = 1024 * 1024;

    /** Kafka's defaults. */
    public static final LogConfig DEFAULTS = new LogConfig(1024 * 1024 * 1024, 7L * 24 * 60 * 60 * 1000,
            10 * 1024 * 1024, 4096, 7L * 24 * 60 * 60 * 1000, -1L, Long.MAX_VALUE, Long.MAX_VALUE, 60_000L,
            1024 * 1024 + 12, TimestampType.CREATE_TIME);

    public LogConfig {
        atLeast(SEGMENT_BYTES, segmentBytes, 14);
        atLeast(SEGMENT_MS, segmentMs, 1);
        atLeast(SEGMENT_INDEX_BYTES, segmentIndexBytes, 4);
        atLeast(INDEX_INTERVAL_BYTES, indexIntervalBytes, 0);
        atLeast(RETENTION_MS, retentionMs, -1);
        // Kafka puts no bound on retention.bytes: any negative value means unlimited.
        atLeast(FLUSH_MESSAGES, flushMessages, 1);
        atLeast(FLUSH_MS, flushMs, 0);
        atLeast(FILE_DELETE_DELAY_MS, fileDeleteDelayMs, 0);
        atLeast(MAX_MESSAGE_BYTES, maxMessageBytes, 0);
        if (timestampType == null) {
            throw new InvalidConfigException(MESSAGE_TIMESTAMP_TYPE, null, "must be CreateTime or LogAppendTime");
        }
    }

    /**
     * Kafka's defaults overridden by {@code overrides} (topic-level keys; values as strings or numbers).
     *
     * @throws InvalidConfigException naming the key and the value when a key is unknown or a value is not legal
     */
    public static LogConfig from(final Map<String, ?> overrides) {
        return DEFAULTS.with(overrides);
    }

    /** This config with {@code overrides} applied on top; same rules as {@link #from}. */
    public LogConfig with(final Map<String, ?> overrides) {
        final Map<String, Object> values = new LinkedHashMap<>(toMap());
        for (Map.Entry<String, ?> e : overrides.entrySet()) {
            if (!values.containsKey(e.getKey())) {
                throw new InvalidConfigException(e.getKey(), e.getValue(), "unknown log configuration key (known: "
                        + String.join(", ", KEYS) + ")");
            }
            values.put(e.getKey(), e.getValue());
        }
        return new LogConfig(
                toInt(SEGMENT_BYTES, values.get(SEGMENT_BYTES)),
                toLong(SEGMENT_MS, values.get(SEGMENT_MS)),
                toInt(SEGMENT_INDEX_BYTES, values.get(SEGMENT_INDEX_BYTES)),
                toInt(INDEX_INTERVAL_BYTES, values.get(INDEX_INTERVAL_BYTES)),
                toLong(RETENTION_MS, values.get(RETENTION_MS)),
                toLong(RETENTION_BYTES, values.get(RETENTION_BYTES)),
                toLong(FLUSH_MESSAGES, values.get(FLUSH_MESSAGES)),
                toLong(FLUSH_MS, values.get(FLUSH_MS)),
                toLong(FILE_DELETE_DELAY_MS, values.get(FILE_DELETE_DELAY_MS)),
                toInt(MAX_MESSAGE_BYTES, values.get(MAX_MESSAGE_BYTES)),
                toTimestampType(values.get(MESSAGE_TIMESTAMP_TYPE)));
    }

    /**
     * Reads the broker-level forms of the keys ({@code log.segment.bytes}, {@code log.retention.hours}, ...) from
     * {@code server.properties}; keys that are absent keep Kafka's defaults.
     */
    public static LogConfig fromBrokerProperties(final Properties props) {
        final Map<String, Object> overrides = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : BROKER_KEYS.entrySet()) {
            final String v = props.getProperty(e.getValue());
            if (v != null) {
                overrides.put(e.getKey(), v.trim());
            }
        }
        if (!overrides.containsKey(FLUSH_MS) && props.getProperty("log.flush.scheduler.interval.ms") != null) {
            // Kafka's log.flush.interval.ms defaults to the scheduler interval when unset.
            overrides.put(FLUSH_MS, props.getProperty("log.flush.scheduler.interval.ms").trim());
        }
        if (!overrides.containsKey(SEGMENT_MS) && props.getProperty("log.roll.hours") != null) {
            overrides.put(SEGMENT_MS, hoursToMs("log.roll.hours", props.getProperty("log.roll.hours")));
        }
        if (!overrides.containsKey(RETENTION_MS)) {
            final String minutes = props.getProperty("log.retention.minutes");
            final String hours = props.getProperty("log.retention.hours");
            if (minutes != null) {
                final long m = toLong("log.retention.minutes", minutes.trim());
                overrides.put(RETENTION_MS, m < 0 ? -1L : m * 60_000L);
            } else if (hours != null) {
                overrides.put(RETENTION_MS, hoursToMs("log.retention.hours", hours));
            }
        }
        return from(overrides);
    }

    /** Every key with its value, as strings and numbers, in {@link #KEYS} order. */
    public Map<String, Object> toMap() {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put(SEGMENT_BYTES, segmentBytes);
        m.put(SEGMENT_MS, segmentMs);
        m.put(SEGMENT_INDEX_BYTES, segmentIndexBytes);
        m.put(INDEX_INTERVAL_BYTES, indexIntervalBytes);
        m.put(RETENTION_MS, retentionMs);
        m.put(RETENTION_BYTES, retentionBytes);
        m.put(FLUSH_MESSAGES, flushMessages);
        m.put(FLUSH_MS, flushMs);
        m.put(FILE_DELETE_DELAY_MS, fileDeleteDelayMs);
        m.put(MAX_MESSAGE_BYTES, maxMessageBytes);
        m.put(MESSAGE_TIMESTAMP_TYPE, timestampType.configName());
        return m;
    }

    private static long hoursToMs(final String key, final String value) {
        final long h = toLong(key, value.trim());
        return h < 0 ? -1L : h * 60L * 60L * 1000L;
    }

    private static void atLeast(final String key, final long value, final long min) {
        if (value < min) {
            throw new InvalidConfigException(key, value, "Value must be at least " + min);
        }
    }

    private static long toLong(final String key, final Object value) {
        if (value instanceof Number n) {
            return n.longValue();
        }
        try {
            return Long.parseLong(String.valueOf(value).trim());
        } catch (NumberFormatException e) {
            throw new InvalidConfigException(key, value, "Not a number of type LONG");
        }
    }

    private static int toInt(final String key, final Object value) {
        final long v;
        if (value instanceof Number n) {
            v = n.longValue();
        } else {
            try {
                v = Long.parseLong(String.valueOf(value).trim());
            } catch (NumberFormatException e) {
                throw new InvalidConfigException(key, value, "Not a number of type INT");
            }
        }
        if (v > Integer.MAX_VALUE || v < Integer.MIN_VALUE) {
            throw new InvalidConfigException(key, value, "Not a number of type INT");
        }
        return (int) v;
    }

    private static TimestampType toTimestampType(final Object value) {
        if (value instanceof TimestampType t) {
            return t;
        }
        try {
            return TimestampType.fromConfigName(String.valueOf(value).trim());
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigException(MESSAGE_TIMESTAMP_TYPE, value, "String must be one of: CreateTime, LogAppendTime");
        }
    }
}
