package io.sediment.fuzz;

import io.sediment.api.Log;
import io.sediment.api.LogSlice;
import io.sediment.api.SedimentException;
import io.sediment.api.TimestampedOffset;
import io.sediment.api.record.RecordBatchLayout;
import io.sediment.log.SegmentLogEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The engine bugs the corruption fuzz found (README, B1–B6), one damage each, all on the mmap backend and all behind
 * a clean shutdown (which the engine trusts without a CRC scan), kept as the fuzz's own regression tests. Each states
 * what now holds: the open fails with a {@link SedimentException} naming the damaged file, or the log reads back
 * exactly what was written, with a typed error at most where a read reaches damaged data; never an unchecked
 * exception, never a wrong answer. segment-log's {@code DamagedFilesAtOpenTest} pins the exact outcome of each.
 */
class CleanShutdownDamageTest {
    private static final long SEED = 42;
    private static final long TS = 1_700_000_000_000L;

    @TempDir
    Path dir;

    /** Positions of the batches written, and the log end offset. */
    private final List<Integer> positions = new ArrayList<>();
    private long end;

    /** Writes {@code batches} batches of 5 records (each > index.interval.bytes, so each gets an index entry), then closes cleanly. */
    private void writeAndClose(final int batches, final boolean rollAfter) {
        try (SegmentLogEngine engine = SegmentLogEngine.open(dir, FuzzLogs.engineConfig("mmap", false))) {
            final Log log = engine.getOrCreateLog(FuzzLogs.PARTITION, FuzzLogs.logConfig(false));
            int position = 0;
            for (int i = 0; i < batches; i++) {
                final ByteBuffer b = RecordContent.batch(SEED, log.logEndOffset(), 5, TS + i * 10L);
                positions.add(position);
                position += b.remaining();
                log.append(b);
            }
            if (rollAfter) {
                log.roll();
                log.append(RecordContent.batch(SEED, log.logEndOffset(), 1, TS + batches * 10L));
            }
            end = log.logEndOffset();
        }
    }

    private Path segmentFile(final String suffix) {
        return dir.resolve("fuzz-0").resolve(String.format("%020d", 0) + suffix);
    }

