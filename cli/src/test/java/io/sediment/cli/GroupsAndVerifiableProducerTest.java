package io.sediment.cli;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code consumer-groups} and {@code verifiable-producer}, next to Kafka's tools on the same broker. */
class GroupsAndVerifiableProducerTest {
    private static final String GROUPS = "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand";

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

    private static Run.Result groups(final String... args) {
        final List<String> all = new java.util.ArrayList<>(List.of("consumer-groups", "--bootstrap-server", b.bootstrap()));
        all.addAll(List.of(args));
        return Run.sediment(all.toArray(String[]::new));
    }

    private static List<String> nonBlank(final String out) {
        return out.lines().filter(l -> !l.isBlank()).toList();
    }

    @Test
    void listDescribeResetAndDeleteAGroupLikeKafka() throws Exception {
        b.createTopic("work", 2);
        b.produce("work", 0, 0, 6);
        b.produce("work", 1, 0, 4);
        final Run.Result consumed = Run.sediment("console-consumer", "--bootstrap-server", b.bootstrap(), "--topic", "work",
                "--group", "workers", "--from-beginning", "--max-messages", "10", "--timeout-ms", "20000");
        assertEquals(10, consumed.lines().size(), consumed.toString());
        b.produce("work", 0, 6, 9);

        final Run.Result list = groups("--list");
        assertEquals(0, list.status(), list.toString());
        assertTrue(list.lines().contains("workers"), list.toString());

        final Run.Result describe = groups("--describe", "--group", "workers");
        assertEquals(0, describe.status(), describe.toString());
        final List<String> lines = nonBlank(describe.out());
        assertEquals(List.of("GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "CONSUMER-ID",
                "HOST", "CLIENT-ID"), List.of(lines.get(0).trim().split("\\s+")));
        assertEquals(List.of("workers", "work", "0", "6", "9", "3", "-", "-", "-"), List.of(lines.get(1).trim().split("\\s+")));
        assertEquals(List.of("workers", "work", "1", "4", "4", "0", "-", "-", "-"), List.of(lines.get(2).trim().split("\\s+")));
        final Run.Result theirs = Run.kafka(GROUPS, "", "--bootstrap-server", b.bootstrap(), "--describe", "--group", "workers");
        assertEquals(nonBlank(theirs.out()), lines);

        final Run.Result plan = groups("--reset-offsets", "--group", "workers", "--topic", "work", "--to-earliest");
        assertEquals(0, plan.status(), plan.toString());
        assertEquals(List.of("workers", "work", "0", "0"), List.of(nonBlank(plan.out()).get(1).trim().split("\\s+")));
        assertTrue(nonBlank(groups("--describe", "--group", "workers").out()).get(1).contains(" 6 "), "a plan changes nothing");

        final Run.Result exec = groups("--reset-offsets", "--group", "workers", "--topic", "work", "--shift-by", "-2", "--execute");
        assertEquals(0, exec.status(), exec.toString());
        final List<String> after = nonBlank(groups("--describe", "--group", "workers").out());
        assertEquals("4", after.get(1).trim().split("\\s+")[3], after.toString());
        assertEquals("2", after.get(2).trim().split("\\s+")[3], after.toString());

        final Run.Result delete = groups("--delete", "--group", "workers");
        assertEquals(0, delete.status(), delete.toString());
        assertEquals("Deletion of requested consumer groups ('workers') was successful.\n", delete.out());
        assertTrue(!groups("--list").lines().contains("workers"));
    }

    @Test
    void describingAnUnknownGroupFails() {
        final Run.Result r = groups("--describe", "--group", "nobody");
        assertEquals(1, r.status(), r.toString());
        assertEquals("Error: Consumer group 'nobody' does not exist.\n", r.err());
    }

    @Test
    void verifiableProducerPrintsKafkasEvents() throws Exception {
        b.createTopic("verified", 1);
        final Run.Result ours = Run.sediment("verifiable-producer", "--bootstrap-server", b.bootstrap(), "--topic", "verified",
                "--max-messages", "5", "--acks", "1");
        assertEquals(0, ours.status(), ours.toString());
        final List<String> lines = ours.lines();
        assertEquals(8, lines.size(), ours.toString());
        assertTrue(lines.get(0).matches("\\{\"timestamp\":\\d+,\"name\":\"startup_complete\"}"), lines.get(0));
        assertTrue(lines.get(3).matches("\\{\"timestamp\":\\d+,\"name\":\"producer_send_success\",\"key\":null,"
                + "\"value\":\"2\",\"offset\":2,\"topic\":\"verified\",\"partition\":0}"), lines.get(3));
        assertTrue(lines.get(6).matches("\\{\"timestamp\":\\d+,\"name\":\"shutdown_complete\"}"), lines.get(6));
        assertTrue(lines.get(7).matches("\\{\"timestamp\":\\d+,\"name\":\"tool_data\",\"sent\":5,\"acked\":5,"
                + "\"target_throughput\":-1,\"avg_throughput\":[0-9.E]+}"), lines.get(7));

    }

    @Test
    void describeShowsTheActiveMemberLikeKafka() throws Exception {
        b.createTopic("live", 1);
        b.produce("live", 0, 0, 2);
        final java.util.Properties p = new java.util.Properties();
        p.put("bootstrap.servers", b.bootstrap());
        p.put("group.id", "live-group");
        p.put("client.id", "live-client");
        p.put("auto.offset.reset", "earliest");
        try (org.apache.kafka.clients.consumer.KafkaConsumer<String, String> consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<>(
                p, new org.apache.kafka.common.serialization.StringDeserializer(), new org.apache.kafka.common.serialization.StringDeserializer())) {
            consumer.subscribe(List.of("live"));
            int read = 0;
            while (read < 2) {
                read += consumer.poll(java.time.Duration.ofMillis(200)).count();
            }
            consumer.commitSync();
            final Run.Result ours = groups("--describe", "--group", "live-group");
            assertEquals(0, ours.status(), ours.toString());
            final List<String> row = List.of(nonBlank(ours.out()).get(1).trim().split("\\s+"));
            assertEquals(List.of("live-group", "live", "0", "2", "2", "0"), row.subList(0, 6), ours.toString());
            assertTrue(row.get(6).startsWith("live-client-"), ours.toString());
            assertEquals("/127.0.0.1", row.get(7), ours.toString());
            assertEquals("live-client", row.get(8), ours.toString());
            final Run.Result theirs = Run.kafka(GROUPS, "", "--bootstrap-server", b.bootstrap(), "--describe", "--group", "live-group");
            assertEquals(theirs.out(), ours.out());
        }
    }
}
