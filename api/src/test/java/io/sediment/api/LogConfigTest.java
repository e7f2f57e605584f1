package io.sediment.api;

import io.sediment.api.record.TimestampType;
import org.apache.kafka.server.config.ConfigSynonym;
import org.apache.kafka.server.config.ServerTopicConfigSynonyms;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.*;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

class LogConfigTest {

    @Test
    void defaultsAreKafkasOwnTopicDefaults() {
        final Map<String, Object> ours = LogConfig.DEFAULTS.toMap();
        for (String key : LogConfig.KEYS) {
            final Object kafka = org.apache.kafka.storage.internals.log.LogConfig.configKeys().get(key).defaultValue;
            assertEquals(String.valueOf(kafka), String.valueOf(ours.get(key)), key);
        }
        assertEquals(1024 * 1024 * 1024, LogConfig.DEFAULTS.segmentBytes());
        assertEquals(7L * 24 * 3600 * 1000, LogConfig.DEFAULTS.retentionMs());
        assertEquals(-1L, LogConfig.DEFAULTS.retentionBytes());
        assertEquals(1_048_588, LogConfig.DEFAULTS.maxMessageBytes());
        assertEquals(TimestampType.CREATE_TIME, LogConfig.DEFAULTS.timestampType());
    }

    @Test
    void keysAndBrokerKeysAreKafkasNames() {
        for (String key : LogConfig.KEYS) {
            assertTrue(org.apache.kafka.storage.internals.log.LogConfig.configNames().contains(key), key);
            final List<ConfigSynonym> synonyms = ServerTopicConfigSynonyms.ALL_TOPIC_CONFIG_SYNONYMS.get(key);
            assertEquals(synonyms.get(0).name(), LogConfig.BROKER_KEYS.get(key), key);
        }
        assertEquals(LogConfig.KEYS, List.copyOf(LogConfig.DEFAULTS.toMap().keySet()));
    }

    @Test
    void fromTakesStringsAndNumbers() {
        final Map<String, Object> overrides = new LinkedHashMap<>();
        overrides.put("segment.bytes", "2097152");
        overrides.put("segment.ms", 60_000);
        overrides.put("retention.ms", 5_000L);
        overrides.put("retention.bytes", " 123456 ");
        overrides.put("flush.messages", 7);
        overrides.put("max.message.bytes", "2000");
        overrides.put("message.timestamp.type", "LogAppendTime");
        final LogConfig c = LogConfig.from(overrides);
        assertEquals(2_097_152, c.segmentBytes());
        assertEquals(60_000L, c.segmentMs());
        assertEquals(5_000L, c.retentionMs());
        assertEquals(123_456L, c.retentionBytes());
        assertEquals(7L, c.flushMessages());
        assertEquals(2000, c.maxMessageBytes());
        assertEquals(TimestampType.LOG_APPEND_TIME, c.timestampType());
        assertEquals(LogConfig.DEFAULTS.indexIntervalBytes(), c.indexIntervalBytes(), "untouched keys keep defaults");
        assertEquals(LogConfig.DEFAULTS, LogConfig.from(Map.of()));
    }

    @Test
    void withAppliesOverridesOnTopOfThisConfig() {
        final LogConfig base = LogConfig.from(Map.of("retention.ms", 10L));
        final LogConfig c = base.with(Map.of("segment.bytes", 4096));
        assertEquals(10L, c.retentionMs());
        assertEquals(4096, c.segmentBytes());
        assertEquals(c, LogConfig.from(c.toMap()), "toMap round-trips");
    }

