package io.sediment.log;

import io.sediment.api.AppendResult;
import io.sediment.api.CorruptRecordException;
import io.sediment.api.EngineConfig;
import io.sediment.api.InvalidRecordException;
import io.sediment.api.Log;
import io.sediment.api.LogConfig;
import io.sediment.api.LogSlice;
import io.sediment.api.OffsetOutOfRangeException;
import io.sediment.api.TimestampedOffset;
import io.sediment.api.TopicPartition;
import io.sediment.api.record.RecordBatch;
import io.sediment.api.record.RecordBatchLayout;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;

/**
 * Model-based properties of the log: random sequences of operations run against the real engine (real files in a
 * temporary directory, tiny segments and indexes so rolls happen all the time) and against a plain in-memory
 * model, which must agree after every step.
 *
 * <p>Each operation is derived from one random {@code long}, so QuickTheories shrinks a failure by dropping
 * operations. The model is a list of batches; the crash model is "the log after recovery is a prefix of what was
 * appended, at least as long as what was flushed, and every record in it is byte-identical".
 *
 * <p>Subclasses run the same properties on each storage backend.
 */
abstract class LogModelProperties {
    private static final TopicPartition TP = new TopicPartition("model", 0);
    private static final long T0 = 1_700_000_000_000L;

    /** A batch as the model keeps it. */
    private record ModelBatch(long baseOffset, List<TestRecord> records, int sizeInBytes) {
        long nextOffset() {
            return baseOffset + records.size();
        }
    }

    private static final class Model {
        final List<ModelBatch> batches = new ArrayList<>();
        long logStartOffset;
        long logEndOffset;
        long flushedOffset;

        List<TestRecord> recordsFrom(final long offset) {
            final List<TestRecord> out = new ArrayList<>();
            for (ModelBatch b : batches) {
                for (TestRecord r : b.records) {
                    if (r.offset() >= offset) {
                        out.add(r);
                    }
                }
            }
            return out;
        }

        int batchIndexHolding(final long offset) {
            for (int i = 0; i < batches.size(); i++) {
                if (batches.get(i).baseOffset <= offset && offset < batches.get(i).nextOffset()) {
                    return i;
                }
            }
            return -1;
        }

        void truncateTo(final long end) {
            batches.removeIf(b -> b.baseOffset >= end);
            logEndOffset = end;
        }

        void dropBelow(final long start) {
            logStartOffset = Math.max(logStartOffset, start);
            batches.removeIf(b -> b.nextOffset() <= logStartOffset);
        }
    }

    /** The storage backend's name ({@code log.backend}). */
    protected abstract String backend();

    /**
     * Whether a crash can leave torn or bit-flipped bytes in segment files that recovery must find. True for
     * file backends; a transactional store (LMDB) loses uncommitted writes whole instead.
     */
    protected abstract boolean crashesTearFiles();

    protected int examples() {
        return 60;
    }

    @Test
    void theLogAgreesWithAnInMemoryModelUnderRandomOperations() {
        qt().withExamples(examples()).withShrinkCycles(30)
                .forAll(longs().all(), lists().of(longs().all()).ofSizeBetween(1, 70))
                .checkAssert((configSeed, ops) -> run(configSeed, ops, false));
    }

    @Test
    void retentionNeverLosesRetainedRecordsAndTheStartNeverMovesBack() {
        qt().withExamples(examples() * 2 / 3).withShrinkCycles(30)
                .forAll(longs().all(), lists().of(longs().all()).ofSizeBetween(1, 70))
                .checkAssert((configSeed, ops) -> run(configSeed, ops, true));
    }

