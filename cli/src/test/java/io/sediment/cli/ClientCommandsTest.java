package io.sediment.cli;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The producer, consumer, configs, delete-records, broker-api-versions and get-offsets commands against one
 * in-process broker, their output compared with Kafka's own tools where both should print the same.
 */
class ClientCommandsTest {
    @TempDir
    static Path dir;
    static SharedBroker b;

    @BeforeAll
    static void start() {
        b = new SharedBroker(dir.resolve("data"));
    }

    @AfterAll
    static void stop() {
        b.close();
    }

    private static Run.Result consume(final String topic, final String... extra) {
        final List<String> args = new java.util.ArrayList<>(List.of("console-consumer", "--bootstrap-server", b.bootstrap(),
                "--topic", topic));
        args.addAll(List.of(extra));
        return Run.sediment(args.toArray(String[]::new));
    }

    @Test
    void consoleProducerParsesKeysAndConsumerPrintsThemLikeKafka() throws Exception {
        b.createTopic("lines", 1);
        final Run.Result produced = Run.sedimentWithInput("a:one\nb:two\nc:three\n", "console-producer",
                "--bootstrap-server", b.bootstrap(), "--topic", "lines", "--property", "parse.key=true",
                "--property", "key.separator=:", "--producer-property", "linger.ms=5");
        assertEquals(0, produced.status(), produced.toString());

        final Run.Result ours = consume("lines", "--partition", "0", "--offset", "earliest", "--max-messages", "3",
                "--property", "print.key=true", "--property", "print.offset=true", "--property", "print.partition=true");
        assertEquals(0, ours.status(), ours.toString());
        assertEquals("Partition:0\tOffset:0\ta\tone\nPartition:0\tOffset:1\tb\ttwo\nPartition:0\tOffset:2\tc\tthree\n", ours.out());
        assertEquals("Processed a total of 3 messages\n", ours.err());

        final Run.Result theirs = Run.kafka("org.apache.kafka.tools.consumer.ConsoleConsumer", "", "--bootstrap-server",
                b.bootstrap(), "--topic", "lines", "--partition", "0", "--offset", "earliest", "--max-messages", "3",
                "--formatter-property", "print.key=true", "--formatter-property", "print.offset=true",
                "--formatter-property", "print.partition=true");
        assertEquals(theirs.out(), ours.out());

        final Run.Result timestamps = consume("lines", "--partition", "0", "--from-beginning", "--max-messages", "1",
                "--property", "print.timestamp=true", "--property", "print.key=true", "--property", "key.separator=|");
        assertTrue(timestamps.out().matches("CreateTime:\\d+\\|a\\|one\n"), timestamps.toString());
        final Run.Result theirTimestamps = Run.kafka("org.apache.kafka.tools.consumer.ConsoleConsumer", "", "--bootstrap-server",
                b.bootstrap(), "--topic", "lines", "--partition", "0", "--from-beginning", "--max-messages", "1",
                "--formatter-property", "print.timestamp=true", "--formatter-property", "print.key=true",
                "--formatter-property", "key.separator=|");
        assertEquals(theirTimestamps.out(), timestamps.out());
    }

    @Test
    void consumerStartsAtAnOffsetAndStopsAfterTheTimeout() throws Exception {
        b.createTopic("numbers", 2);
        b.produce("numbers", 1, 0, 10);
        final Run.Result r = consume("numbers", "--partition", "1", "--offset", "7", "--timeout-ms", "1500");
        assertEquals(0, r.status(), r.toString());
        assertEquals("value-7\nvalue-8\nvalue-9\n", r.out());
        assertEquals("Processed a total of 3 messages\n", r.err());
    }

    @Test
    void consumerGroupCommitsWhatItPrintedAndResumesThere() throws Exception {
        b.createTopic("grouped", 1);
        b.produce("grouped", 0, 0, 5);
        final Run.Result first = consume("grouped", "--group", "g1", "--from-beginning", "--max-messages", "3",
                "--timeout-ms", "20000");
        assertEquals(0, first.status(), first.toString());
        assertEquals("value-0\nvalue-1\nvalue-2\n", first.out());
        final Run.Result rest = consume("grouped", "--group", "g1", "--max-messages", "2", "--timeout-ms", "20000");
        assertEquals("value-3\nvalue-4\n", rest.out(), rest.toString());
    }

