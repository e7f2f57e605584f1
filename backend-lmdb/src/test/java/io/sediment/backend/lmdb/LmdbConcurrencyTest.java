package io.sediment.backend.lmdb;

import io.sediment.api.spi.BackendStore;
import io.sediment.api.spi.PartitionStore;
import io.sediment.api.spi.SegmentData;
import io.sediment.api.spi.SegmentFiles;
import io.sediment.api.spi.SegmentSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One writer appending (its commits move bytes from the in-memory tail to LMDB, and grow the map) while more
 * readers than the pool keeps ({@link ReadSlots#POOLED}) read and transfer published ranges, many of them across
 * the committed/tail boundary.
 */
class LmdbConcurrencyTest {
    private static final int READERS = ReadSlots.POOLED + 8;
    private static final int TOTAL = 6 * 1024 * 1024;

    @TempDir
    Path dir;

    @Test
    void readersOfPublishedRangesSeeExactBytesWhileTheWriterCommitsAndTheMapGrows() throws Exception {
        final AtomicInteger published = new AtomicInteger();
        final AtomicBoolean done = new AtomicBoolean();
        final AtomicInteger checkedReads = new AtomicInteger();
        final ExecutorService pool = Executors.newFixedThreadPool(READERS);
        try (BackendStore store = new LmdbStorageBackend(1024 * 1024).open(dir);
             PartitionStore partition = store.createPartition("t-0");
             SegmentFiles segment = partition.createSegment(0, new SegmentSpec(1 << 20, 0, 0))) {
            final SegmentData data = segment.data();
            final long mapBefore = ((LmdbPartitionStore) partition).mapSize();
            final List<Future<?>> readers = new ArrayList<>();
            for (int r = 0; r < READERS; r++) {
                final int seed = r;
                readers.add(pool.submit(() -> {
                    final SplittableRandom random = new SplittableRandom(seed);
                    while (!done.get()) {
                        final int end = published.get();
                        if (end == 0) {
                            Thread.onSpinWait();
                            continue;
                        }
                        // Mostly near the end, where the tail is; sometimes anywhere.
                        final int from = random.nextInt(4) == 0 ? random.nextInt(end)
                                : Math.max(0, end - 1 - random.nextInt(Math.min(end, 2 * LmdbLayout.TAIL_BYTES)));
                        final int length = 1 + random.nextInt(Math.min(end - from, 30_000));
                        final byte[] got;
                        if (random.nextBoolean()) {
                            final ByteBuffer dst = ByteBuffer.allocate(length);
                            data.read(from, dst);
                            got = dst.array();
                        } else {
                            final Collecting target = new Collecting();
                            assertEquals(length, data.transferTo(from, length, target));
                            got = target.bytes.toByteArray();
                        }
                        for (int i = 0; i < length; i++) {
                            if (got[i] != LmdbStoreTest.patternByte(5, from + i)) {
                                throw new AssertionError("reader " + seed + ": byte " + (from + i) + " differs");
                            }
                        }
                        checkedReads.incrementAndGet();
                        Thread.yield(); // many readers on few cores: let the writer make progress
                    }
                    return null;
                }));
            }
            final SplittableRandom random = new SplittableRandom(42);
            final ByteBuffer batch = ByteBuffer.allocateDirect(300_000);
            int size = 0;
            while (size < TOTAL) {
                final int n = Math.min(TOTAL - size, 1 + random.nextInt(batch.capacity()));
                batch.clear();
                for (int i = 0; i < n; i++) {
                    batch.put(LmdbStoreTest.patternByte(5, size + i));
                }
                data.append(batch.flip());
                size += n;
                published.set(size);
                if (random.nextInt(10) == 0) {
                    data.flush();
                }
            }
            done.set(true);
            for (Future<?> reader : readers) {
                reader.get(60, TimeUnit.SECONDS);
            }
            assertTrue(checkedReads.get() > READERS, "readers checked " + checkedReads.get() + " ranges");
            assertTrue(((LmdbPartitionStore) partition).mapSize() > mapBefore, "the map grew under the readers");
            LmdbStoreTest.assertPattern(data, 5, 0, TOTAL);
        } finally {
            done.set(true);
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
        }
    }

    private static final class Collecting implements WritableByteChannel {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        @Override
        public int write(final ByteBuffer src) {
            final int n = src.remaining();
            for (int i = 0; i < n; i++) {
                bytes.write(src.get());
            }
            return n;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }
}
