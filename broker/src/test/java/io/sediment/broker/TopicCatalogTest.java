package io.sediment.broker;

import io.sediment.api.LogConfig;
import io.sediment.api.LogEngine;
import io.sediment.api.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

/**
 * The topic catalogue against a map model: after any sequence of creates, deletes, partition increases and config
 * changes, the catalogue, the catalogue reloaded from its file, and the engine's logs and their configs all agree
 * with the model.
 */
class TopicCatalogTest {
    private static final List<String> NAMES = List.of("a", "b.c", "d_e-1", "__internal");

    @TempDir
    Path dir;

    private record ModelTopic(Uuid id, int partitions, Map<String, String> overrides) {
    }

    private final LogConfig brokerDefaults = LogConfig.fromBrokerProperties(new Properties());

    private LogEngine open(final Path d, final TopicCatalog catalog) {
        final BrokerConfig cfg = new BrokerConfig(props(d));
        return SedimentBroker.openEngine(d, cfg.engineConfig(catalog::logConfig));
    }

    private static Properties props(final Path d) {
        final Properties p = new Properties();
        p.setProperty("log.dirs", d.toString());
        return p;
    }

    @Test
    void catalogueFileAndEngineAgreeWithTheModelAfterAnyOperations() {
        final int[] example = {0};
        qt().withExamples(40).withShrinkCycles(30)
                .forAll(lists().of(integers().between(0, 999)).ofSizeBetween(1, 20))
                .checkAssert(ops -> {
                    try {
                        final Path d = Files.createDirectories(dir.resolve("ex" + example[0]++));
                        runExample(d, ops);
                    } catch (IOException e) {
                        throw new AssertionError(e);
                    }
                });
    }

    private void runExample(final Path d, final List<Integer> ops) {
        final Map<String, ModelTopic> model = new TreeMap<>();
        TopicCatalog catalog = TopicCatalog.load(d, brokerDefaults);
        LogEngine engine = open(d, catalog);
        catalog.attach(engine);
        try {
            for (int op : ops) {
                final String name = NAMES.get(op % NAMES.size());
                final ModelTopic m = model.get(name);
                switch ((op / NAMES.size()) % 4) {
                    case 0 -> {
                        final int partitions = 1 + op % 3;
                        final Map<String, String> overrides = op % 2 == 0 ? Map.of() : Map.of("retention.ms", String.valueOf(op));
                        if (m != null) {
                            assertThrows(TopicExistsException.class, () -> catalog.create(name, partitions, overrides));
                        } else {
                            final TopicCatalog.Topic t = catalog.create(name, partitions, overrides);
                            model.put(name, new ModelTopic(t.id(), partitions, overrides));
                        }
                    }
                    case 1 -> {
                        if (m == null) {
                            assertThrows(UnknownTopicOrPartitionException.class, () -> catalog.delete(name));
                        } else {
                            catalog.delete(name);
                            model.remove(name);
                        }
                    }
                    case 2 -> {
                        final int count = 1 + op % 5;
                        if (m == null) {
                            assertThrows(UnknownTopicOrPartitionException.class, () -> catalog.increasePartitions(name, count));
                        } else if (count <= m.partitions()) {
                            assertThrows(InvalidPartitionsException.class, () -> catalog.increasePartitions(name, count));
                        } else {
                            catalog.increasePartitions(name, count);
                            model.put(name, new ModelTopic(m.id(), count, m.overrides()));
                        }
                    }
                    default -> {
                        final Map<String, String> overrides = new HashMap<>();
                        if (op % 3 != 0) {
                            overrides.put("segment.bytes", String.valueOf(1024 * (1 + op % 7)));
                        }
                        if (m == null) {
                            assertThrows(UnknownTopicOrPartitionException.class, () -> catalog.setOverrides(name, overrides));
                        } else {
                            catalog.setOverrides(name, overrides);
                            model.put(name, new ModelTopic(m.id(), m.partitions(), Map.copyOf(overrides)));
                        }
                    }
                }
            }
            check(model, catalog, engine);
        } finally {
            engine.close();
        }
        final TopicCatalog reloaded = TopicCatalog.load(d, brokerDefaults);
        engine = open(d, reloaded);
        try {
            reloaded.attach(engine);
            check(model, reloaded, engine);
        } finally {
            engine.close();
        }
    }

    private void check(final Map<String, ModelTopic> model, final TopicCatalog catalog, final LogEngine engine) {
        final Map<String, ModelTopic> actual = new TreeMap<>();
        for (TopicCatalog.Topic t : catalog.topics()) {
            actual.put(t.name(), new ModelTopic(t.id(), t.partitions(), t.overrides()));
        }
        assertEquals(model, actual);
        final TreeSet<TopicPartition> expectedLogs = new TreeSet<>();
        for (Map.Entry<String, ModelTopic> e : model.entrySet()) {
            for (int p = 0; p < e.getValue().partitions(); p++) {
                final TopicPartition tp = new TopicPartition(e.getKey(), p);
                expectedLogs.add(tp);
                assertEquals(brokerDefaults.with(e.getValue().overrides()), engine.getLog(tp).config(), tp.toString());
            }
        }
        assertEquals(expectedLogs, engine.logs());
    }
}
