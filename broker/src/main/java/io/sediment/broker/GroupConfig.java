package io.sediment.broker;

import io.sediment.api.InvalidConfigException;

/**
 * The group coordinator's settings, under Kafka's broker keys and with Kafka's defaults (see {@link BrokerConfig}
 * for where they are read from). Immutable.
 *
 * @param offsetsTopicPartitions       {@code offsets.topic.num.partitions}: partitions of {@code __consumer_offsets}
 *                                     when this broker creates it (an existing topic keeps its count)
 * @param offsetsTopicSegmentBytes     {@code offsets.topic.segment.bytes}
 * @param offsetsRetentionMs           {@code offsets.retention.minutes}, in ms: how long an empty group's offsets
 *                                     (or a standalone commit) are kept
 * @param offsetsRetentionCheckMs      {@code offsets.retention.check.interval.ms}
 * @param offsetMetadataMaxBytes       {@code offset.metadata.max.bytes}
 * @param initialRebalanceDelayMs      {@code group.initial.rebalance.delay.ms}
 * @param minSessionTimeoutMs          {@code group.min.session.timeout.ms}
 * @param maxSessionTimeoutMs          {@code group.max.session.timeout.ms}
 * @param maxGroupSize                 {@code group.max.size}
 */
record GroupConfig(int offsetsTopicPartitions, int offsetsTopicSegmentBytes, long offsetsRetentionMs,
                   long offsetsRetentionCheckMs, int offsetMetadataMaxBytes, int initialRebalanceDelayMs,
                   int minSessionTimeoutMs, int maxSessionTimeoutMs, int maxGroupSize) {
    static final String OFFSETS_TOPIC_PARTITIONS = "offsets.topic.num.partitions";
    static final String OFFSETS_TOPIC_SEGMENT_BYTES = "offsets.topic.segment.bytes";
    static final String OFFSETS_RETENTION_MINUTES = "offsets.retention.minutes";
    static final String OFFSETS_RETENTION_CHECK_INTERVAL_MS = "offsets.retention.check.interval.ms";
    static final String OFFSET_METADATA_MAX_BYTES = "offset.metadata.max.bytes";
    static final String INITIAL_REBALANCE_DELAY_MS = "group.initial.rebalance.delay.ms";
    static final String MIN_SESSION_TIMEOUT_MS = "group.min.session.timeout.ms";
    static final String MAX_SESSION_TIMEOUT_MS = "group.max.session.timeout.ms";
    static final String MAX_SIZE = "group.max.size";

    static GroupConfig from(final BrokerConfig broker) {
        final GroupConfig c = new GroupConfig(
                (int) value(broker, OFFSETS_TOPIC_PARTITIONS, 1, Integer.MAX_VALUE),
                (int) value(broker, OFFSETS_TOPIC_SEGMENT_BYTES, 1, Integer.MAX_VALUE),
                value(broker, OFFSETS_RETENTION_MINUTES, 1, Long.MAX_VALUE / 60_000) * 60_000,
                value(broker, OFFSETS_RETENTION_CHECK_INTERVAL_MS, 1, Long.MAX_VALUE),
                (int) value(broker, OFFSET_METADATA_MAX_BYTES, 0, Integer.MAX_VALUE),
                (int) value(broker, INITIAL_REBALANCE_DELAY_MS, 0, Integer.MAX_VALUE),
                (int) value(broker, MIN_SESSION_TIMEOUT_MS, 0, Integer.MAX_VALUE),
                (int) value(broker, MAX_SESSION_TIMEOUT_MS, 0, Integer.MAX_VALUE),
                (int) value(broker, MAX_SIZE, 1, Integer.MAX_VALUE));
        if (c.minSessionTimeoutMs > c.maxSessionTimeoutMs) {
            throw new InvalidConfigException(MIN_SESSION_TIMEOUT_MS, c.minSessionTimeoutMs,
                    "must not exceed " + MAX_SESSION_TIMEOUT_MS + "=" + c.maxSessionTimeoutMs);
        }
        return c;
    }

    private static long value(final BrokerConfig broker, final String key, final long min, final long max) {
        final String v = broker.get(key);
        final long parsed;
        try {
            parsed = Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new InvalidConfigException(key, v, "Not a number");
        }
        if (parsed < min || parsed > max) {
            throw new InvalidConfigException(key, v, "Value must be at least " + min);
        }
        return parsed;
    }
}
