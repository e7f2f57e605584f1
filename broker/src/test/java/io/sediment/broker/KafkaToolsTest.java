package io.sediment.broker;

import net.sourceforge.argparse4j.inf.ArgumentParser;
import org.apache.kafka.server.util.ThroughputThrottler;
import org.apache.kafka.tools.VerifiableProducer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Apache Kafka's own command-line tools (kafka-tools 4.4.0) against the broker, as a user runs them. */
class KafkaToolsTest {
    @TempDir
    Path dir;
    BrokerFixture f;

    @BeforeEach
    void start() {
        f = new BrokerFixture(dir);
    }

    @AfterEach
    void stop() {
        f.close();
    }

    private Tool.Result tool(final String main, final String... args) throws Exception {
        return Tool.run(main, "", args);
    }

    private static void ok(final Tool.Result r) {
        assertEquals(0, r.status(), r.out());
    }

    @Test
    void topicCommandCreatesListsDescribesAltersAndDeletes() throws Exception {
        final String main = "org.apache.kafka.tools.TopicCommand";
        ok(tool(main, "--bootstrap-server", f.bootstrap(), "--create", "--topic", "clicks", "--partitions", "3",
                "--replication-factor", "1", "--config", "retention.ms=3600000"));
        assertTrue(tool(main, "--bootstrap-server", f.bootstrap(), "--list").out().lines().toList().contains("clicks"));
        final Tool.Result described = tool(main, "--bootstrap-server", f.bootstrap(), "--describe", "--topic", "clicks");
        assertTrue(described.out().contains("PartitionCount: 3"), described.out());
        assertTrue(described.out().contains("retention.ms=3600000"), described.out());
        assertTrue(described.out().contains("Partition: 2\tLeader: 0\tReplicas: 0\tIsr: 0"), described.out());
        ok(tool(main, "--bootstrap-server", f.bootstrap(), "--alter", "--topic", "clicks", "--partitions", "5"));
        assertTrue(tool(main, "--bootstrap-server", f.bootstrap(), "--describe", "--topic", "clicks").out()
                .contains("PartitionCount: 5"));
        final Tool.Result rf3 = tool(main, "--bootstrap-server", f.bootstrap(), "--create", "--topic", "x",
                "--partitions", "1", "--replication-factor", "3");
        assertEquals(1, rf3.status(), rf3.out());
        assertFalse(rf3.out().contains("Created topic"), rf3.out());
        ok(tool(main, "--bootstrap-server", f.bootstrap(), "--delete", "--topic", "clicks"));
        assertTrue(f.broker.engine().logs().isEmpty());
    }

    @Test
    void configCommandAltersAndDescribesTopicAndBrokerConfigs() throws Exception {
        final String main = "org.apache.kafka.tools.ConfigCommand";
        ok(tool("org.apache.kafka.tools.TopicCommand", "--bootstrap-server", f.bootstrap(), "--create", "--topic", "c",
                "--partitions", "1", "--replication-factor", "1"));
        ok(tool(main, "--bootstrap-server", f.bootstrap(), "--entity-type", "topics", "--entity-name", "c", "--alter",
                "--add-config", "retention.ms=1000,max.message.bytes=2000"));
        final Tool.Result d = tool(main, "--bootstrap-server", f.bootstrap(), "--entity-type", "topics",
                "--entity-name", "c", "--describe");
        assertTrue(d.out().contains("Dynamic configs for topic c are:"), d.out());
        assertTrue(d.out().contains("retention.ms=1000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=1000, "
                + "DEFAULT_CONFIG:log.retention.hours=168}"), d.out());
        assertEquals(2000, f.broker.engine().getLog(new io.sediment.api.TopicPartition("c", 0)).config().maxMessageBytes());
        ok(tool(main, "--bootstrap-server", f.bootstrap(), "--entity-type", "topics", "--entity-name", "c", "--alter",
                "--delete-config", "max.message.bytes"));
        assertEquals(1048588, f.broker.engine().getLog(new io.sediment.api.TopicPartition("c", 0)).config().maxMessageBytes());
        final Tool.Result b = tool(main, "--bootstrap-server", f.bootstrap(), "--entity-type", "brokers",
                "--entity-name", "0", "--describe", "--all");
        assertTrue(b.out().contains("All configs for broker 0 are:"), b.out());
        assertTrue(b.out().contains("num.partitions=1"), b.out());
    }

