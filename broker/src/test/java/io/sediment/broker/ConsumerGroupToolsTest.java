package io.sediment.broker;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Apache Kafka's own consumer-group tools (kafka-tools 4.4.0), run in-process as a user runs them:
 * {@code kafka-console-consumer --group} and {@code kafka-consumer-groups --list/--describe/--reset-offsets/--delete}.
 */
class ConsumerGroupToolsTest {
    private static final String GROUPS = "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand";
    private static final String CONSOLE = "org.apache.kafka.tools.consumer.ConsoleConsumer";

    @TempDir
    Path dir;
    BrokerFixture f;

    @BeforeEach
    void start() throws Exception {
        f = new BrokerFixture(dir, ConsumerGroupTest.GROUP_SETTINGS);
        try (Admin admin = f.admin()) {
            admin.createTopics(List.of(new NewTopic("hello", 2, (short) 1))).all().get();
        }
        produce(0, 10);
    }

    @AfterEach
    void stop() {
        f.close();
    }

    private void produce(final int from, final int to) throws Exception {
        try (KafkaProducer<byte[], byte[]> p = f.producer()) {
            for (int i = from; i < to; i++) {
                p.send(new ProducerRecord<>("hello", i % 2, null, ("m" + i).getBytes(StandardCharsets.UTF_8))).get();
            }
        }
    }

    private Tool.Result groups(final String... args) throws Exception {
        final List<String> all = new ArrayList<>(List.of("--bootstrap-server", f.bootstrap()));
        all.addAll(List.of(args));
        final Tool.Result r = Tool.run(GROUPS, "", all.toArray(String[]::new));
        assertEquals(0, r.status(), r.out());
        return r;
    }

    /** The rows of {@code --describe} (or {@code --reset-offsets}) output: partition → columns. */
    private static Map<Integer, String[]> rows(final String out, final String topic) {
        final Map<Integer, String[]> rows = new TreeMap<>();
        for (String line : out.lines().toList()) {
            final String[] cols = line.trim().split("\\s+");
            for (int i = 0; i + 1 < cols.length; i++) {
                if (cols[i].equals(topic) && cols[i + 1].matches("\\d+")) {
                    rows.put(Integer.parseInt(cols[i + 1]), java.util.Arrays.copyOfRange(cols, i, cols.length));
                    break;
                }
            }
        }
        return rows;
    }

    private Tool.Result consoleConsume(final int max) throws Exception {
        return Tool.run(CONSOLE, "", "--bootstrap-server", f.bootstrap(), "--topic", "hello", "--group", "hello-group",
                "--from-beginning", "--max-messages", String.valueOf(max), "--timeout-ms", "30000",
                "--consumer-property", "session.timeout.ms=6000", "--consumer-property", "heartbeat.interval.ms=500");
    }

    @Test
    void consoleConsumerCommitsAndConsumerGroupsDescribesOffsetsAndLag() throws Exception {
        final Tool.Result consumed = consoleConsume(10);
        assertEquals(10, consumed.out().lines().filter(l -> l.startsWith("m")).count(), consumed.out());

        assertTrue(groups("--list").out().lines().toList().contains("hello-group"));
        final String describe = groups("--describe", "--group", "hello-group").out();
        final Map<Integer, String[]> rows = rows(describe, "hello");
        assertEquals(2, rows.size(), describe);
        for (String[] row : rows.values()) {
            // TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG ...
            assertEquals("5", row[2], describe);
            assertEquals("5", row[3], describe);
            assertEquals("0", row[4], describe);
            assertEquals("-", row[5], "no active member owns the partition: " + describe);
        }

        produce(10, 16);
        final Map<Integer, String[]> lagging = rows(groups("--describe", "--group", "hello-group").out(), "hello");
        assertEquals("3", lagging.get(0)[4]);
        assertEquals("3", lagging.get(1)[4]);

        final String state = groups("--describe", "--group", "hello-group", "--state").out();
        assertTrue(state.contains("Empty"), state);
        assertTrue(groups("--list", "--state", "Empty").out().contains("hello-group"));
        assertTrue(!groups("--list", "--state", "Stable").out().contains("hello-group"));

        // The console consumer picks up where the group left off: only the 6 new records.
        final Tool.Result rest = consoleConsume(6);
        assertEquals(List.of("m10", "m11", "m12", "m13", "m14", "m15"),
                rest.out().lines().filter(l -> l.startsWith("m")).sorted().toList(), rest.out());
        for (String[] row : rows(groups("--describe", "--group", "hello-group").out(), "hello").values()) {
            assertEquals("0", row[4]);
        }
    }

