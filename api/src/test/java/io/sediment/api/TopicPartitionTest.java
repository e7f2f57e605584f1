package io.sediment.api;

import org.apache.kafka.common.internals.Topic;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

import static org.junit.jupiter.api.Assertions.*;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

class TopicPartitionTest {

    @Test
    void legalNamesAreAccepted() {
        for (String name : new String[]{"a", "my.topic", "my_topic", "MY-TOPIC-9", "__consumer_offsets", "...",
                "-", "x".repeat(249)}) {
            final TopicPartition tp = new TopicPartition(name, 0);
            assertEquals(name, tp.topic());
            assertEquals(name + "-0", tp.directoryName());
        }
    }

    @Test
    void namesThatCouldLeaveTheDataDirectoryOrBreakKafkasRulesAreRefused() {
        for (String name : new String[]{"../x", "a/b", "a\\b", "/abs", ".", "..", "", "x".repeat(250), "caf\u00e9",
                "\u65e5\u672c", "with space", "tab\t", "nul\0", "a:b"}) {
            final InvalidTopicException e = assertThrows(InvalidTopicException.class,
                    () -> new TopicPartition(name, 0), name);
            assertEquals(name, e.name());
        }
        assertThrows(InvalidTopicException.class, () -> new TopicPartition(null, 0));
    }

    @Test
    void aNegativePartitionIsRefused() {
        final InvalidTopicException e = assertThrows(InvalidTopicException.class, () -> new TopicPartition("t", -1));
        assertTrue(e.getMessage().contains("partition -1"), e.getMessage());
    }

    @Test
    void parseSplitsAtTheLastDash() {
        assertEquals(new TopicPartition("my.topic", 12), TopicPartition.parse("my.topic-12"));
        assertEquals(new TopicPartition("a-b", 3), TopicPartition.parse("a-b-3"));
        assertEquals(new TopicPartition("t", 0), TopicPartition.parse("t-0"));
        for (String bad : new String[]{"nodash", "-3", "topic-", "topic-x", "topic-99999999999", "../x-1", "a/b-1",
                ".-0", "..-0", "topic-+1x"}) {
            assertThrows(InvalidTopicException.class, () -> TopicPartition.parse(bad), bad);
        }
    }

    @Test
    void parseInvertsDirectoryName() {
        final Gen<String> names = legalNames().assuming(Topic::isValid);
        qt().withExamples(1_000).forAll(names, integers().between(0, Integer.MAX_VALUE)).checkAssert((name, p) -> {
            final TopicPartition tp = new TopicPartition(name, p);
            assertEquals(tp, TopicPartition.parse(tp.directoryName()));
        });
    }

    /** Kafka's own {@code Topic.validate} and ours accept exactly the same names. */
    @Test
    void acceptsExactlyTheNamesKafkaAccepts() {
        qt().withExamples(5_000).forAll(legalOrNearlyLegalNames()).checkAssert(name -> {
            boolean kafkaAccepts;
            try {
                Topic.validate(name);
                kafkaAccepts = true;
            } catch (org.apache.kafka.common.errors.InvalidTopicException e) {
                kafkaAccepts = false;
            }
            boolean weAccept;
            try {
                TopicPartition.validateTopic(name);
                weAccept = true;
            } catch (InvalidTopicException e) {
                weAccept = false;
            }
            assertEquals(kafkaAccepts, weAccept, () -> "name '" + name + "' (" + name.length() + " chars)");
        });
    }

    @Test
    void ordersByTopicThenPartition() {
        assertTrue(new TopicPartition("a", 10).compareTo(new TopicPartition("b", 0)) < 0);
        assertTrue(new TopicPartition("a", 2).compareTo(new TopicPartition("a", 10)) < 0);
        assertEquals(0, new TopicPartition("a", 2).compareTo(new TopicPartition("a", 2)));
    }

    private static Gen<String> legalNames() {
        final String alphabet = "azAZ09._-";
        final Gen<Integer> lengths = Generate.oneOf(integers().between(1, 8), integers().between(1, 249));
        final Gen<Integer> picks = integers().between(0, alphabet.length() - 1);
        return rs -> {
            final int length = lengths.generate(rs);
            final StringBuilder sb = new StringBuilder(length);
            for (int i = 0; i < length; i++) {
                sb.append(alphabet.charAt(picks.generate(rs)));
            }
            return sb.toString();
        };
    }

    private static Gen<String> legalOrNearlyLegalNames() {
        final String alphabet = "ab.Z9_-./\\ \u00e9:";
        final Gen<Integer> lengths = Generate.oneOf(integers().between(0, 6), integers().between(240, 260));
        final Gen<Integer> legalPicks = integers().between(0, 6);
        final Gen<Integer> anyPicks = integers().between(0, alphabet.length() - 1);
        final Gen<Boolean> mostlyLegal = Generate.frequency(java.util.List.of(
                org.quicktheories.api.Pair.of(97, Generate.constant(true)),
                org.quicktheories.api.Pair.of(3, Generate.constant(false))));
        return rs -> {
            final int length = lengths.generate(rs);
            final StringBuilder sb = new StringBuilder(length);
            for (int i = 0; i < length; i++) {
                sb.append(alphabet.charAt(mostlyLegal.generate(rs) ? legalPicks.generate(rs) : anyPicks.generate(rs)));
            }
            return sb.toString();
        };
    }
}
