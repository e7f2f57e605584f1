package io.sediment.log;

import io.sediment.api.EngineConfig;
import io.sediment.api.Log;
import io.sediment.api.LogConfig;
import io.sediment.api.LogSlice;
import io.sediment.api.OffsetOutOfRangeException;
import io.sediment.api.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** Time and size retention, the log start offset, and safe deletion, through the engine. */
class RetentionTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final long HOUR = 3_600_000L;
    private static final TopicPartition TP = new TopicPartition("events", 0);

    @TempDir
    Path dir;

    private final ManualClock clock = new ManualClock(T0);

    private static LogConfig cfg(final long retentionMs, final long retentionBytes) {
        return LogConfig.from(Map.of(LogConfig.SEGMENT_BYTES, 1024, LogConfig.RETENTION_MS, retentionMs,
                LogConfig.RETENTION_BYTES, retentionBytes, LogConfig.FILE_DELETE_DELAY_MS, 0));
    }

    private SegmentLogEngine open(final LogConfig cfg) {
        return SegmentLogEngine.open(dir, EngineConfig.defaults().withClock(clock).withDefaultLogConfig(cfg));
    }

    private void appendBatches(final Log log, final int n, final long timestamp) {
        for (int i = 0; i < n; i++) {
            final List<TestRecord> batch = new ArrayList<>();
            for (int r = 0; r < 4; r++) {
                batch.add(new TestRecord(-1, timestamp, null, new byte[30]));
            }
            log.append(TestRecord.batch(batch));
        }
    }

    private List<String> files(final String suffix) throws IOException {
        try (Stream<Path> s = Files.list(dir.resolve(TP.directoryName()))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(suffix)).sorted().toList();
        }
    }

    @Test
    void timeRetentionDeletesWholeExpiredSegmentsAndKeepsTheRest() {
        final LogConfig cfg = cfg(HOUR, -1);
        try (SegmentLogEngine engine = open(cfg)) {
            final Log log = engine.createLog(TP, cfg);
            appendBatches(log, 20, T0);
            log.roll();
            final long firstFresh = log.logEndOffset();
            appendBatches(log, 20, T0 + 2 * HOUR);
            clock.advance(2 * HOUR);
            engine.runRetention();
            assertEquals(firstFresh, log.logStartOffset(), "every segment of old records went, the rest stayed");
            assertThrows(OffsetOutOfRangeException.class, () -> log.read(firstFresh - 1, 100));
            try (LogSlice slice = log.read(firstFresh, 100)) {
                assertEquals(firstFresh, slice.firstOffset());
            }
            assertTrue(log.stats().segmentsDeleted() >= 1);
            assertTrue(log.stats().bytesDeleted() > 0);
        }
    }

    @Test
    void whenEverythingExpiredTheActiveSegmentIsRolledFirstThenDeleted() {
        final LogConfig cfg = cfg(HOUR, -1);
        try (SegmentLogEngine engine = open(cfg)) {
            final Log log = engine.createLog(TP, cfg);
            appendBatches(log, 3, T0);
            assertEquals(1, log.segmentCount());
            clock.advance(HOUR + 1);
            engine.runRetention();
            assertEquals(12, log.logStartOffset());
            assertEquals(12, log.logEndOffset());
            assertEquals(1, log.segmentCount(), "a fresh empty active segment remains");
            assertEquals(0, log.sizeInBytes());
            assertEquals(12, log.append(TestRecord.batch(List.of(TestRecord.of(clock.millis(), "k", "v")))).firstOffset());
        }
    }

    @Test
    void sizeRetentionKeepsAtLeastRetentionBytes() {
        final LogConfig cfg = cfg(-1, 3_000);
        try (SegmentLogEngine engine = open(cfg)) {
            final Log log = engine.createLog(TP, cfg);
            appendBatches(log, 60, T0);
            final long before = log.sizeInBytes();
            engine.runRetention();
            assertTrue(log.sizeInBytes() >= 3_000, "kept " + log.sizeInBytes());
            assertTrue(log.sizeInBytes() < before);
            assertTrue(log.sizeInBytes() - 1024 < 3_000, "deleted every segment it could: " + log.sizeInBytes());
        }
    }

    @Test
    void retentionChangedOnAnOpenLogAppliesAtTheNextPass() {
        final LogConfig keep = cfg(-1, -1);
        try (SegmentLogEngine engine = open(keep)) {
            final Log log = engine.createLog(TP, keep);
            appendBatches(log, 40, T0);
            clock.advance(10 * HOUR);
            engine.runRetention();
            assertEquals(0, log.logStartOffset(), "retention.ms -1 keeps forever");
            log.updateConfig(cfg(HOUR, -1));
            engine.runRetention();
            assertEquals(log.logEndOffset(), log.logStartOffset());
        }
    }

    @Test
    void theBackgroundThreadRunsRetentionOnItsInterval() throws InterruptedException {
        final LogConfig cfg = cfg(HOUR, -1);
        try (SegmentLogEngine engine = SegmentLogEngine.open(dir, EngineConfig.defaults().withClock(clock)
                .withDefaultLogConfig(cfg).withRetentionCheckIntervalMs(20))) {
            final Log log = engine.createLog(TP, cfg);
            appendBatches(log, 10, T0);
            clock.advance(2 * HOUR);
            // Poll with a generous bound: the scheduler, not this thread, must do the deletion.
            final long deadline = System.nanoTime() + 20_000_000_000L;
            while (log.logStartOffset() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(40, log.logStartOffset());
        }
    }

    @Test
    void deletedSegmentsAreRenamedThenRemovedAfterTheDelay() throws IOException, InterruptedException {
        final LogConfig cfg = LogConfig.from(Map.of(LogConfig.SEGMENT_BYTES, 1024, LogConfig.RETENTION_MS, HOUR,
                LogConfig.FILE_DELETE_DELAY_MS, 60_000));
        try (SegmentLogEngine engine = open(cfg)) {
            final Log log = engine.createLog(TP, cfg);
            appendBatches(log, 20, T0);
            log.roll();
            appendBatches(log, 1, T0 + 2 * HOUR);
            clock.advance(2 * HOUR);
            engine.runRetention();
            assertFalse(files(".log.deleted").isEmpty(), "renamed, waiting for file.delete.delay.ms: " + files(""));
            assertEquals(1, files(".log").size(), "only the live segment keeps its name");
        }
        // close() deletes what was waiting; a crash would leave the renamed files, which open purges.
        assertTrue(files(".deleted").isEmpty(), files("").toString());
    }

    @Test
    void aCrashBetweenRenameAndDeleteLeavesAConsistentLog() throws IOException {
        final LogConfig cfg = LogConfig.from(Map.of(LogConfig.SEGMENT_BYTES, 1024, LogConfig.RETENTION_MS, HOUR,
                LogConfig.FILE_DELETE_DELAY_MS, 60_000));
        long start;
        SegmentLogEngine engine = open(cfg);
        final Log log = engine.createLog(TP, cfg);
        appendBatches(log, 20, T0);
        log.roll();
        appendBatches(log, 5, T0 + 2 * HOUR);
        clock.advance(2 * HOUR);
        engine.runRetention();
        start = log.logStartOffset();
        final long end = log.logEndOffset();
        log.flush();
        engine.halt();
        assertFalse(files(".deleted").isEmpty());
        try (SegmentLogEngine reopened = open(cfg)) {
            final Log again = reopened.getLog(TP);
            assertEquals(start, again.logStartOffset());
            assertEquals(end, again.logEndOffset());
            assertTrue(files(".deleted").isEmpty(), "leftovers purged at open");
            assertThrows(OffsetOutOfRangeException.class, () -> again.read(start - 1, 10));
        }
    }

    @Test
    void aTornCheckpointWriteLeavesTheLastCompleteOneInForce() throws IOException {
        final LogConfig cfg = cfg(-1, -1);
        try (SegmentLogEngine engine = open(cfg)) {
            final Log log = engine.createLog(TP, cfg);
            appendBatches(log, 10, T0);
            log.deleteRecordsBefore(13);
        }
        // A crash in the middle of the next write leaves a partial temp file beside the complete checkpoint.
        Files.writeString(dir.resolve(SegmentLogEngine.LOG_START_OFFSET_CHECKPOINT + ".tmp"), "0\n2\nevents 0 3");
        try (SegmentLogEngine engine = open(cfg)) {
            final Log log = engine.getLog(TP);
            assertEquals(13, log.logStartOffset());
            log.deleteRecordsBefore(20);
        }
        try (SegmentLogEngine engine = open(cfg)) {
            assertEquals(20, engine.getLog(TP).logStartOffset());
        }
    }
}
