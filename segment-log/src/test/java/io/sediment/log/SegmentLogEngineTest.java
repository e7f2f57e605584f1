package io.sediment.log;

import io.sediment.api.AppendResult;
import io.sediment.api.CorruptRecordException;
import io.sediment.api.EngineConfig;
import io.sediment.api.InvalidTopicException;
import io.sediment.api.Log;
import io.sediment.api.LogAlreadyExistsException;
import io.sediment.api.LogClosedException;
import io.sediment.api.LogConfig;
import io.sediment.api.LogSlice;
import io.sediment.api.OffsetOutOfRangeException;
import io.sediment.api.RecordTooLargeException;
import io.sediment.api.StorageException;
import io.sediment.api.TimestampedOffset;
import io.sediment.api.TopicPartition;
import io.sediment.api.record.RecordBatch;
import io.sediment.api.record.TimestampType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

class SegmentLogEngineTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final TopicPartition ORDERS = new TopicPartition("orders", 0);

    @TempDir
    Path dir;

    private final ManualClock clock = new ManualClock(T0);

    private SegmentLogEngine open(final LogConfig cfg) {
        return SegmentLogEngine.open(dir, EngineConfig.defaults().withClock(clock).withDefaultLogConfig(cfg));
    }

    private static LogConfig small() {
        return LogConfig.from(Map.of(LogConfig.SEGMENT_BYTES, 1024, LogConfig.INDEX_INTERVAL_BYTES, 100,
                LogConfig.SEGMENT_INDEX_BYTES, 240));
    }

    private static List<TestRecord> records(final int n, final long firstTs, final String prefix) {
        final List<TestRecord> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            list.add(TestRecord.of(firstTs + i, prefix + "-k" + i, prefix + "-value-" + i));
        }
        return list;
    }

    private static List<TestRecord> readAll(final Log log, final long from) {
        final List<TestRecord> out = new ArrayList<>();
        long next = from;
        while (next < log.logEndOffset()) {
            try (LogSlice slice = log.read(next, 1 << 20)) {
                for (TestRecord r : TestRecord.decode(slice)) {
                    if (r.offset() >= from) {
                        out.add(r);
                    }
                }
                next = slice.nextOffset();
            }
        }
        return out;
    }

    private static List<TestRecord> withOffsets(final List<TestRecord> records, final long first) {
        final List<TestRecord> out = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            out.add(records.get(i).withOffset(first + i));
        }
        return out;
    }

    @Test
    void appendsReadBackByOffsetAndByTimestampAndSurviveReopen() {
        final List<TestRecord> all = new ArrayList<>();
        try (SegmentLogEngine engine = open(small())) {
            final Log log = engine.createLog(ORDERS, small());
            for (int b = 0; b < 20; b++) {
                final List<TestRecord> batch = records(3, T0 + b * 10, "b" + b);
                final AppendResult result = log.append(TestRecord.batch(batch));
                assertEquals(b * 3L, result.firstOffset());
                assertEquals(b * 3L + 2, result.lastOffset());
                assertEquals(T0 + b * 10 + 2, result.maxTimestamp());
                assertEquals(-1L, result.logAppendTime());
                all.addAll(batch);
            }
            assertTrue(log.segmentCount() > 1, "1 KiB segments must have rolled");
            assertEquals(withOffsets(all, 0), readAll(log, 0));
            assertEquals(Optional.of(new TimestampedOffset(T0 + 101, 31)), log.offsetForTimestamp(T0 + 101));
            assertEquals(Optional.of(new TimestampedOffset(T0, 0)), log.offsetForTimestamp(0));
            assertEquals(Optional.empty(), log.offsetForTimestamp(T0 + 1_000));
            assertEquals(Optional.of(new TimestampedOffset(T0 + 192, 59)), log.offsetOfMaxTimestamp());
        }
        try (SegmentLogEngine engine = open(small())) {
            final Log log = engine.getLog(ORDERS);
            assertEquals(60, log.logEndOffset());
            assertEquals(withOffsets(all, 0), readAll(log, 0));
            assertEquals(Optional.of(new TimestampedOffset(T0 + 101, 31)), log.offsetForTimestamp(T0 + 101));
            assertEquals(60, log.append(TestRecord.batch(records(1, T0, "after"))).firstOffset());
        }
    }

    @Test
    void segmentsUseKafkaFileNames() throws IOException {
        try (SegmentLogEngine engine = open(small())) {
            final Log log = engine.createLog(ORDERS, small());
            for (int b = 0; b < 10; b++) {
                log.append(TestRecord.batch(records(4, T0, "x")));
            }
        }
        try (Stream<Path> files = Files.list(dir.resolve("orders-0"))) {
            final List<String> names = files.map(p -> p.getFileName().toString()).sorted().toList();
            assertTrue(names.contains("00000000000000000000.log"), names.toString());
            assertTrue(names.contains("00000000000000000000.index"), names.toString());
            assertTrue(names.contains("00000000000000000000.timeindex"), names.toString());
        }
        assertTrue(Files.exists(dir.resolve(SegmentLogEngine.CLEAN_SHUTDOWN_FILE)));
        assertTrue(Files.exists(dir.resolve(SegmentLogEngine.RECOVERY_POINT_CHECKPOINT)));
    }

    @Test
    void reopeningKeepsSealedIndexFilesTrimmed() throws IOException {
        try (SegmentLogEngine engine = open(small())) {
            final Log log = engine.createLog(ORDERS, small());
            for (int b = 0; b < 30; b++) {
                log.append(TestRecord.batch(records(4, T0 + b, "s")));
            }
        }
        final Map<String, Long> sizes = indexFileSizes();
        for (int round = 0; round < 2; round++) {
            try (SegmentLogEngine engine = open(small())) {
                engine.getLog(ORDERS).read(0, 10).close();
            }
            assertEquals(sizes, indexFileSizes(), "round " + round);
        }
    }

    @Test
    void batchesWithoutTimestampsDoNotLookLikeALostTimeIndex() throws IOException {
        try (SegmentLogEngine engine = open(small())) {
            engine.createLog(ORDERS, small()).append(TestRecord.batch(List.of(new TestRecord(-1, -1, null, new byte[5]))));
        }
        final Path timeIndex = dir.resolve("orders-0/00000000000000000000.timeindex");
        assertEquals(0, Files.size(timeIndex), "no timestamp, no time-index entry");
        final List<String> warnings = new ArrayList<>();
        final java.util.logging.Logger loader = java.util.logging.Logger.getLogger(LogLoader.class.getName());
        final java.util.logging.Handler capture = new java.util.logging.Handler() {
            @Override
            public void publish(final java.util.logging.LogRecord r) {
                warnings.add(r.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        loader.addHandler(capture);
        try (SegmentLogEngine engine = open(small())) {
            final Log log = engine.getLog(ORDERS);
            assertEquals(Optional.empty(), log.offsetForTimestamp(0));
            assertEquals(1, log.logEndOffset());
        } finally {
            loader.removeHandler(capture);
        }
        assertEquals(List.of(), warnings, "a clean reopen rebuilds nothing");
        assertEquals(0, Files.size(timeIndex));
    }

    private Map<String, Long> indexFileSizes() throws IOException {
        try (Stream<Path> files = Files.list(dir.resolve("orders-0"))) {
            final Map<String, Long> sizes = new java.util.TreeMap<>();
            for (Path p : files.filter(p -> p.toString().endsWith("index")).toList()) {
                sizes.put(p.getFileName().toString(), Files.size(p));
            }
            return sizes;
        }
    }

    @Test
    void emptyLogReadsEmptyAtZeroAndRejectsAnythingElse() {
        try (SegmentLogEngine engine = open(small())) {
            final Log log = engine.createLog(ORDERS, small());
            try (LogSlice slice = log.read(0, 100)) {
                assertTrue(slice.isEmpty());
                assertEquals(0, slice.nextOffset());
            }
            assertThrows(OffsetOutOfRangeException.class, () -> log.read(1, 100));
            assertThrows(OffsetOutOfRangeException.class, () -> log.read(-1, 100));
            assertEquals(Optional.empty(), log.offsetForTimestamp(0));
            assertEquals(Optional.empty(), log.offsetOfMaxTimestamp());
        }
    }

    @Test
    void readBeyondTheEndOrBelowZeroFailsWithTheRange() {
        try (SegmentLogEngine engine = open(small())) {
            final Log log = engine.createLog(ORDERS, small());
            log.append(TestRecord.batch(records(5, T0, "a")));
            final OffsetOutOfRangeException beyond = assertThrows(OffsetOutOfRangeException.class, () -> log.read(6, 100));
            assertEquals(6, beyond.offset());
            assertEquals(0, beyond.logStartOffset());
            assertEquals(5, beyond.logEndOffset());
            assertThrows(OffsetOutOfRangeException.class, () -> log.read(-3, 100));
            try (LogSlice atEnd = log.read(5, 100)) {
                assertTrue(atEnd.isEmpty());
            }
        }
    }

    @Test
    void aBatchLargerThanMaxBytesIsStillReturnedWhole() {
        try (SegmentLogEngine engine = open(LogConfig.DEFAULTS)) {
            final Log log = engine.createLog(ORDERS, LogConfig.DEFAULTS);
            final List<TestRecord> big = List.of(new TestRecord(-1, T0, null, new byte[10_000]));
            log.append(TestRecord.batch(big));
            log.append(TestRecord.batch(records(1, T0, "small")));
            try (LogSlice slice = log.read(0, 10)) {
                assertTrue(slice.sizeInBytes() > 10_000);
                assertEquals(1, slice.nextOffset(), "only the first batch: the second would exceed maxBytes");
                assertEquals(withOffsets(big, 0), TestRecord.decode(slice));
            }
            try (LogSlice both = log.read(0, 1 << 20)) {
                assertEquals(2, both.nextOffset());
            }
        }
    }

    @Test
    void maxBytesAdmitsExactlyTheBatchesThatFit() {
        try (SegmentLogEngine engine = open(LogConfig.DEFAULTS)) {
            final Log log = engine.createLog(ORDERS, LogConfig.DEFAULTS);
            int size = 0;
            for (int b = 0; b < 5; b++) {
                size = log.append(TestRecord.batch(records(2, T0, "m" + b))).sizeInBytes();
            }
            for (int fit = 1; fit <= 5; fit++) {
                try (LogSlice exact = log.read(0, fit * size)) {
                    assertEquals(fit * 2L, exact.nextOffset(), fit + " batches fit exactly");
                    assertEquals(fit * size, exact.sizeInBytes());
                }
                try (LogSlice oneShort = log.read(0, fit * size - 1)) {
                    assertEquals(Math.max(1, fit - 1) * 2L, oneShort.nextOffset(), "one byte short of " + fit);
                }
            }
        }
    }

    @Test
    void readFromTheMiddleOfABatchReturnsTheWholeBatch() {
        try (SegmentLogEngine engine = open(small())) {
            final Log log = engine.createLog(ORDERS, small());
            log.append(TestRecord.batch(records(5, T0, "a")));
            try (LogSlice slice = log.read(3, 1000)) {
                assertEquals(0, slice.firstOffset());
                assertEquals(5, TestRecord.decode(slice).size());
            }
        }
    }

    @Test
    void transferToWritesTheStoredBytesUnchanged() throws IOException {
        try (SegmentLogEngine engine = open(small())) {
            final Log log = engine.createLog(ORDERS, small());
            final ByteBuffer appended = TestRecord.batch(records(4, T0, "z"));
            log.append(appended);
            appended.flip();
            final Path out = dir.resolve("out.bin");
            try (LogSlice slice = log.read(0, 1000);
                 FileChannel ch = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                long written = 0;
                while (written < slice.sizeInBytes()) {
                    written += slice.transferTo(ch, written, slice.sizeInBytes() - written);
                }
            }
            final byte[] expected = new byte[appended.remaining()];
            appended.get(expected);
            assertArrayEquals(expected, Files.readAllBytes(out), "offsets were assigned in the caller's buffer too");
        }
    }

    @Test
    void aCorruptBatchIsRejectedAndNothingIsAppended() {
        try (SegmentLogEngine engine = open(small())) {
            final Log log = engine.createLog(ORDERS, small());
            final ByteBuffer good = TestRecord.batch(records(2, T0, "g"));
            final ByteBuffer bad = TestRecord.batch(records(2, T0, "b"));
            bad.put(bad.limit() - 1, (byte) (bad.get(bad.limit() - 1) ^ 0x01));
            final ByteBuffer both = ByteBuffer.allocate(good.remaining() + bad.remaining()).put(good).put(bad).flip();
            final CorruptRecordException e = assertThrows(CorruptRecordException.class, () -> log.append(both));
            assertTrue(e.getMessage().contains("CRC"), e.getMessage());
            assertEquals(0, log.logEndOffset());
            assertEquals(0, log.sizeInBytes());
        }
    }

    @Test
    void aBatchOverMaxMessageBytesIsRejected() {
        final LogConfig cfg = LogConfig.from(Map.of(LogConfig.MAX_MESSAGE_BYTES, 500));
        try (SegmentLogEngine engine = open(cfg)) {
            final Log log = engine.createLog(ORDERS, cfg);
            final RecordTooLargeException e = assertThrows(RecordTooLargeException.class,
                    () -> log.append(TestRecord.batch(List.of(new TestRecord(-1, T0, null, new byte[600])))));
            assertEquals(500, e.maxSize());
            assertEquals(0, log.logEndOffset());
        }
    }

    @Test
    void logAppendTimeStampsEveryBatchWithTheClock() {
        final LogConfig cfg = LogConfig.from(Map.of(LogConfig.MESSAGE_TIMESTAMP_TYPE, "LogAppendTime"));
        try (SegmentLogEngine engine = open(cfg)) {
            final Log log = engine.createLog(ORDERS, cfg);
            clock.advance(5_000);
            final AppendResult result = log.append(TestRecord.batch(records(3, 42, "t")));
            assertEquals(T0 + 5_000, result.logAppendTime());
            try (LogSlice slice = log.read(0, 1000)) {
                final RecordBatch batch = new RecordBatch().wrap(slice.buffer(), 0);
                assertEquals(TimestampType.LOG_APPEND_TIME, batch.timestampType());
                assertEquals(T0 + 5_000, batch.maxTimestamp());
                batch.validate(slice.sizeInBytes(), new java.util.zip.CRC32C(), "test");
                for (TestRecord r : TestRecord.decode(slice)) {
                    assertEquals(T0 + 5_000, r.timestamp());
                }
            }
        }
    }

    @Test
    void logAppendTimeStampsEveryBatchOfAMultiBatchRequest() {
        final LogConfig cfg = LogConfig.from(Map.of(LogConfig.MESSAGE_TIMESTAMP_TYPE, "LogAppendTime"));
        try (SegmentLogEngine engine = open(cfg)) {
            final Log log = engine.createLog(ORDERS, cfg);
            log.append(TestRecord.batch(records(1, 7, "first")));
            clock.advance(3_000);
            final ByteBuffer request = TestRecord.batches(List.of(records(2, 42, "a"), records(3, 43, "b")));
            final AppendResult result = log.append(request);
            assertEquals(1, result.firstOffset());
            assertEquals(5, result.lastOffset());
            assertEquals(T0 + 3_000, result.logAppendTime());
            assertEquals(T0 + 3_000, result.maxTimestamp());
            try (LogSlice slice = log.read(1, 1 << 20)) {
                final RecordBatch batch = new RecordBatch();
                long expectedBase = 1;
                for (int pos = 0; pos < slice.sizeInBytes(); pos += batch.sizeInBytes()) {
                    batch.wrap(slice.buffer(), pos).validate(slice.sizeInBytes(), new java.util.zip.CRC32C(), "test");
                    assertEquals(expectedBase, batch.baseOffset());
                    assertEquals(TimestampType.LOG_APPEND_TIME, batch.timestampType());
                    assertEquals(T0 + 3_000, batch.maxTimestamp());
                    expectedBase = batch.nextOffset();
                }
                assertEquals(6, expectedBase);
            }
            assertEquals(Optional.of(new TimestampedOffset(T0 + 3_000, 1)), log.offsetForTimestamp(T0 + 1));
        }
    }

    @Test
    void recoveryTruncatesAtABadCrcInTheMiddleOfTheActiveSegment() throws IOException {
        final LogConfig cfg = LogConfig.DEFAULTS;
        final List<TestRecord> all = new ArrayList<>();
        final List<Integer> batchStarts = new ArrayList<>();
        int position = 0;
        SegmentLogEngine engine = open(cfg);
        final Log log = engine.createLog(ORDERS, cfg);
        for (int b = 0; b < 10; b++) {
            final List<TestRecord> batch = records(2, T0 + b, "c" + b);
            batchStarts.add(position);
            position += log.append(TestRecord.batch(batch)).sizeInBytes();
            all.addAll(batch);
        }
        log.flush();
        engine.halt();
        // Flip one byte inside the 6th batch's records: its CRC no longer matches.
        final Path file = dir.resolve("orders-0/00000000000000000000.log");
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            final long at = batchStarts.get(5) + 70;
            raf.seek(at);
            final int b = raf.read();
            raf.seek(at);
            raf.write(b ^ 0x40);
        }
        final int newBatchSize;
        try (SegmentLogEngine reopened = open(cfg)) {
            final Log recovered = reopened.getLog(ORDERS);
            assertEquals(10, recovered.logEndOffset(), "5 intact batches of 2 records");
            assertEquals(withOffsets(all.subList(0, 10), 0), readAll(recovered, 0));
            final AppendResult next = recovered.append(TestRecord.batch(records(1, T0, "new")));
            assertEquals(10, next.firstOffset());
            newBatchSize = next.sizeInBytes();
        }
        assertEquals(batchStarts.get(5) + newBatchSize, Files.size(file), "truncated at the bad batch, then one appended");
    }

    @Test
    void aCrashLeavesPreallocatedZerosThatRecoveryIgnores() {
        final List<TestRecord> all = records(7, T0, "p");
        SegmentLogEngine engine = open(small());
        final Log log = engine.createLog(ORDERS, small());
        log.append(TestRecord.batch(all));
        engine.halt();
        try (SegmentLogEngine reopened = open(small())) {
            final Log recovered = reopened.getLog(ORDERS);
            assertEquals(7, recovered.logEndOffset());
            assertEquals(withOffsets(all, 0), readAll(recovered, 0));
        }
    }

    @Test
    void aCorruptOrMissingIndexIsRebuiltFromTheSegment() throws IOException {
        final LogConfig cfg = LogConfig.from(Map.of(LogConfig.INDEX_INTERVAL_BYTES, 0));
        final List<TestRecord> all = new ArrayList<>();
        try (SegmentLogEngine engine = open(cfg)) {
            final Log log = engine.createLog(ORDERS, cfg);
            for (int b = 0; b < 30; b++) {
                final List<TestRecord> batch = records(2, T0 + b * 2, "i" + b);
                log.append(TestRecord.batch(batch));
                all.addAll(batch);
            }
        }
        final Path index = dir.resolve("orders-0/00000000000000000000.index");
        assertTrue(Files.size(index) > 16, "an entry per batch after the first");
        // Entries out of order: the sanity check must catch it.
        final byte[] garbage = Files.readAllBytes(index);
        for (int i = 0; i < garbage.length; i++) {
            garbage[i] = (byte) (i * 37);
        }
        Files.write(index, garbage);
        try (SegmentLogEngine engine = open(cfg)) {
            final Log log = engine.getLog(ORDERS);
            assertEquals(withOffsets(all, 0), readAll(log, 0));
            for (long o = 0; o < 60; o += 7) {
                try (LogSlice s = log.read(o, 1)) {
                    assertEquals(o - o % 2, s.firstOffset());
                }
            }
        }
        Files.delete(index);
        Files.delete(dir.resolve("orders-0/00000000000000000000.timeindex"));
        try (SegmentLogEngine engine = open(cfg)) {
            final Log log = engine.getLog(ORDERS);
            assertEquals(withOffsets(all, 0), readAll(log, 0));
            assertEquals(Optional.of(new TimestampedOffset(T0 + 19, 19)), log.offsetForTimestamp(T0 + 19));
        }
    }

    @Test
    void illegalTopicNamesNeverReachTheFileSystem() {
        for (String name : List.of("../escape", "a/b", "..", ".", "", "x".repeat(250), "tab\there", "ünïcode")) {
            assertThrows(InvalidTopicException.class, () -> new TopicPartition(name, 0), name);
        }
        assertThrows(InvalidTopicException.class, () -> new TopicPartition("ok", -1));
        assertFalse(Files.exists(dir.getParent().resolve("escape-0")));
    }

    @Test
    void creatingAnExistingLogFailsAndDeletedLogsAreGone() {
        try (SegmentLogEngine engine = open(small())) {
            engine.createLog(ORDERS, small());
            assertThrows(LogAlreadyExistsException.class, () -> engine.createLog(ORDERS, small()));
            final Log log = engine.getLog(ORDERS);
            log.append(TestRecord.batch(records(2, T0, "d")));
            engine.deleteLog(ORDERS);
            assertThrows(LogClosedException.class, () -> log.read(0, 10));
            assertTrue(engine.logs().isEmpty());
            assertFalse(Files.exists(dir.resolve("orders-0")));
        }
        try (SegmentLogEngine engine = open(small())) {
            assertTrue(engine.logs().isEmpty());
        }
    }

    @Test
    void aSecondEngineOnTheSameDirectoryIsRefused() {
        try (SegmentLogEngine engine = open(small())) {
            final StorageException e = assertThrows(StorageException.class, () -> open(small()));
            assertTrue(e.getMessage().contains(".lock"), e.getMessage());
        }
    }

    @Test
    void aDirectoryWrittenByAnotherBackendIsRefused() throws IOException {
        try (SegmentLogEngine engine = open(small())) {
            engine.createLog(ORDERS, small());
        }
        Files.writeString(dir.resolve(SegmentLogEngine.BACKEND_FILE), "lmdb\n");
        final StorageException e = assertThrows(StorageException.class, () -> open(small()));
        assertTrue(e.getMessage().contains("'lmdb'"), e.getMessage());
    }

    @Test
    void deleteRecordsHidesEverythingBelowAndSurvivesRestart() {
        try (SegmentLogEngine engine = open(small())) {
            final Log log = engine.createLog(ORDERS, small());
            for (int b = 0; b < 10; b++) {
                log.append(TestRecord.batch(records(4, T0 + b, "r")));
            }
            assertTrue(log.segmentCount() > 1);
            assertEquals(30, log.deleteRecordsBefore(30));
            assertEquals(30, log.deleteRecordsBefore(5), "never moves backwards");
            assertThrows(OffsetOutOfRangeException.class, () -> log.read(29, 100));
            assertThrows(OffsetOutOfRangeException.class, () -> log.deleteRecordsBefore(41));
            assertEquals(30, readAll(log, 30).get(0).offset());
            assertEquals(30, log.offsetForTimestamp(0).orElseThrow().offset());
        }
        try (SegmentLogEngine engine = open(small())) {
            final Log log = engine.getLog(ORDERS);
            assertEquals(30, log.logStartOffset());
            final int before = log.segmentCount();
            engine.runRetention();
            assertTrue(log.segmentCount() < before, "segments wholly below 30 are deleted");
            assertEquals(30, log.logStartOffset());
            assertThrows(OffsetOutOfRangeException.class, () -> log.read(29, 100));
            assertEquals(40, log.deleteRecordsBefore(-1));
            assertEquals(40, log.logEndOffset());
        }
    }
}