    @Test
    void consumerOnAnUnknownTopicOrPartitionFails() throws Exception {
        final Run.Result r = consume("ghost", "--partition", "0");
        assertEquals(1, r.status(), r.toString());
        assertEquals("Topic 'ghost' does not exist\n", r.err());
        b.createTopic("small", 1);
        final Run.Result p = consume("small", "--partition", "4");
        assertEquals(1, p.status(), p.toString());
        assertEquals("Partition 4 does not exist: topic 'small' has 1 partition(s)\n", p.err());
        final Run.Result bad = consume("small", "--partition", "0", "--offset", "soon");
        assertEquals(2, bad.status(), bad.toString());
    }

    @Test
    void producerLineWithoutSeparatorFails() throws Exception {
        b.createTopic("strict", 1);
        final Run.Result r = Run.sedimentWithInput("k:v\nnoseparator\n", "console-producer", "--bootstrap-server",
                b.bootstrap(), "--topic", "strict", "--property", "parse.key=true", "--property", "key.separator=:");
        assertEquals(1, r.status(), r.toString());
        assertEquals("No key separator found on line number 2: 'noseparator'\n", r.err());
    }

    @Test
    void configsAltersAndDescribesTopicConfigsLikeKafka() throws Exception {
        b.createTopic("tuned", 1);
        final Run.Result alter = Run.sediment("configs", "--bootstrap-server", b.bootstrap(), "--entity-type", "topics",
                "--entity-name", "tuned", "--alter", "--add-config", "retention.ms=1000,max.message.bytes=2000");
        assertEquals(0, alter.status(), alter.toString());
        assertEquals("Completed updating config for topic tuned.\n", alter.out());

        final Run.Result ours = Run.sediment("configs", "--bootstrap-server", b.bootstrap(), "--entity-type", "topics",
                "--entity-name", "tuned", "--describe");
        final Run.Result theirs = Run.kafka("org.apache.kafka.tools.ConfigCommand", "", "--bootstrap-server", b.bootstrap(),
                "--entity-type", "topics", "--entity-name", "tuned", "--describe");
        assertEquals(0, ours.status(), ours.toString());
        assertTrue(ours.out().startsWith("Dynamic configs for topic tuned are:\n"), ours.toString());
        assertTrue(ours.out().contains("  retention.ms=1000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=1000, "
                + "DEFAULT_CONFIG:log.retention.hours=168}"), ours.toString());
        assertEquals(theirs.out().lines().sorted().toList(), ours.out().lines().sorted().toList());

        final Run.Result delete = Run.sediment("configs", "--bootstrap-server", b.bootstrap(), "--entity-type", "topics",
                "--entity-name", "tuned", "--alter", "--delete-config", "max.message.bytes");
        assertEquals(0, delete.status(), delete.toString());
        assertTrue(!Run.sediment("configs", "--bootstrap-server", b.bootstrap(), "--entity-type", "topics",
                "--entity-name", "tuned", "--describe").out().contains("max.message.bytes"));

        final Run.Result brokers = Run.sediment("configs", "--bootstrap-server", b.bootstrap(), "--entity-type", "brokers",
                "--entity-name", "0", "--describe");
        assertEquals(0, brokers.status(), brokers.toString());
        assertEquals(Run.kafka("org.apache.kafka.tools.ConfigCommand", "", "--bootstrap-server", b.bootstrap(),
                "--entity-type", "brokers", "--entity-name", "0", "--describe").out(), brokers.out());
    }

