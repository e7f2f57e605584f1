package io.sediment.backend.mmap;

import io.sediment.api.spi.BackendStore;
import io.sediment.api.spi.PartitionStore;
import io.sediment.api.spi.SegmentData;
import io.sediment.api.spi.SegmentFiles;
import io.sediment.api.spi.SegmentSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A flush policy may run {@code flush()} on a background thread while the writer appends, grows, truncates and
 * writes index entries; the mmap backend allows it, and the bytes come back after reopen.
 */
class MmapBackgroundFlushTest {
    @TempDir
    Path dir;

    @Test
    void flushesFromAnotherThreadWhileTheWriterAppendsGrowsAndTruncates() throws Exception {
        try (BackendStore store = new MmapStorageBackend().open(dir);
             PartitionStore partition = store.createPartition("t-0")) {
            final SegmentFiles segment = partition.createSegment(0, new SegmentSpec(8192, 64 * 1024, 64));
            final SegmentData data = segment.data();
            final AtomicBoolean writing = new AtomicBoolean(true);
            final CompletableFuture<Integer> flusher = CompletableFuture.supplyAsync(() -> {
                int flushes = 0;
                while (writing.get() || flushes == 0) {
                    data.flush();
                    segment.offsetIndex().flush(64 * 1024);
                    flushes++;
                }
                return flushes;
            });
            final ByteBuffer chunk = ByteBuffer.allocate(1000);
            int expected = 0;
            for (int i = 0; i < 3000; i++) {
                chunk.clear();
                for (int b = 0; b < chunk.capacity(); b++) {
                    chunk.put(b, (byte) (expected + b));
                }
                data.append(chunk);
                expected += chunk.capacity();
                if (i % 500 == 499) {
                    expected -= 300; // drop a torn tail, as recovery would
                    data.truncateTo(expected);
                }
                segment.offsetIndex().buffer().putInt(4 * (i % 16_384), i);
            }
            writing.set(false);
            assertTrue(flusher.get(60, TimeUnit.SECONDS) > 0);
            data.flush();
            segment.close(); // untrimmed

            try (SegmentFiles reopened = partition.openSegment(0, new SegmentSpec(8192, 64 * 1024, 64))) {
                assertTrue(reopened.data().size() >= expected);
                final ByteBuffer all = ByteBuffer.allocate(expected);
                reopened.data().read(0, all);
                int position = 0;
                for (int i = 0; i < 3000; i++) {
                    final int kept = (i % 500 == 499) ? 700 : 1000;
                    for (int b = 0; b < kept; b++) {
                        assertEquals((byte) (position + b), all.get(position + b), "byte " + (position + b));
                    }
                    position += kept;
                }
                assertEquals(2999, reopened.offsetIndex().buffer().getInt(4 * (2999 % 16_384)));
            }
        }
    }
}