    private void run(final long configSeed, final List<Long> ops, final boolean retention) {
        final Path dir;
        try {
            dir = Files.createTempDirectory("sediment-model");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        final SplittableRandom cfgRandom = new SplittableRandom(configSeed);
        final long retentionMs = retention && cfgRandom.nextBoolean() ? 1_000 + cfgRandom.nextInt(20_000) : -1;
        final long retentionBytes = retention && retentionMs < 0 ? 300 + cfgRandom.nextInt(3_000) : -1;
        final LogConfig cfg = LogConfig.from(Map.of(
                LogConfig.SEGMENT_BYTES, 200 + cfgRandom.nextInt(2_000),
                LogConfig.SEGMENT_INDEX_BYTES, 24 + cfgRandom.nextInt(100),
                LogConfig.INDEX_INTERVAL_BYTES, cfgRandom.nextInt(400),
                LogConfig.RETENTION_MS, retentionMs,
                LogConfig.RETENTION_BYTES, retentionBytes,
                LogConfig.FILE_DELETE_DELAY_MS, 0));
        final ManualClock clock = new ManualClock(T0);
        final EngineConfig engineConfig = EngineConfig.defaults().withBackend(backend()).withClock(clock)
                .withDefaultLogConfig(cfg);
        final Model model = new Model();
        SegmentLogEngine engine = SegmentLogEngine.open(dir, engineConfig);
        try {
            Log log = engine.createLog(TP, cfg);
            for (long op : ops) {
                final SplittableRandom r = new SplittableRandom(op);
                final int kind = r.nextInt(100);
                if (kind < 40) {
                    append(log, model, r, clock);
                } else if (kind < 58) {
                    checkRead(log, model, r);
                } else if (kind < 66) {
                    checkTimestampLookup(log, model, r);
                } else if (kind < 70) {
                    log.roll();
                } else if (kind < 74) {
                    log.flush();
                    model.flushedOffset = model.logEndOffset;
                } else if (kind < 80) {
                    engine.close();
                    model.flushedOffset = model.logEndOffset;
                    engine = SegmentLogEngine.open(dir, engineConfig);
                    log = engine.getLog(TP);
                } else if (kind < 88) {
                    engine.halt();
                    if (crashesTearFiles()) {
                        tearUnflushedBytes(dir, model, r);
                    }
                    engine = SegmentLogEngine.open(dir, engineConfig);
                    log = engine.getLog(TP);
                    checkRecovered(log, model);
                } else if (kind < 93) {
                    deleteRecords(log, model, r);
                } else {
                    clock.advance(r.nextInt(5_000));
                    retentionPass(engine, log, model, clock.millis(), retentionMs, retentionBytes);
                }
                checkInvariants(log, model);
            }
            checkFullReadMatches(log, model);
        } finally {
            engine.close();
            deleteTree(dir);
        }
    }

    private static void append(final Log log, final Model model, final SplittableRandom r, final ManualClock clock) {
        final int batchCount = r.nextInt(10) == 0 ? 2 + r.nextInt(2) : 1;
        final List<List<TestRecord>> batches = new ArrayList<>();
        for (int b = 0; b < batchCount; b++) {
            final int n = 1 + r.nextInt(r.nextBoolean() ? 3 : 12);
            final List<TestRecord> records = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                final byte[] key = r.nextInt(4) == 0 ? null : randomBytes(r, r.nextInt(12));
                final byte[] value = r.nextInt(10) == 0 ? null : randomBytes(r, r.nextInt(r.nextBoolean() ? 30 : 300));
                // Timestamps wander around the clock, not monotonic, as producers' do.
                records.add(new TestRecord(-1, clock.millis() - 2_000 + r.nextInt(4_000), key, value));
            }
            batches.add(records);
        }
        final ByteBuffer buffer = TestRecord.batches(batches);
        final int[] sizes = new int[batchCount];
        for (int b = 0, pos = 0; b < batchCount; b++) {
            sizes[b] = TestRecord.batch(batches.get(b)).remaining();
            pos += sizes[b];
        }
        if (r.nextInt(8) == 0) {
            appendSpoiled(log, model, r, buffer, sizes);
            return;
        }
        // Producers' heap buffers, and sometimes a direct one (the CRC reads each its own way).
        final ByteBuffer request = r.nextInt(4) == 0
                ? ByteBuffer.allocateDirect(buffer.remaining()).put(buffer).flip() : buffer;
        final int limit = request.limit();
        final AppendResult result = log.append(request);
        assertEquals(limit, request.position(), "the request is consumed");
        assertEquals(model.logEndOffset, result.firstOffset(), "offsets are dense");
        long next = model.logEndOffset;
        for (int b = 0; b < batchCount; b++) {
            final List<TestRecord> withOffsets = new ArrayList<>();
            for (TestRecord rec : batches.get(b)) {
                withOffsets.add(rec.withOffset(next++));
            }
            model.batches.add(new ModelBatch(next - withOffsets.size(), withOffsets, sizes[b]));
        }
        assertEquals(next - 1, result.lastOffset());
        model.logEndOffset = next;
        clock.advance(r.nextInt(50));
    }

