package io.sediment.cli;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code sediment topics}, next to Kafka's TopicCommand on the same broker. */
class TopicsCommandTest {
    private static final String KAFKA = "org.apache.kafka.tools.TopicCommand";

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

    private static Run.Result ours(final String... args) {
        final String[] all = new String[args.length + 3];
        all[0] = "topics";
        all[1] = "--bootstrap-server";
        all[2] = b.bootstrap();
        System.arraycopy(args, 0, all, 3, args.length);
        return Run.sediment(all);
    }

    private static Run.Result theirs(final String... args) throws Exception {
        final String[] all = new String[args.length + 2];
        all[0] = "--bootstrap-server";
        all[1] = b.bootstrap();
        System.arraycopy(args, 0, all, 2, args.length);
        return Run.kafka(KAFKA, "", all);
    }

    @Test
    void createListDescribeAlterDeleteLikeKafka() throws Exception {
        final Run.Result created = ours("--create", "--topic", "orders", "--partitions", "3", "--replication-factor", "1",
                "--config", "retention.ms=3600000", "--config", "max.message.bytes=2000");
        assertEquals(0, created.status(), created.toString());
        assertEquals("Created topic orders.\n", created.out());

        final Run.Result theirCreate = theirs("--create", "--topic", "payments", "--partitions", "2");
        assertEquals("Created topic payments.\n", theirCreate.out(), theirCreate.toString());

        final Run.Result list = ours("--list");
        assertEquals(0, list.status(), list.toString());
        assertTrue(list.lines().containsAll(java.util.List.of("orders", "payments")), list.toString());
        assertEquals(theirs("--list").out(), list.out());

        final Run.Result describe = ours("--describe", "--topic", "orders");
        assertEquals(0, describe.status(), describe.toString());
        assertEquals(theirs("--describe", "--topic", "orders").out(), describe.out());
        assertEquals(4, describe.lines().size(), describe.toString());
        assertTrue(describe.lines().get(0).startsWith("Topic: orders\tTopicId: "), describe.toString());
        assertTrue(describe.lines().get(0).endsWith("\tPartitionCount: 3\tReplicationFactor: 1\tConfigs: "
                + "max.message.bytes=2000,retention.ms=3600000"), describe.toString());
        assertTrue(describe.lines().get(3).startsWith("\tTopic: orders\tPartition: 2\tLeader: 0\tReplicas: 0\tIsr: 0"),
                describe.toString());

        // A regular expression, as in Kafka.
        assertEquals(theirs("--describe", "--topic", "o.*|p.*").out(), ours("--describe", "--topic", "o.*|p.*").out());

        final Run.Result alter = ours("--alter", "--topic", "orders", "--partitions", "5");
        assertEquals(0, alter.status(), alter.toString());
        assertTrue(ours("--describe", "--topic", "orders").out().contains("PartitionCount: 5"));

        final Run.Result delete = ours("--delete", "--topic", "payments");
        assertEquals(0, delete.status(), delete.toString());
        assertFalse(ours("--list").lines().contains("payments"));
    }

    @Test
    void ifNotExistsMakesCreatingAnExistingTopicQuiet() throws Exception {
        assertEquals(0, ours("--create", "--topic", "twice").status());
        final Run.Result again = ours("--create", "--topic", "twice");
        assertEquals(1, again.status(), again.toString());
        assertEquals("Error while executing topic command : Topic 'twice' already exists.\n", again.err());
        assertTrue(theirs("--create", "--topic", "twice").out().contains("Topic 'twice' already exists."));
        final Run.Result quiet = ours("--create", "--topic", "twice", "--if-not-exists");
        assertEquals(0, quiet.status(), quiet.toString());
        assertEquals("", quiet.out());
    }

    @Test
    void unknownTopicIsAnErrorUnlessIfExists() throws Exception {
        final Run.Result r = ours("--describe", "--topic", "nope");
        assertEquals(1, r.status(), r.toString());
        assertEquals("Error while executing topic command : Topic 'nope' does not exist as expected\n", r.err());
        assertTrue(theirs("--describe", "--topic", "nope").out().contains("Topic 'nope' does not exist as expected"));
        assertEquals(1, ours("--delete", "--topic", "nope").status());
        final Run.Result quiet = ours("--delete", "--topic", "nope", "--if-exists");
        assertEquals(0, quiet.status(), quiet.toString());
    }

    @Test
    void badConfigKeyOrValueIsRefusedWithTheBrokersMessage() {
        final Run.Result key = ours("--create", "--topic", "badkey", "--config", "no.such.key=1");
        assertEquals(1, key.status(), key.toString());
        assertTrue(key.err().startsWith("Error while executing topic command : ") && key.err().contains("no.such.key"),
                key.toString());
        final Run.Result value = ours("--create", "--topic", "badvalue", "--config", "retention.ms=soon");
        assertEquals(1, value.status(), value.toString());
        assertTrue(value.err().contains("retention.ms"), value.toString());
        final Run.Result shape = ours("--create", "--topic", "badshape", "--config", "retention.ms");
        assertEquals(1, shape.status(), shape.toString());
        assertTrue(shape.err().contains("must be in the format \"key=val\""), shape.toString());
        assertFalse(ours("--list").lines().contains("badkey"));
    }

    @Test
    void replicationFactorAboveOneIsRefused() {
        final Run.Result r = ours("--create", "--topic", "rf3", "--replication-factor", "3");
        assertEquals(1, r.status(), r.toString());
        assertTrue(r.err().startsWith("Error while executing topic command : "), r.toString());
    }

    @Test
    void exactlyOneActionIsAUsageError() {
        final Run.Result none = ours("--topic", "x");
        assertEquals(2, none.status(), none.toString());
        final Run.Result two = ours("--list", "--describe");
        assertEquals(2, two.status(), two.toString());
    }

    @Test
    void unreachableBrokerFailsAfterTheBoundedWaitNamingTheAddress() throws Exception {
        final Path config = dir.resolve("fast.properties");
        Files.writeString(config, "default.api.timeout.ms=1500\nrequest.timeout.ms=1000\n");
        // A port nothing listens on: bind and close.
        final int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        final Run.Result r = Run.sediment("topics", "--bootstrap-server", "127.0.0.1:" + port, "--command-config",
                config.toString(), "--list");
        assertEquals(1, r.status(), r.toString());
        assertEquals("Cannot reach broker at 127.0.0.1:" + port + " within 1500 ms\n", r.err());
    }

    @Test
    void decreasingPartitionsIsRefusedWithKafkasMessage() throws Exception {
        assertEquals(0, ours("--create", "--topic", "shrink", "--partitions", "3").status());
        final Run.Result r = ours("--alter", "--topic", "shrink", "--partitions", "2");
        assertEquals(1, r.status(), r.toString());
        final String message = r.err().substring("Error while executing topic command : ".length()).trim();
        assertTrue(message.contains("3") && message.contains("2"), r.toString());
        assertTrue(theirs("--alter", "--topic", "shrink", "--partitions", "2").out().contains(message), r.toString());
    }
}
