package io.sediment.broker;

import io.sediment.api.EngineConfig;
import io.sediment.api.LogConfig;
import io.sediment.api.LogEngine;
import io.sediment.api.LogSlice;
import io.sediment.api.record.RecordBatch;
import io.sediment.api.record.RecordCursor;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.coordinator.group.generated.GroupMetadataKey;
import org.apache.kafka.coordinator.group.generated.GroupMetadataValue;
import org.apache.kafka.coordinator.group.generated.OffsetCommitKey;
import org.apache.kafka.coordinator.group.generated.OffsetCommitValue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

/**
 * Committed offsets in {@code __consumer_offsets} over a real engine: what is rebuilt at start-up equals what was
 * committed and not deleted (property against a map model, with restarts and partition rewrites in between); the
 * records are Kafka's own layouts; and {@code offsets.retention.minutes} expires what Kafka expires.
 */
class GroupOffsetsStoreTest {
    @TempDir
    Path root;
    final AtomicLong clock = new AtomicLong(1_000_000_000L);
    final List<AutoCloseable> open = new ArrayList<>();

    /** A coordinator over its own engine, as a broker builds it, with a controllable clock. */
    final class Opened implements AutoCloseable {
        final LogEngine engine;
        final TopicCatalog catalog;
        final GroupCoordinator coordinator;
        final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

        Opened(final Path dir, final String... settings) {
            final Properties p = new Properties();
            p.setProperty("log.dirs", dir.toString());
            p.setProperty("offsets.topic.num.partitions", "3");
            for (int i = 0; i + 1 < settings.length; i += 2) {
                p.setProperty(settings[i], settings[i + 1]);
            }
            final BrokerConfig config = new BrokerConfig(p);
            catalog = TopicCatalog.load(dir, LogConfig.DEFAULTS);
            engine = SedimentBroker.openEngine(dir, EngineConfig.defaults().withLogConfigs(catalog::logConfig));
            catalog.attach(engine);
            final GroupConfig gc = GroupConfig.from(config);
            coordinator = new GroupCoordinator(gc, new ConsumerOffsetsStore(catalog, gc), timer, clock::get);
            coordinator.load();
        }

        @Override
        public void close() {
            timer.shutdownNow();
            engine.close();
        }
    }

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    private Opened open(final Path dir, final String... settings) {
        final Opened o = new Opened(dir, settings);
        open.add(o);
        return o;
    }

    private static Map<TopicPartition, Long> offsets(final GroupCoordinator c, final String group) {
        final Map<TopicPartition, Long> out = new HashMap<>();
        c.committed(group, null).forEach((tp, v) -> out.put(tp, v.offset()));
        return out;
    }

    private static Map<TopicPartition, Errors> commit(final GroupCoordinator c, final String group, final TopicPartition tp,
                                                      final long offset) {
        return c.commit(group, -1, "", null, List.of(new GroupCoordinator.Commit(tp, offset, -1, "meta")));
    }

    @Test
    void rebuiltStateEqualsTheModelAcrossRestartsAndRewrites() {
        final AtomicInteger example = new AtomicInteger();
        final String[] groups = {"a", "b", "c", "d"};
        qt().withExamples(30).forAll(lists().of(integers().between(0, 999)).ofSizeBetween(1, 60)).checkAssert(ops -> {
            final Path dir = root.resolve("e" + example.getAndIncrement());
            final Map<String, Map<TopicPartition, Long>> model = new TreeMap<>();
            Opened o = new Opened(dir);
            try {
                for (int op : ops) {
                    final String g = groups[op % groups.length];
                    final TopicPartition tp = new TopicPartition(op % 3 == 0 ? "x" : "y", (op / 4) % 3);
                    final int kind = op / 12 % 8;
                    if (kind <= 3) {
                        final long offset = op * 7L;
                        assertEquals(Errors.NONE, commit(o.coordinator, g, tp, offset).get(tp));
                        model.computeIfAbsent(g, k -> new HashMap<>()).put(tp, offset);
                    } else if (kind == 4) {
                        final Map<TopicPartition, Errors> per = new HashMap<>();
                        final Errors e = o.coordinator.deleteOffsets(g, List.of(tp), per);
                        assertEquals(model.containsKey(g) ? Errors.NONE : Errors.GROUP_ID_NOT_FOUND, e);
                        if (model.containsKey(g)) {
                            model.get(g).remove(tp);
                        }
                    } else if (kind == 5) {
                        assertEquals(model.containsKey(g) ? Errors.NONE : Errors.GROUP_ID_NOT_FOUND, o.coordinator.delete(g));
                        model.remove(g);
                    } else if (kind == 6) {
                        o.close();
                        o = new Opened(dir);
                        // A group with no offsets and no membership record is not worth remembering (Kafka agrees).
                        model.values().removeIf(Map::isEmpty);
                    } else {
                        for (int p = 0; p < 3; p++) {
                            o.coordinator.maybeRewrite(p, 0);
                        }
                    }
                    for (String each : groups) {
                        assertEquals(model.getOrDefault(each, Map.of()), offsets(o.coordinator, each), "group " + each);
                    }
                }
                o.close();
                o = new Opened(dir);
                model.values().removeIf(Map::isEmpty);
                for (String each : groups) {
                    assertEquals(model.getOrDefault(each, Map.of()), offsets(o.coordinator, each), "after restart, group " + each);
                }
            } finally {
                o.close();
            }
        });
    }

