package io.sediment.broker;

import io.sediment.api.LogConfig;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResourceResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsSynonym;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigSource;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigType;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Describes topic and broker configs the way Kafka does, so {@code kafka-configs --describe} prints the same
 * things: each topic key with its effective value and where it came from ({@code DYNAMIC_TOPIC_CONFIG} for a topic
 * override, {@code STATIC_BROKER_CONFIG} for a {@code log.*} key in {@code server.properties},
 * {@code DEFAULT_CONFIG} otherwise) and, when asked, the synonyms in precedence order.
 *
 * <p>Threading: immutable, any thread.
 */
final class ConfigDescriber {
    private static final Map<String, ConfigType> TYPES = new LinkedHashMap<>();
    /** Broker-level synonyms of each topic key in Kafka's precedence order ({@code .ms} before minutes before hours). */
    private static final Map<String, List<String>> BROKER_SYNONYMS = new LinkedHashMap<>();

    static {
        TYPES.put(LogConfig.SEGMENT_BYTES, ConfigType.INT);
        TYPES.put(LogConfig.SEGMENT_MS, ConfigType.LONG);
        TYPES.put(LogConfig.SEGMENT_INDEX_BYTES, ConfigType.INT);
        TYPES.put(LogConfig.INDEX_INTERVAL_BYTES, ConfigType.INT);
        TYPES.put(LogConfig.RETENTION_MS, ConfigType.LONG);
        TYPES.put(LogConfig.RETENTION_BYTES, ConfigType.LONG);
        TYPES.put(LogConfig.FLUSH_MESSAGES, ConfigType.LONG);
        TYPES.put(LogConfig.FLUSH_MS, ConfigType.LONG);
        TYPES.put(LogConfig.FILE_DELETE_DELAY_MS, ConfigType.LONG);
        TYPES.put(LogConfig.MAX_MESSAGE_BYTES, ConfigType.INT);
        TYPES.put(LogConfig.MESSAGE_TIMESTAMP_TYPE, ConfigType.STRING);
        for (Map.Entry<String, String> e : LogConfig.BROKER_KEYS.entrySet()) {
            BROKER_SYNONYMS.put(e.getKey(), List.of(e.getValue()));
        }
        BROKER_SYNONYMS.put(LogConfig.RETENTION_MS, List.of("log.retention.ms", "log.retention.minutes", "log.retention.hours"));
        BROKER_SYNONYMS.put(LogConfig.SEGMENT_MS, List.of("log.roll.ms", "log.roll.hours"));
    }

    private final BrokerConfig broker;

    ConfigDescriber(final BrokerConfig broker) {
        this.broker = broker;
    }

    /** Every topic config of a topic with {@code overrides}, or only {@code keys} when not null. */
    List<DescribeConfigsResourceResult> topic(final Map<String, String> overrides, final List<String> keys,
                                              final boolean synonyms) {
        final Map<String, Object> effective = broker.defaultLogConfig.with(overrides).toMap();
        final List<DescribeConfigsResourceResult> out = new ArrayList<>();
        for (String key : LogConfig.KEYS) {
            if (keys != null && !keys.contains(key)) {
                continue;
            }
            final List<DescribeConfigsSynonym> syn = new ArrayList<>();
            if (overrides.containsKey(key)) {
                syn.add(synonym(key, overrides.get(key), ConfigSource.TOPIC_CONFIG));
            }
            for (String bk : BROKER_SYNONYMS.get(key)) {
                if (broker.isSet(bk)) {
                    syn.add(synonym(bk, broker.props.getProperty(bk), ConfigSource.STATIC_BROKER_CONFIG));
                }
            }
            syn.add(defaultSynonym(key));
            final ConfigSource source = ConfigSource.forId(syn.get(0).source());
            out.add(new DescribeConfigsResourceResult()
                    .setName(key)
                    .setValue(String.valueOf(effective.get(key)))
                    .setReadOnly(false)
                    .setConfigSource(source.id())
                    .setIsSensitive(false)
                    .setConfigType(TYPES.get(key).id())
                    .setSynonyms(synonyms ? syn : List.of()));
        }
        return out;
    }

    /** The broker's own configs: read-only here (no dynamic broker configs), from the file or Kafka's defaults. */
    List<DescribeConfigsResourceResult> broker(final List<String> keys, final boolean synonyms) {
        final Map<String, String> values = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : BrokerConfig.DEFAULTS.entrySet()) {
            values.put(e.getKey(), broker.get(e.getKey()));
        }
        final Map<String, Object> defaults = LogConfig.DEFAULTS.toMap();
        for (Map.Entry<String, String> e : LogConfig.BROKER_KEYS.entrySet()) {
            values.put(e.getValue(), broker.isSet(e.getValue()) ? broker.props.getProperty(e.getValue())
                    : String.valueOf(defaults.get(e.getKey())));
        }
        values.put("log.retention.hours", broker.isSet("log.retention.hours") ? broker.props.getProperty("log.retention.hours") : "168");
        values.put("log.roll.hours", broker.isSet("log.roll.hours") ? broker.props.getProperty("log.roll.hours") : "168");
        if (broker.isSet("log.retention.minutes")) {
            values.put("log.retention.minutes", broker.props.getProperty("log.retention.minutes"));
        }
        final List<DescribeConfigsResourceResult> out = new ArrayList<>();
        for (Map.Entry<String, String> e : values.entrySet()) {
            if (keys != null && !keys.contains(e.getKey())) {
                continue;
            }
            final ConfigSource source = broker.isSet(e.getKey()) ? ConfigSource.STATIC_BROKER_CONFIG : ConfigSource.DEFAULT_CONFIG;
            out.add(new DescribeConfigsResourceResult()
                    .setName(e.getKey())
                    .setValue(e.getValue())
                    .setReadOnly(true)
                    .setConfigSource(source.id())
                    .setIsSensitive(false)
                    .setConfigType(ConfigType.STRING.id())
                    .setSynonyms(synonyms ? List.of(synonym(e.getKey(), e.getValue(), source)) : List.of()));
        }
        return out;
    }

    static boolean isTopicKey(final String key) {
        return TYPES.containsKey(key);
    }

    private static DescribeConfigsSynonym defaultSynonym(final String key) {
        final Map<String, Object> d = LogConfig.DEFAULTS.toMap();
        if (key.equals(LogConfig.RETENTION_MS)) {
            return synonym("log.retention.hours", "168", ConfigSource.DEFAULT_CONFIG);
        }
        if (key.equals(LogConfig.SEGMENT_MS)) {
            return synonym("log.roll.hours", "168", ConfigSource.DEFAULT_CONFIG);
        }
        return synonym(LogConfig.BROKER_KEYS.get(key), String.valueOf(d.get(key)), ConfigSource.DEFAULT_CONFIG);
    }

    private static DescribeConfigsSynonym synonym(final String name, final String value, final ConfigSource source) {
        return new DescribeConfigsSynonym().setName(name).setValue(value).setSource(source.id());
    }
}