    @Test
    void anUnknownKeyIsRefusedNamingKeyAndValue() {
        final InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> LogConfig.from(Map.of("segment.byte", "100")));
        assertEquals("segment.byte", e.key());
        assertEquals("100", e.value());
        assertTrue(e.getMessage().contains("segment.byte") && e.getMessage().contains("100"), e.getMessage());
    }

    @Test
    void badValuesAreRefusedNamingKeyAndValue() {
        final Object[][] cases = {
                {"segment.bytes", "abc"},
                {"segment.bytes", "3000000000"},
                {"segment.bytes", 3_000_000_000L},
                {"segment.ms", "0"},
                {"retention.ms", -2L},
                {"retention.bytes", "1.5"},
                {"flush.messages", 0},
                {"flush.ms", -1},
                {"index.interval.bytes", -1},
                {"segment.index.bytes", 3},
                {"file.delete.delay.ms", "-5"},
                {"max.message.bytes", "-1"},
                {"message.timestamp.type", "WallClock"},
                {"message.timestamp.type", "createtime"},
        };
        for (Object[] c : cases) {
            final String key = (String) c[0];
            final InvalidConfigException e = assertThrows(InvalidConfigException.class,
                    () -> LogConfig.from(Map.of(key, c[1])), key + "=" + c[1]);
            assertEquals(key, e.key());
            assertTrue(e.getMessage().contains(key) && e.getMessage().contains(String.valueOf(c[1]).trim()),
                    e.getMessage());
        }
    }

    @Test
    void retentionMsBeatsMinutesBeatsHoursAsInKafka() {
        assertEquals(123L, broker("log.retention.ms", "123", "log.retention.minutes", "5", "log.retention.hours", "2")
                .retentionMs());
        assertEquals(5 * 60_000L, broker("log.retention.minutes", "5", "log.retention.hours", "2").retentionMs());
        assertEquals(2 * 3_600_000L, broker("log.retention.hours", "2").retentionMs());
        assertEquals(-1L, broker("log.retention.hours", "-1").retentionMs(), "a negative time means unlimited");
        assertEquals(-1L, broker("log.retention.minutes", "-1", "log.retention.hours", "2").retentionMs());
        assertEquals(LogConfig.DEFAULTS.retentionMs(), broker().retentionMs());
    }

    @Test
    void anyNegativeRetentionBytesMeansUnlimitedAsInKafka() {
        assertEquals(-5L, LogConfig.from(Map.of("retention.bytes", "-5")).retentionBytes());
    }

    @Test
    void flushMsFallsBackToTheFlushSchedulerInterval() {
        assertEquals(250L, broker("log.flush.scheduler.interval.ms", "250").flushMs());
        assertEquals(100L, broker("log.flush.interval.ms", "100", "log.flush.scheduler.interval.ms", "250").flushMs());
        assertEquals(Long.MAX_VALUE, broker().flushMs());
    }

    @Test
    void rollMsBeatsRollHours() {
        assertEquals(77L, broker("log.roll.ms", "77", "log.roll.hours", "1").segmentMs());
        assertEquals(3_600_000L, broker("log.roll.hours", "1").segmentMs());
    }

    @Test
    void brokerPropertiesUseKafkasBrokerKeys() {
        final LogConfig c = broker("log.segment.bytes", "2097152", "log.index.size.max.bytes", "4096",
                "log.index.interval.bytes", "100", "log.retention.bytes", "999", "log.flush.interval.messages", "10",
                "log.flush.interval.ms", "20", "log.segment.delete.delay.ms", "30", "message.max.bytes", "40",
                "log.message.timestamp.type", "LogAppendTime", "num.partitions", "3", "broker.id", "0");
        assertEquals(new LogConfig(2_097_152, LogConfig.DEFAULTS.segmentMs(), 4096, 100,
                LogConfig.DEFAULTS.retentionMs(), 999, 10, 20, 30, 40, TimestampType.LOG_APPEND_TIME), c);
        final InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> broker("log.retention.hours", "soon"));
        assertEquals("log.retention.hours", e.key());
    }

    /**
     * For the time keys Kafka knows by several broker names, the first name present in Kafka's own synonym list
     * wins, converted by Kafka's own converter (hours and minutes to ms).
     */
    @Test
    void brokerTimeSynonymsFollowKafkasPrecedenceAndConversion() {
        final Gen<Long> absentOrValue = Generate.oneOf(Generate.constant(-99L), longs().between(0, 100_000),
                longs().between(1, 1000));
        qt().withExamples(1_000).forAll(absentOrValue, absentOrValue, absentOrValue, integers().between(0, 1))
                .checkAssert((a, b, c, which) -> {
                    final String key = which == 0 ? LogConfig.RETENTION_MS : LogConfig.SEGMENT_MS;
                    final List<ConfigSynonym> synonyms = ServerTopicConfigSynonyms.ALL_TOPIC_CONFIG_SYNONYMS.get(key);
                    final long[] values = {a, b, c};
                    final Properties props = new Properties();
                    String expected = null;
                    for (int i = 0; i < synonyms.size(); i++) {
                        if (values[i] == -99L) {
                            continue;
                        }
                        props.setProperty(synonyms.get(i).name(), Long.toString(values[i]));
                        if (expected == null) {
                            expected = synonyms.get(i).converter().apply(Long.toString(values[i]));
                        }
                    }
                    if (expected == null || Long.parseLong(expected) < 1 && key.equals(LogConfig.SEGMENT_MS)) {
                        return; // nothing set, or a roll time Kafka would refuse too
                    }
                    final Map<String, Object> actual = LogConfig.fromBrokerProperties(props).toMap();
                    assertEquals(Long.parseLong(expected), actual.get(key), props::toString);
                });
    }

    private static LogConfig broker(final String... keyValues) {
        final Properties p = new Properties();
        for (int i = 0; i < keyValues.length; i += 2) {
            p.setProperty(keyValues[i], keyValues[i + 1]);
        }
        return LogConfig.fromBrokerProperties(p);
    }
}