    @Test
    void configsRefusesBadKeysValuesAndUnknownTopics() throws Exception {
        b.createTopic("guarded", 1);
        final Run.Result key = Run.sediment("configs", "--bootstrap-server", b.bootstrap(), "--entity-type", "topics",
                "--entity-name", "guarded", "--alter", "--add-config", "no.such.key=1");
        assertEquals(1, key.status(), key.toString());
        assertTrue(key.err().startsWith("Error while executing config command : ") && key.err().contains("no.such.key"), key.toString());
        final Run.Result value = Run.sediment("configs", "--bootstrap-server", b.bootstrap(), "--entity-type", "topics",
                "--entity-name", "guarded", "--alter", "--add-config", "retention.ms=forever");
        assertEquals(1, value.status(), value.toString());
        assertTrue(value.err().contains("retention.ms"), value.toString());
        final Run.Result del = Run.sediment("configs", "--bootstrap-server", b.bootstrap(), "--entity-type", "topics",
                "--entity-name", "guarded", "--alter", "--delete-config", "no.such.key");
        assertEquals("Error while executing config command : Invalid config(s): no.such.key\n", del.err(), del.toString());
        final Run.Result unknown = Run.sediment("configs", "--bootstrap-server", b.bootstrap(), "--entity-type", "topics",
                "--entity-name", "nowhere", "--describe");
        assertEquals(1, unknown.status(), unknown.toString());
        assertEquals("Error while executing config command : The topic 'nowhere' does not exist.\n", unknown.err());
    }

    @Test
    void deleteRecordsMovesTheLowWatermarkLikeKafka() throws Exception {
        b.createTopic("trimmed", 1);
        b.produce("trimmed", 0, 0, 100);
        final Path json = dir.resolve("offsets.json");
        Files.writeString(json, "{\"partitions\":[{\"topic\":\"trimmed\",\"partition\":0,\"offset\":50}],\"version\":1}");
        final Run.Result r = Run.sediment("delete-records", "--bootstrap-server", b.bootstrap(), "--offset-json-file", json.toString());
        assertEquals(0, r.status(), r.toString());
        assertEquals("Executing records delete operation\nRecords delete operation completed:\npartition: trimmed-0\tlow_watermark: 50\n", r.out());
        Files.writeString(json, "{\"partitions\":[{\"topic\":\"trimmed\",\"partition\":0,\"offset\":60}],\"version\":1}");
        final Run.Result theirs = Run.kafka("org.apache.kafka.tools.DeleteRecordsCommand", "", "--bootstrap-server",
                b.bootstrap(), "--offset-json-file", json.toString());
        assertEquals(r.out().replace("50", "60"), theirs.out());

        final Run.Result offsets = Run.sediment("get-offsets", "--bootstrap-server", b.bootstrap(), "--topic", "trimmed", "--time", "-2");
        assertEquals("trimmed:0:60\n", offsets.out(), offsets.toString());
    }

    @Test
    void malformedOffsetJsonNamesTheField() throws Exception {
        final Path json = dir.resolve("bad.json");
        Files.writeString(json, "{\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"offset\":\"fifty\"}],\"version\":1}");
        final Run.Result field = Run.sediment("delete-records", "--bootstrap-server", b.bootstrap(), "--offset-json-file", json.toString());
        assertEquals(1, field.status(), field.toString());
        assertEquals("Malformed offset JSON in " + json + ": partitions[0].offset: expected an integer, got \"fifty\"\n", field.err());
        Files.writeString(json, "{\"partitions\":[{\"topic\":\"t\",\"offset\":5}]}");
        assertEquals("Malformed offset JSON in " + json + ": partitions[0].partition: missing\n",
                Run.sediment("delete-records", "--bootstrap-server", b.bootstrap(), "--offset-json-file", json.toString()).err());
        Files.writeString(json, "{\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"offset\":5}");
        final Run.Result syntax = Run.sediment("delete-records", "--bootstrap-server", b.bootstrap(), "--offset-json-file", json.toString());
        assertEquals(1, syntax.status());
        assertTrue(syntax.err().startsWith("Malformed offset JSON in " + json + ": not valid JSON: "), syntax.toString());
    }

    @Test
    void brokerApiVersionsPrintsWhatKafkasToolPrints() throws Exception {
        final Run.Result ours = Run.sediment("broker-api-versions", "--bootstrap-server", b.bootstrap());
        assertEquals(0, ours.status(), ours.toString());
        assertTrue(ours.out().startsWith("127.0.0.1:"), ours.toString());
        assertTrue(ours.out().contains("\tProduce(0): 3 to 13 [usable: 13],\n"), ours.toString());
        final Run.Result theirs = Run.kafka("org.apache.kafka.tools.BrokerApiVersionsCommand", "", "--bootstrap-server", b.bootstrap());
        assertEquals(theirs.out(), ours.out());
    }