    @Test
    void aRewriteDropsSupersededRecordsAndKeepsTheLiveOnes() {
        final Opened o = open(root);
        final TopicPartition tp = new TopicPartition("t", 0);
        for (int i = 1; i <= 50; i++) {
            commit(o.coordinator, "g", tp, i);
        }
        final int p = Math.abs("g".hashCode()) % 3;
        final var log = o.engine.getLog(new io.sediment.api.TopicPartition(ConsumerOffsetsStore.TOPIC, p));
        assertEquals(50, log.logEndOffset() - log.logStartOffset());
        o.coordinator.maybeRewrite(p, 0);
        assertEquals(1, log.logEndOffset() - log.logStartOffset(), "only the last commit is live");
        o.close();
        open.remove(o);
        assertEquals(50L, offsets(open(root).coordinator, "g").get(tp));
    }

    @Test
    void recordsUseKafkasOwnKeyAndValueLayouts() {
        final Opened o = open(root);
        final TopicPartition tp = new TopicPartition("orders", 4);
        commit(o.coordinator, "layout", tp, 42);
        final int p = Math.abs("layout".hashCode()) % 3;
        final var log = o.engine.getLog(new io.sediment.api.TopicPartition(ConsumerOffsetsStore.TOPIC, p));
        final List<ByteBuffer[]> records = new ArrayList<>();
        try (LogSlice slice = log.read(0, Integer.MAX_VALUE)) {
            final RecordBatch batch = new RecordBatch().wrap(slice.buffer(), 0);
            final RecordCursor cursor = new RecordCursor().reset(batch);
            while (cursor.next()) {
                records.add(new ByteBuffer[]{ByteBuffer.wrap(cursor.keyBytes()), ByteBuffer.wrap(cursor.valueBytes())});
            }
        }
        assertEquals(1, records.size());
        final ByteBuffer key = records.get(0)[0];
        assertEquals(1, key.getShort(), "record type 1: offset commit");
        final OffsetCommitKey k = new OffsetCommitKey(new ByteBufferAccessor(key), (short) 0);
        assertEquals("layout", k.group());
        assertEquals("orders", k.topic());
        assertEquals(4, k.partition());
        final ByteBuffer value = records.get(0)[1];
        final short version = value.getShort();
        final OffsetCommitValue v = new OffsetCommitValue(new ByteBufferAccessor(value), version);
        assertEquals(42, v.offset());
        assertEquals("meta", v.metadata());
        assertEquals(clock.get(), v.commitTimestamp());
        assertEquals(0, value.remaining(), "the whole value was read");

        final byte[] groupKey = ConsumerOffsetsRecords.groupKey("layout");
        final ByteBuffer gk = ByteBuffer.wrap(groupKey);
        assertEquals(2, gk.getShort());
        assertEquals("layout", new GroupMetadataKey(new ByteBufferAccessor(gk), (short) 0).group());
        final ByteBuffer gv = ByteBuffer.wrap(ConsumerOffsetsRecords.groupValue(new ConsumerOffsetsRecords.GroupValue(
                "consumer", 7, "range", "m-1", 123L, List.of(new ConsumerOffsetsRecords.MemberValue("m-1", null, "c",
                "/127.0.0.1", 300000, 10000, new byte[]{1, 2}, new byte[]{3})))));
        final GroupMetadataValue decoded = new GroupMetadataValue(new ByteBufferAccessor(gv), gv.getShort());
        assertEquals(7, decoded.generation());
        assertEquals("range", decoded.protocol());
        assertEquals("m-1", decoded.members().get(0).memberId());
        assertEquals(3, decoded.members().get(0).assignment()[0]);
        assertEquals(0, gv.remaining());
    }

    @Test
    void offsetsExpireAfterTheRetentionOfAnEmptyGroupAndTheExpiryIsStored() {
        final Opened o = open(root, "offsets.retention.minutes", "1");
        final TopicPartition tp = new TopicPartition("t", 0);
        commit(o.coordinator, "old", tp, 5);
        clock.addAndGet(30_000);
        commit(o.coordinator, "young", tp, 6);
        clock.addAndGet(30_000);
        o.coordinator.expireOffsets();
        assertEquals(Map.of(), offsets(o.coordinator, "old"), "committed 60 s ago, retention 60 s");
        assertEquals(Map.of(tp, 6L), offsets(o.coordinator, "young"));
        assertTrue(o.coordinator.list().stream().noneMatch(s -> s.groupId().equals("old")), "the emptied group is gone");
        o.close();
        open.remove(o);
        final Opened again = open(root, "offsets.retention.minutes", "1");
        assertEquals(Map.of(), offsets(again.coordinator, "old"));
        assertEquals(Map.of(tp, 6L), offsets(again.coordinator, "young"));
    }

    @Test
    void aCommitWithAGenerationToAnUnknownGroupIsRefused() {
        final Opened o = open(root);
        final TopicPartition tp = new TopicPartition("t", 0);
        assertEquals(Errors.ILLEGAL_GENERATION, o.coordinator.commit("nobody", 3, "m", null,
                List.of(new GroupCoordinator.Commit(tp, 1, -1, ""))).get(tp));
        assertEquals(Errors.OFFSET_METADATA_TOO_LARGE, o.coordinator.commit("g", -1, "", null,
                List.of(new GroupCoordinator.Commit(tp, 1, -1, "x".repeat(4097)))).get(tp));
    }
}