    @Test
    void describeShowsTheMembersOfAStableGroup() throws Exception {
        try (var consumer = f.consumer(ConsumerGroupTest.groupConsumer(f.bootstrap(), "live"))) {
            consumer.subscribe(List.of("hello"));
            while (consumer.assignment().size() < 2) {
                consumer.poll(java.time.Duration.ofMillis(100));
            }
            consumer.commitSync();
            final String members = groups("--describe", "--group", "live", "--members", "--verbose").out();
            assertTrue(members.contains("consumer-live-"), members);
            assertTrue(members.contains("hello:0,1"), members);
            final String state = groups("--describe", "--group", "live", "--state").out();
            assertTrue(state.contains("Stable") && state.contains("range"), state);
            final Tool.Result refused = Tool.run(GROUPS, "", "--bootstrap-server", f.bootstrap(), "--delete", "--group", "live");
            assertTrue(refused.out().contains("NON_EMPTY_GROUP") || refused.out().contains("not empty"), refused.out());
        }
    }

    @Test
    void resetOffsetsToEarliestLatestOffsetShiftAndDatetimeThenDelete() throws Exception {
        consoleConsume(10);
        final String dryRun = groups("--reset-offsets", "--group", "hello-group", "--topic", "hello", "--to-earliest", "--dry-run").out();
        assertEquals("0", rows(dryRun, "hello").get(0)[2], dryRun);
        assertEquals("5", rows(groups("--describe", "--group", "hello-group").out(), "hello").get(0)[2], "dry run changes nothing");

        groups("--reset-offsets", "--group", "hello-group", "--topic", "hello", "--to-earliest", "--execute");
        assertEquals("0", rows(groups("--describe", "--group", "hello-group").out(), "hello").get(0)[2]);
        assertEquals("5", rows(groups("--describe", "--group", "hello-group").out(), "hello").get(0)[4]);

        groups("--reset-offsets", "--group", "hello-group", "--topic", "hello:1", "--to-offset", "3", "--execute");
        Map<Integer, String[]> r = rows(groups("--describe", "--group", "hello-group").out(), "hello");
        assertEquals("0", r.get(0)[2]);
        assertEquals("3", r.get(1)[2]);

        groups("--reset-offsets", "--group", "hello-group", "--topic", "hello", "--shift-by", "1", "--execute");
        r = rows(groups("--describe", "--group", "hello-group").out(), "hello");
        assertEquals("1", r.get(0)[2]);
        assertEquals("4", r.get(1)[2]);

        groups("--reset-offsets", "--group", "hello-group", "--topic", "hello", "--to-latest", "--execute");
        r = rows(groups("--describe", "--group", "hello-group").out(), "hello");
        assertEquals("5", r.get(0)[2]);
        assertEquals("0", r.get(0)[4]);

        groups("--reset-offsets", "--group", "hello-group", "--topic", "hello", "--to-datetime", "2000-01-01T00:00:00.000", "--execute");
        assertEquals("0", rows(groups("--describe", "--group", "hello-group").out(), "hello").get(1)[2]);

        final String deleted = groups("--delete", "--group", "hello-group").out();
        assertTrue(deleted.contains("Deletion of requested consumer groups ('hello-group') was successful."), deleted);
        assertTrue(!groups("--list").out().contains("hello-group"));
        f.restart();
        assertTrue(!groups("--list").out().contains("hello-group"), "the deletion survives a restart");
    }
}