    /**
     * One batch of the request spoiled, often after valid ones: the append fails with the typed error and stores
     * nothing (the log's end, size and segments are as before; later reads and recovery agree with the model).
     */
    private static void appendSpoiled(final Log log, final Model model, final SplittableRandom r,
                                      final ByteBuffer buffer, final int[] sizes) {
        final int spoiled = r.nextInt(sizes.length);
        int at = 0;
        for (int b = 0; b < spoiled; b++) {
            at += sizes[b];
        }
        final RecordBatch batch = new RecordBatch().wrap(buffer, at);
        final Class<? extends RuntimeException> expected;
        switch (r.nextInt(4)) {
            case 0 -> { // a bit flipped in the CRC-covered bytes
                final int index = at + RecordBatchLayout.ATTRIBUTES_OFFSET
                        + r.nextInt(sizes[spoiled] - RecordBatchLayout.ATTRIBUTES_OFFSET);
                buffer.put(index, (byte) (buffer.get(index) ^ (1 << r.nextInt(8))));
                expected = CorruptRecordException.class;
            }
            case 1 -> {
                buffer.put(at + RecordBatchLayout.MAGIC_OFFSET, (byte) 1);
                expected = CorruptRecordException.class;
            }
            case 2 -> { // a count that disagrees with lastOffsetDelta, under a valid CRC
                buffer.putInt(at + RecordBatchLayout.RECORD_COUNT_OFFSET, batch.recordCount() + 1);
                buffer.putInt(at + RecordBatchLayout.CRC_OFFSET, (int) batch.computeChecksum(new CRC32C()));
                expected = InvalidRecordException.class;
            }
            default -> { // the request ends inside the batch
                buffer.limit(at + 1 + r.nextInt(sizes[spoiled] - 1));
                expected = CorruptRecordException.class;
            }
        }
        final long size = log.sizeInBytes();
        final int segments = log.segmentCount();
        assertThrows(expected, () -> log.append(buffer), "batch " + spoiled + " of " + sizes.length + " spoiled");
        assertEquals(model.logEndOffset, log.logEndOffset(), "a request with an invalid batch appends nothing");
        assertEquals(size, log.sizeInBytes());
        assertEquals(segments, log.segmentCount());
    }

    private static void checkRead(final Log log, final Model model, final SplittableRandom r) {
        final long span = model.logEndOffset - model.logStartOffset;
        final long offset = r.nextInt(8) == 0 ? model.logStartOffset - 1 - r.nextInt(3)
                : r.nextInt(8) == 0 ? model.logEndOffset + r.nextInt(3)
                : model.logStartOffset + (span == 0 ? 0 : r.nextLong(span));
        final int maxBytes = r.nextBoolean() ? 1 + r.nextInt(200) : 1 + r.nextInt(5_000);
        if (offset < model.logStartOffset || offset > model.logEndOffset) {
            assertThrows(OffsetOutOfRangeException.class, () -> log.read(offset, maxBytes), "read at " + offset);
            return;
        }
        try (LogSlice slice = log.read(offset, maxBytes)) {
            if (offset == model.logEndOffset) {
                assertTrue(slice.isEmpty());
                return;
            }
            final int first = model.batchIndexHolding(offset);
            assertTrue(first >= 0, "model holds " + offset);
            final List<TestRecord> got = TestRecord.decode(slice);
            // Whole batches from the one that holds the offset; at least one; within maxBytes unless only one.
            final List<TestRecord> expected = new ArrayList<>();
            int bytes = 0;
            int batches = 0;
            for (int i = first; i < model.batches.size() && expected.size() < got.size(); i++) {
                expected.addAll(model.batches.get(i).records);
                bytes += model.batches.get(i).sizeInBytes;
                batches++;
            }
            assertEquals(expected, got, "read(" + offset + ", " + maxBytes + ")");
            assertEquals(bytes, slice.sizeInBytes());
            assertTrue(batches == 1 || bytes <= maxBytes, "a slice of " + batches + " batches exceeds maxBytes");
            assertEquals(model.batches.get(first + batches - 1).nextOffset(), slice.nextOffset());
        }
    }