    @Test
    void consoleProducerAndConsoleConsumerByPartitionRoundTrip() throws Exception {
        ok(tool("org.apache.kafka.tools.TopicCommand", "--bootstrap-server", f.bootstrap(), "--create", "--topic", "lines",
                "--partitions", "2", "--replication-factor", "1"));
        final Tool.Result produced = Tool.run("org.apache.kafka.tools.ConsoleProducer", "one\ntwo\nthree\n",
                "--bootstrap-server", f.bootstrap(), "--topic", "lines", "--property", "parse.key=false");
        ok(produced);
        final int count = (int) Files.list(dir).count();
        assertTrue(count > 0);
        final StringBuilder all = new StringBuilder();
        for (String p : List.of("0", "1")) {
            final Tool.Result consumed = tool("org.apache.kafka.tools.consumer.ConsoleConsumer", "--bootstrap-server",
                    f.bootstrap(), "--topic", "lines", "--partition", p, "--offset", "earliest", "--timeout-ms", "3000");
            all.append(consumed.out());
        }
        assertEquals(List.of("one", "three", "two"), all.toString().lines().sorted().toList());
    }

    @Test
    void verifiableProducerGetOffsetShellAndDeleteRecordsCommand() throws Exception {
        ok(tool("org.apache.kafka.tools.TopicCommand", "--bootstrap-server", f.bootstrap(), "--create", "--topic", "v",
                "--partitions", "1", "--replication-factor", "1"));
        // VerifiableProducer's main exits before its sends are acknowledged and reports from a JVM shutdown hook:
        // run what main runs, then close it as that hook would.
        final Tool.Result vp = Tool.capture("", () -> {
            final Method parser = VerifiableProducer.class.getDeclaredMethod("argParser");
            parser.setAccessible(true);
            try (VerifiableProducer p = VerifiableProducer.createFromArgs((ArgumentParser) parser.invoke(null),
                    new String[]{"--bootstrap-server", f.bootstrap(), "--topic", "v", "--max-messages", "50", "--acks", "-1"})) {
                p.run(new ThroughputThrottler(-1, System.currentTimeMillis()));
            }
        });
        assertEquals(50, vp.out().lines().filter(l -> l.contains("\"producer_send_success\"")).count(), vp.out());
        assertTrue(vp.out().contains("\"offset\":49"), vp.out());
        final Tool.Result latest = tool("org.apache.kafka.tools.GetOffsetShell", "--bootstrap-server", f.bootstrap(),
                "--topic", "v", "--time", "-1");
        assertEquals("v:0:50", latest.out().trim());
        final Path json = dir.resolveSibling(dir.getFileName() + "-delete.json");
        Files.writeString(json, "{\"partitions\":[{\"topic\":\"v\",\"partition\":0,\"offset\":20}],\"version\":1}",
                StandardCharsets.UTF_8);
        try {
            final Tool.Result del = tool("org.apache.kafka.tools.DeleteRecordsCommand", "--bootstrap-server",
                    f.bootstrap(), "--offset-json-file", json.toString());
            assertTrue(del.out().contains("partition: v-0\tlow_watermark: 20"), del.out());
        } finally {
            Files.deleteIfExists(json);
        }
        assertEquals("v:0:20", tool("org.apache.kafka.tools.GetOffsetShell", "--bootstrap-server", f.bootstrap(),
                "--topic", "v", "--time", "-2").out().trim());
    }

    @Test
    void brokerApiVersionsCommandListsWhatIsImplemented() throws Exception {
        final Tool.Result r = tool("org.apache.kafka.tools.BrokerApiVersionsCommand", "--bootstrap-server", f.bootstrap());
        assertTrue(r.out().contains("Produce(0): 3 to 13 [usable: 13]"), r.out());
        assertTrue(r.out().contains("Fetch(1): 4 to 18 [usable: 18]"), r.out());
        assertTrue(r.out().contains("SaslHandshake(17): UNSUPPORTED"), r.out());
    }
}
