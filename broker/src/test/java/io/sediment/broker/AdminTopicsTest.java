package io.sediment.broker;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AdminTopicsTest {
    @TempDir
    Path dir;

    @Test
    void createListDescribeAlterAndDeleteTopicsSurviveRestart() throws Exception {
        try (BrokerFixture f = new BrokerFixture(dir)) {
            try (Admin admin = f.admin()) {
                admin.createTopics(List.of(new NewTopic("orders", 3, (short) 1)
                        .configs(Map.of("retention.ms", "86400000")), new NewTopic("audit", 1, (short) 1))).all().get();
                assertEquals(Set.of("orders", "audit"), admin.listTopics().names().get());
                final TopicDescription d = admin.describeTopics(List.of("orders")).allTopicNames().get().get("orders");
                assertEquals(3, d.partitions().size());
                assertEquals(1, d.partitions().get(0).replicas().size());
                admin.createPartitions(Map.of("orders", NewPartitions.increaseTo(5))).all().get();
                final ConfigResource orders = new ConfigResource(ConfigResource.Type.TOPIC, "orders");
                admin.incrementalAlterConfigs(Map.of(orders, List.of(
                        new AlterConfigOp(new ConfigEntry("segment.bytes", "1048576"), AlterConfigOp.OpType.SET)))).all().get();
                admin.deleteTopics(List.of("audit")).all().get();
            }
            f.restart();
            try (Admin admin = f.admin()) {
                assertEquals(Set.of("orders"), admin.listTopics().names().get());
                final TopicDescription d = admin.describeTopics(List.of("orders")).allTopicNames().get().get("orders");
                assertEquals(5, d.partitions().size());
                final ConfigResource orders = new ConfigResource(ConfigResource.Type.TOPIC, "orders");
                final Config c = admin.describeConfigs(List.of(orders)).all().get().get(orders);
                assertEquals("86400000", c.get("retention.ms").value());
                assertEquals(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG, c.get("retention.ms").source());
                assertEquals("1048576", c.get("segment.bytes").value());
                assertEquals(ConfigEntry.ConfigSource.DEFAULT_CONFIG, c.get("max.message.bytes").source());
                assertEquals(1048576, f.broker.engine().getLog(new io.sediment.api.TopicPartition("orders", 4))
                        .config().segmentBytes());
            }
        }
    }

    @Test
    void replicationFactorAboveOneIsRefusedWithKafkasMessage() throws Exception {
        try (BrokerFixture f = new BrokerFixture(dir); Admin admin = f.admin()) {
            final ExecutionException e = assertThrows(ExecutionException.class, () ->
                    admin.createTopics(List.of(new NewTopic("t", 1, (short) 3))).all().get());
            assertInstanceOf(InvalidReplicationFactorException.class, e.getCause());
            assertEquals("Unable to replicate the partition 3 time(s): The target replication factor of 3 cannot be "
                    + "reached because only 1 broker(s) are registered.", e.getCause().getMessage());
            assertFalse(admin.listTopics().names().get().contains("t"));
        }
    }

    @Test
    void invalidTopicConfigsExistingTopicsAndShrinkingPartitionsAreRefused() throws Exception {
        try (BrokerFixture f = new BrokerFixture(dir); Admin admin = f.admin()) {
            admin.createTopics(List.of(new NewTopic("t", 2, (short) 1))).all().get();
            assertInstanceOf(TopicExistsException.class, assertThrows(ExecutionException.class, () ->
                    admin.createTopics(List.of(new NewTopic("t", 2, (short) 1))).all().get()).getCause());
            assertInstanceOf(InvalidConfigurationException.class, assertThrows(ExecutionException.class, () ->
                    admin.createTopics(List.of(new NewTopic("u", 1, (short) 1).configs(Map.of("segment.bytes", "x"))))
                            .all().get()).getCause());
            final ExecutionException shrink = assertThrows(ExecutionException.class, () ->
                    admin.createPartitions(Map.of("t", NewPartitions.increaseTo(1))).all().get());
            assertInstanceOf(InvalidPartitionsException.class, shrink.getCause());
            assertEquals("The topic t currently has 2 partition(s); 1 would not be an increase.", shrink.getCause().getMessage());
            assertInstanceOf(UnknownTopicOrPartitionException.class, assertThrows(ExecutionException.class, () ->
                    admin.deleteTopics(List.of("nope")).all().get()).getCause());
            assertFalse(admin.listTopics().names().get().contains("u"));
        }
    }

    @Test
    void validateOnlyCreatesNothing() throws Exception {
        try (BrokerFixture f = new BrokerFixture(dir); Admin admin = f.admin()) {
            admin.createTopics(List.of(new NewTopic("v", 4, (short) 1)), new CreateTopicsOptions().validateOnly(true))
                    .all().get();
            assertTrue(admin.listTopics().names().get().isEmpty());
            assertTrue(f.broker.engine().logs().isEmpty());
        }
    }

    @Test
    void topicConfigsReportBrokerSettingsAsStaticAndTopicOverridesAsDynamic() throws Exception {
        try (BrokerFixture f = new BrokerFixture(dir, "log.retention.hours", "24"); Admin admin = f.admin()) {
            admin.createTopics(List.of(new NewTopic("s", 1, (short) 1).configs(Map.of("segment.bytes", "2097152"))))
                    .all().get();
            final ConfigResource s = new ConfigResource(ConfigResource.Type.TOPIC, "s");
            final Config c = admin.describeConfigs(List.of(s),
                    new org.apache.kafka.clients.admin.DescribeConfigsOptions().includeSynonyms(true)).all().get().get(s);
            final ConfigEntry retention = c.get("retention.ms");
            assertEquals("86400000", retention.value());
            assertEquals(ConfigEntry.ConfigSource.STATIC_BROKER_CONFIG, retention.source());
            assertEquals("log.retention.hours", retention.synonyms().get(0).name());
            assertEquals("24", retention.synonyms().get(0).value());
            final ConfigEntry segment = c.get("segment.bytes");
            assertEquals(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG, segment.source());
            assertEquals(List.of("segment.bytes", "log.segment.bytes"),
                    segment.synonyms().stream().map(ConfigEntry.ConfigSynonym::name).toList());
            assertEquals(86_400_000L, f.broker.engine().getLog(new io.sediment.api.TopicPartition("s", 0)).config().retentionMs());
        }
    }

    @Test
    void topicNamesThatCollideOnDotAndUnderscoreAreRefused() throws Exception {
        try (BrokerFixture f = new BrokerFixture(dir); Admin admin = f.admin()) {
            admin.createTopics(List.of(new NewTopic("a.b", 1, (short) 1))).all().get();
            final ExecutionException e = assertThrows(ExecutionException.class, () ->
                    admin.createTopics(List.of(new NewTopic("a_b", 1, (short) 1))).all().get());
            assertInstanceOf(org.apache.kafka.common.errors.InvalidTopicException.class, e.getCause());
        }
    }

    @Test
    void describeTopicsPagesThroughManyPartitions() throws Exception {
        try (BrokerFixture f = new BrokerFixture(dir); Admin admin = f.admin()) {
            admin.createTopics(List.of(new NewTopic("wide", 25, (short) 1), new NewTopic("narrow", 2, (short) 1)))
                    .all().get();
            final Map<String, TopicDescription> d = admin.describeTopics(List.of("wide", "narrow", "absent-but-asked"),
                    new org.apache.kafka.clients.admin.DescribeTopicsOptions().partitionSizeLimitPerResponse(7))
                    .topicNameValues().entrySet().stream()
                    .filter(e -> !e.getKey().equals("absent-but-asked"))
                    .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, e -> {
                        try {
                            return e.getValue().get();
                        } catch (Exception ex) {
                            throw new AssertionError(ex);
                        }
                    }));
            assertEquals(25, d.get("wide").partitions().size());
            for (int p = 0; p < 25; p++) {
                assertEquals(p, d.get("wide").partitions().get(p).partition());
            }
            assertEquals(2, d.get("narrow").partitions().size());
            assertInstanceOf(UnknownTopicOrPartitionException.class, assertThrows(ExecutionException.class, () ->
                    admin.describeTopics(List.of("absent-but-asked")).allTopicNames().get()).getCause());
        }
    }
}