    private static void checkTimestampLookup(final Log log, final Model model, final SplittableRandom r) {
        final long target = T0 - 5_000 + r.nextLong(model.logEndOffset * 60 + 20_000);
        Optional<TimestampedOffset> expected = Optional.empty();
        for (TestRecord rec : model.recordsFrom(model.logStartOffset)) {
            if (rec.timestamp() >= target) {
                expected = Optional.of(new TimestampedOffset(rec.timestamp(), rec.offset()));
                break;
            }
        }
        assertEquals(expected, log.offsetForTimestamp(target), "offsetForTimestamp(" + target + ")");
        TimestampedOffset max = null;
        for (TestRecord rec : model.recordsFrom(model.logStartOffset)) {
            if (max == null || rec.timestamp() > max.timestamp()) {
                max = new TimestampedOffset(rec.timestamp(), rec.offset());
            }
        }
        assertEquals(Optional.ofNullable(max), log.offsetOfMaxTimestamp(), "offsetOfMaxTimestamp");
    }

    /**
     * A crash: the process dies without flushing. Bytes the log had not flushed may be lost from any point on, and
     * a torn write may leave a corrupt tail; flushed bytes are intact.
     */
    private static void tearUnflushedBytes(final Path dir, final Model model, final SplittableRandom r) {
        final List<Path> logs = segmentFiles(dir);
        if (logs.isEmpty() || model.logEndOffset == model.flushedOffset || r.nextInt(4) == 0) {
            return;
        }
        // Pick a segment that holds unflushed offsets and a byte position at or past the flushed data within it.
        final List<Path> candidates = new ArrayList<>();
        for (Path p : logs) {
            final long base = baseOffset(p);
            final long next = logs.indexOf(p) + 1 < logs.size() ? baseOffset(logs.get(logs.indexOf(p) + 1)) : Long.MAX_VALUE;
            if (next > model.flushedOffset && base < model.logEndOffset) {
                candidates.add(p);
            }
        }
        if (candidates.isEmpty()) {
            return;
        }
        final Path victim = candidates.get(r.nextInt(candidates.size()));
        final long base = baseOffset(victim);
        final int victimIndex = logs.indexOf(victim);
        final long nextBase = victimIndex + 1 < logs.size() ? baseOffset(logs.get(victimIndex + 1)) : Long.MAX_VALUE;
        int flushedBytes = 0;
        int dataBytes = 0;
        for (ModelBatch b : model.batches) {
            if (b.baseOffset >= base && b.baseOffset < nextBase) {
                dataBytes += b.sizeInBytes;
                if (b.nextOffset() <= model.flushedOffset) {
                    flushedBytes += b.sizeInBytes;
                }
            }
        }
        if (base < model.logStartOffset) {
            return;
        }
        final int cut = flushedBytes + (dataBytes > flushedBytes ? r.nextInt(dataBytes - flushedBytes + 1) : 0);
        try (RandomAccessFile raf = new RandomAccessFile(victim.toFile(), "rw")) {
            if (r.nextBoolean() && cut < dataBytes) {
                raf.seek(cut);
                final int b = raf.read();
                raf.seek(cut);
                raf.write(b ^ (1 << r.nextInt(8)));
            } else {
                raf.setLength(cut);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * After a crash: the log start offset is exactly what was checkpointed (deleteRecords and retention write it
     * synchronously); the end lies between what was flushed and what was appended. If deleteRecords had advanced
     * the start past what the crash kept, the log restarts empty at the start, which still satisfies both bounds.
     */
    private static void checkRecovered(final Log log, final Model model) {
        final long end = log.logEndOffset();
        assertEquals(model.logStartOffset, log.logStartOffset(), "log start offset after recovery");
        assertTrue(end >= model.flushedOffset, "recovery lost flushed records: end " + end + " < flushed "
                + model.flushedOffset);
        assertTrue(end <= model.logEndOffset, "recovery invented records: " + end + " > " + model.logEndOffset);
        model.truncateTo(end);
        checkFullReadMatches(log, model);
    }

    private static void deleteRecords(final Log log, final Model model, final SplittableRandom r) {
        final long span = model.logEndOffset - model.logStartOffset;
        final long target = r.nextInt(10) == 0 ? -1 : model.logStartOffset + (span == 0 ? 0 : r.nextLong(span + 1));
        final long result = log.deleteRecordsBefore(target);
        final long expected = Math.max(model.logStartOffset, target == -1 ? model.logEndOffset : target);
        assertEquals(expected, result);
        model.dropBelow(result);
    }

    private static void retentionPass(final SegmentLogEngine engine, final Log log, final Model model, final long now,
                                      final long retentionMs, final long retentionBytes) {
        final long before = log.logStartOffset();
        engine.runRetention();
        final long after = log.logStartOffset();
        assertTrue(after >= before, "retention moved the log start offset backwards");
        for (TestRecord rec : model.recordsFrom(model.logStartOffset)) {
            if (rec.offset() >= after) {
                break;
            }
            if (retentionMs >= 0) {
                assertTrue(now - rec.timestamp() > retentionMs, "retention deleted " + rec + " younger than "
                        + retentionMs + " ms");
            }
        }
        model.dropBelow(after);
        if (retentionBytes >= 0 && after > before) {
            // The start only moves past its old value when the size rule deleted: it stops while the rest still
            // holds at least retention.bytes.
            assertTrue(log.sizeInBytes() >= retentionBytes, "size retention left " + log.sizeInBytes() + " < "
                    + retentionBytes);
        }
        if (retentionMs < 0 && retentionBytes < 0) {
            assertEquals(before, after, "no retention configured, only deleteRecords moves the start");
        }
    }

    private static void checkInvariants(final Log log, final Model model) {
        assertEquals(model.logEndOffset, log.logEndOffset(), "log end offset");
        assertEquals(model.logStartOffset, log.logStartOffset(), "log start offset");
    }

    private static void checkFullReadMatches(final Log log, final Model model) {
        final List<TestRecord> got = new ArrayList<>();
        long next = log.logStartOffset();
        while (next < log.logEndOffset()) {
            try (LogSlice slice = log.read(next, 4096)) {
                for (TestRecord rec : TestRecord.decode(slice)) {
                    if (rec.offset() >= log.logStartOffset()) {
                        got.add(rec);
                    }
                }
                assertTrue(slice.nextOffset() > next, "reads make progress");
                next = slice.nextOffset();
            }
        }
        assertEquals(model.recordsFrom(model.logStartOffset), got, "full read");
    }

    private static List<Path> segmentFiles(final Path dir) {
        try (Stream<Path> files = Files.list(dir.resolve(TP.directoryName()))) {
            return files.filter(p -> p.getFileName().toString().endsWith(".log"))
                    .sorted(Comparator.comparing(p -> p.getFileName().toString())).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long baseOffset(final Path logFile) {
        final String name = logFile.getFileName().toString();
        return Long.parseLong(name.substring(0, name.indexOf('.')));
    }

    private static byte[] randomBytes(final SplittableRandom r, final int n) {
        final byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) r.nextInt(256);
        }
        return b;
    }

    private static void deleteTree(final Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