    @Test
    void getOffsetsPrintsTopicPartitionOffsetLikeKafka() throws Exception {
        b.createTopic("counted", 3);
        b.produce("counted", 0, 0, 4);
        b.produce("counted", 2, 0, 7);
        final Run.Result ours = Run.sediment("get-offsets", "--bootstrap-server", b.bootstrap(), "--topic", "counted");
        assertEquals("counted:0:4\ncounted:1:0\ncounted:2:7\n", ours.out(), ours.toString());
        assertEquals(Run.kafka("org.apache.kafka.tools.GetOffsetShell", "", "--bootstrap-server", b.bootstrap(),
                "--topic", "counted").out(), ours.out());
        final Run.Result byTime = Run.sediment("get-offsets", "--bootstrap-server", b.bootstrap(), "--topic", "counted",
                "--partitions", "2", "--time", "1700000000000003");
        assertEquals(Run.kafka("org.apache.kafka.tools.GetOffsetShell", "", "--bootstrap-server", b.bootstrap(),
                "--topic", "counted", "--partitions", "2", "--time", "1700000000000003").out(), byTime.out());
        final Run.Result early = Run.sediment("get-offsets", "--bootstrap-server", b.bootstrap(), "--topic", "counted",
                "--partitions", "2", "--time", "1700000000003");
        assertEquals("counted:2:3\n", early.out(), early.toString());
        final Run.Result none = Run.sediment("get-offsets", "--bootstrap-server", b.bootstrap(), "--topic", "nothing-here");
        assertEquals(1, none.status());
        assertEquals("Could not match any topic-partitions with the specified filters\n", none.err());
    }

    @Test
    void consumerWithoutGroupOrPartitionReadsEveryPartitionAndCommitsNothing() throws Exception {
        b.createTopic("spread", 3);
        b.produce("spread", 0, 0, 2);
        b.produce("spread", 2, 2, 4);
        final Run.Result r = consume("spread", "--from-beginning", "--max-messages", "4", "--timeout-ms", "20000");
        assertEquals(0, r.status(), r.toString());
        assertEquals(List.of("value-0", "value-1", "value-2", "value-3"), r.lines().stream().sorted().toList());
        final Run.Result groups = Run.sediment("consumer-groups", "--bootstrap-server", b.bootstrap(), "--list");
        assertTrue(groups.lines().stream().noneMatch(g -> g.startsWith("console-consumer-")
                && Run.sediment("consumer-groups", "--bootstrap-server", b.bootstrap(), "--describe", "--group", g)
                .out().contains("spread")), groups.toString());
    }

    @Test
    void producerOnAnUnreachableBrokerFailsNamingTheAddress() throws Exception {
        final Path config = dir.resolve("fast-producer.properties");
        Files.writeString(config, "default.api.timeout.ms=1000\nrequest.timeout.ms=1000\n");
        final int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        final Run.Result r = Run.sedimentWithInput("x\n", "console-producer", "--bootstrap-server", "127.0.0.1:" + port,
                "--topic", "t", "--producer.config", config.toString());
        assertEquals(1, r.status(), r.toString());
        assertEquals("Cannot reach broker at 127.0.0.1:" + port + " within 1000 ms\n", r.err());
    }

    @Test
    void verifiableProducerHonoursThroughputAndAcks() throws Exception {
        b.createTopic("paced", 1);
        final Run.Result r = Run.sediment("verifiable-producer", "--bootstrap-server", b.bootstrap(), "--topic", "paced",
                "--max-messages", "4", "--throughput", "100", "--acks", "-1", "--value-prefix", "7");
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.out().contains("\"value\":\"7.3\",\"offset\":3,\"topic\":\"paced\""), r.toString());
        assertTrue(r.lines().get(r.lines().size() - 1).contains("\"sent\":4,\"acked\":4,\"target_throughput\":100,"), r.toString());
    }
}