    private static void overwrite(final Path file, final long position, final ByteBuffer bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(bytes, position);
        }
    }

    /** Opens and reads everything: a typed error naming {@code file} passes, as does a log that is exactly what was written. */
    private void assertRefusedOrIntact(final Path file) {
        final SegmentLogEngine engine;
        try {
            engine = SegmentLogEngine.open(dir, FuzzLogs.engineConfig("mmap", false));
        } catch (SedimentException e) {
            assertTrue(e.getMessage().contains(file.getFileName().toString()), () -> "typed, but names another file: " + e);
            return;
        }
        try {
            final Log log = engine.getLog(FuzzLogs.PARTITION);
            final Verdict v = new LogVerifier(SEED, new SplittableRandom(1)).verify(log, new TreeMap<>());
            assertEquals(0, v.uncheckedErrors(), () -> "unchecked error: " + v);
            assertEquals(0, v.silentlyWrong(), () -> "wrong data served: " + v);
            assertEquals(0, v.indexMismatches(), () -> "index disagrees with data: " + v);
            assertTrue(v.logEndOffset() <= end, () -> "log end offset " + v.logEndOffset() + " beyond what was written (" + end + ")");
        } finally {
            try {
                engine.close();
            } catch (RuntimeException e) {
                if (!(e instanceof SedimentException)) {
                    fail("close threw unchecked " + LogVerifier.describe(e));
                }
            }
        }
    }

    /**
     * B1. A negative batch length in the active segment. Was: the clean-shutdown walk ({@code LogLoader.trust})
     * followed it to a negative position, and open threw {@code IndexOutOfBoundsException}. Now: the walk's header
     * check fails, the full scan finds the bad batch, and the open is refused naming the {@code .log}.
     */
    @Test
    void negativeBatchLengthInActiveSegmentIsRefused() throws IOException {
        writeAndClose(6, false);
        overwrite(segmentFile(".log"), positions.get(5) + RecordBatchLayout.BATCH_LENGTH_OFFSET,
                ByteBuffer.allocate(4).putInt(0, -1000));
        assertRefusedOrIntact(segmentFile(".log"));
    }

    /**
     * B1'. Garbage appended to the active segment's {@code .log}. Was: walked as batches, the log end offset became
     * whatever the garbage said (seen: 7356512026996244249). Now: refused naming the {@code .log}.
     */
    @Test
    void garbageAfterActiveSegmentIsRefused() throws IOException {
        writeAndClose(6, false);
        final ByteBuffer garbage = ByteBuffer.allocate(200);
        garbage.putLong(0, 7_356_512_026_996_244_249L).putInt(8, 100).putInt(23, 5);
        try (FileChannel ch = FileChannel.open(segmentFile(".log"), StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            ch.write(garbage);
        }
        assertRefusedOrIntact(segmentFile(".log"));
    }

    /**
     * B2. A {@code .log} cut short. Was: the read path built a slice from a batch length running past the segment's
     * size and {@code LogSlice.buffer()} threw {@code IndexOutOfBoundsException}. Now: the walk at open sees the
     * last batch run past the end; refused naming the {@code .log}.
     */
    @Test
    void truncatedActiveSegmentIsRefused() throws IOException {
        writeAndClose(6, false);
        try (FileChannel ch = FileChannel.open(segmentFile(".log"), StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 10);
        }
        assertRefusedOrIntact(segmentFile(".log"));
    }

    /**
     * B3. An offset-index entry whose position moved a little (still increasing, still inside the data, so
     * {@code sanityCheck} passes). Was: reads scanned from the middle of a batch and came back empty or threw
     * {@code IndexOutOfBoundsException}. Now: the walk at open starts at the last entry and must find the batch it
     * names; it does not, the data scans clean, and the indexes are rebuilt.
     */
    @Test
    void offsetIndexPositionOffByOneIsRepaired() throws IOException {
        writeAndClose(6, true);
        final Path index = segmentFile(".index");
        final ByteBuffer entry = ByteBuffer.allocate(8);
        try (FileChannel ch = FileChannel.open(index, StandardOpenOption.READ)) {
            ch.read(entry, ch.size() - 8);
        }
        entry.putInt(4, entry.getInt(4) + 1);
        overwrite(index, Files.size(index) - 8, entry.flip());
        assertRefusedOrIntact(index);
    }

    /**
     * B4. The sealed segment's final time-index entry (its max timestamp) lowered. Was: trusted, and
     * {@code offsetForTimestamp} skipped the segment and answered a later record. Now: checked against the batch
     * it names at open; the indexes are rebuilt.
     */
    @Test
    void loweredMaxTimestampInSealedTimeIndexIsRepaired() throws IOException {
        writeAndClose(6, true);
        final Path timeIndex = segmentFile(".timeindex");
        final long size = Files.size(timeIndex);
        final ByteBuffer entry = ByteBuffer.allocate(12);
        try (FileChannel ch = FileChannel.open(timeIndex, StandardOpenOption.READ)) {
            ch.read(entry, size - 12);
        }
        entry.putLong(0, entry.getLong(0) - 5);
        overwrite(timeIndex, size - 12, entry.flip());
        try (SegmentLogEngine engine = SegmentLogEngine.open(dir, FuzzLogs.engineConfig("mmap", false))) {
            final Log log = engine.getLog(FuzzLogs.PARTITION);
            // the last batch of segment 0 was written at TS + 50, offsets 25..29
            assertEquals(Optional.of(new TimestampedOffset(TS + 50, 25)), log.offsetForTimestamp(TS + 50));
        } catch (SedimentException e) {
            assertTrue(e.getMessage().contains(timeIndex.getFileName().toString()), e::getMessage);
        }
    }

    /**
     * B4'. The active segment's last time-index entry with a lower timestamp and a far too large offset (passes
     * {@code sanityCheck}). Was: {@code close()} threw {@code IllegalArgumentException} from
     * {@code TimeIndex.maybeAppend} in {@code seal}. Now: checked at open; the indexes are rebuilt.
     */
    @Test
    void damagedActiveTimeIndexIsRepairedAndCloseSucceeds() throws IOException {
        writeAndClose(6, false);
        final Path timeIndex = segmentFile(".timeindex");
        // last entry (TS + 50, 24) becomes (TS + 45, 1000000): still increasing, so sanityCheck passes
        overwrite(timeIndex, Files.size(timeIndex) - 12, ByteBuffer.allocate(12).putLong(0, TS + 45).putInt(8, 1_000_000));
        assertRefusedOrIntact(timeIndex);
    }

    /**
     * B5. A flipped bit of a {@code baseOffset}, which the CRC does not cover (Kafka's layout). Was: the batch was
     * served with the wrong offsets and a passing CRC. Now: the read path checks that each header it walks follows
     * the previous batch; a read reaching it throws {@code CorruptRecordException}, a slice stops before it.
     */
    @Test
    void flippedBaseOffsetIsNeverServed() throws IOException {
        writeAndClose(6, false);
        final Path log = segmentFile(".log");
        final ByteBuffer b = ByteBuffer.allocate(1);
        final long at = positions.get(2) + 6; // a middle byte of the third batch's baseOffset
        try (FileChannel ch = FileChannel.open(log, StandardOpenOption.READ)) {
            ch.read(b, at);
        }
        b.put(0, (byte) (b.get(0) ^ 0x02));
        overwrite(log, at, b.flip());
        assertRefusedOrIntact(log);
    }

    /**
     * B6. A {@code log-start-offset-checkpoint} whose digit flipped to a value beyond the log end offset, after a
     * clean shutdown (so nothing can have been lost). Was: every segment deleted and the log restarted empty there
     * (as Kafka does). Now: after a clean shutdown that can only be damage; refused naming the checkpoint, and
     * nothing is deleted.
     */
    @Test
    void logStartCheckpointBeyondEndIsRefusedAndKeepsTheData() throws IOException {
        writeAndClose(6, false);
        final Path checkpoint = dir.resolve("log-start-offset-checkpoint");
        Files.writeString(checkpoint, "0\n1\nfuzz 0 9000\n", StandardCharsets.UTF_8);
        assertRefusedOrIntact(checkpoint);
        try (SegmentLogEngine engine = SegmentLogEngine.open(dir, FuzzLogs.engineConfig("mmap", false))) {
            final Log l = engine.getLog(FuzzLogs.PARTITION);
            assertEquals(0, l.logStartOffset(), "the data was dropped");
            try (LogSlice s = l.read(0, 1 << 20)) {
                assertTrue(s.sizeInBytes() > 0);
            }
        } catch (SedimentException e) {
            assertTrue(e.getMessage().contains("log-start-offset-checkpoint"), e::getMessage);
        }
    }
}
