package io.sediment.log;

import io.sediment.api.EngineConfig;
import io.sediment.api.Log;
import io.sediment.api.LogConfig;
import io.sediment.api.LogSlice;
import io.sediment.api.OffsetOutOfRangeException;
import io.sediment.api.TopicPartition;
import io.sediment.api.record.RecordBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Readers stream the whole log, holding slices across retention passes, while a writer appends and retention
 * deletes segments under them: no reader may ever see a torn batch, a bad CRC, a gap in offsets or freed memory
 * (which would crash the JVM), and files of deleted segments must be released once readers let go.
 */
abstract class ConcurrentRetentionProperties {
    private static final TopicPartition TP = new TopicPartition("stream", 0);

    @TempDir
    Path dir;

    /** The storage backend's name ({@code log.backend}). */
    protected abstract String backend();

    @Test
    void readersStreamingWhileRetentionDeletesNeverSeeBrokenBytes() throws Exception {
        final LogConfig cfg = LogConfig.from(Map.of(LogConfig.SEGMENT_BYTES, 4096, LogConfig.RETENTION_BYTES, 16_384,
                LogConfig.FILE_DELETE_DELAY_MS, 0, LogConfig.INDEX_INTERVAL_BYTES, 256));
        final ManualClock clock = new ManualClock(1_700_000_000_000L);
        final AtomicBoolean done = new AtomicBoolean();
        final ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        final int readers = 3;
        final CountDownLatch finished = new CountDownLatch(readers);
        final long[] batchesSeen = new long[readers];
        try (SegmentLogEngine engine = SegmentLogEngine.open(dir,
                EngineConfig.defaults().withBackend(backend()).withClock(clock).withDefaultLogConfig(cfg))) {
            final Log log = engine.createLog(TP, cfg);
            for (int i = 0; i < readers; i++) {
                final int id = i;
                final Thread t = new Thread(() -> {
                    try {
                        batchesSeen[id] = stream(log, done);
                    } catch (Throwable e) {
                        failures.add(e);
                    } finally {
                        finished.countDown();
                    }
                }, "reader-" + i);
                t.start();
            }
            final byte[] value = new byte[100];
            for (int n = 0; n < 2_000 && failures.isEmpty(); n++) {
                final List<TestRecord> batch = new ArrayList<>();
                for (int r = 0; r < 4; r++) {
                    value[0] = (byte) n;
                    batch.add(new TestRecord(-1, clock.millis(), null, value.clone()));
                }
                log.append(TestRecord.batch(batch));
                if (n % 50 == 0) {
                    engine.runRetention();
                }
            }
            done.set(true);
            assertTrue(finished.await(60, TimeUnit.SECONDS), "readers finish");
            if (!failures.isEmpty()) {
                final AssertionError e = new AssertionError("reader failed");
                failures.forEach(e::addSuppressed);
                throw e;
            }
            assertTrue(log.stats().segmentsDeleted() > 10, "retention deleted segments while readers read: "
                    + log.stats());
            assertTrue(log.logStartOffset() > 0);
            for (long seen : batchesSeen) {
                assertTrue(seen > 100, "each reader read batches: " + seen);
            }
            engine.runRetention();
        }
    }

    /** Reads from the start to the end over and over; each slice is held while the next one is read. */
    private static long stream(final Log log, final AtomicBoolean done) {
        final RecordBatch batch = new RecordBatch();
        final CRC32C crc = new CRC32C();
        long batches = 0;
        LogSlice held = null;
        long next = log.logStartOffset();
        while (!done.get() || next < log.logEndOffset()) {
            final LogSlice slice;
            try {
                slice = log.read(next, 2048);
            } catch (OffsetOutOfRangeException e) {
                // Retention moved the start past us: continue from the new start, as a consumer would.
                next = log.logStartOffset();
                continue;
            }
            final ByteBuffer bytes = slice.buffer();
            long expected = -1;
            for (int pos = 0; pos < bytes.limit(); pos += batch.sizeInBytes()) {
                batch.wrap(bytes, pos).validate(bytes.limit(), crc, "reader");
                if (expected >= 0) {
                    assertEquals(expected, batch.baseOffset(), "dense offsets inside a slice");
                }
                expected = batch.nextOffset();
                batches++;
            }
            if (!slice.isEmpty()) {
                assertTrue(slice.firstOffset() <= next && next < slice.nextOffset());
                next = slice.nextOffset();
            }
            // Keep the previous slice pinned across this read, then let go: its segment may be deleted by now.
            if (held != null) {
                if (!held.isEmpty()) {
                    final ByteBuffer old = held.buffer();
                    batch.wrap(old, 0).validate(old.limit(), crc, "held slice");
                }
                held.close();
            }
            held = slice;
            if (next >= log.logEndOffset() && done.get()) {
                break;
            }
        }
        if (held != null) {
            held.close();
        }
        return batches;
    }
}
