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
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Readers are lock-free on published state; dropping pages under them must only make them fault the same bytes
 * back. A writer appends checksummed frames (and grows the mapping several times) with a window of 0, so every
 * whole page is dropped right behind it, while reader threads walk every published frame from the start, again
 * and again: the frame header with {@code read} (the file below the writer's drop mark, the mapping above it,
 * the mark moving under them) and the payload through a {@code view} of the mapping (faulting dropped pages back
 * in, and sweeping them again), checking each CRC. Run twice: appends copied through the mapping, and appends
 * written with {@code write(2)} (write threshold 0).
 */
class MmapDroppedPagesConcurrencyTest {
    /** Frame: int length, int CRC-32C of the payload, payload. */
    private static final int FRAME_HEADER = 8;

    @TempDir
    Path dir;

    @Test
    void readersSeeEveryFrameIntactWhileTheWriterAppendsAndDrops() throws Exception {
        readersSeeEveryFrameIntact(MmapStorageBackend.NEVER_WRITE);
    }

    /** The same with every append written by {@code write(2)}: mapped readers see the page cache it filled. */
    @Test
    void readersSeeEveryFrameIntactWhileTheWriterWritesAndDrops() throws Exception {
        readersSeeEveryFrameIntact(0);
    }

    private void readersSeeEveryFrameIntact(final long writeThreshold) throws Exception {
        assertTrue(PageDropper.awaitAvailable(60, TimeUnit.SECONDS), "madvise through jffi loads on Linux");
        try (BackendStore store = new MmapStorageBackend(0, writeThreshold).open(dir);
             PartitionStore partition = store.createPartition("race-0")) {
            final SegmentFiles segment = partition.createSegment(0, new SegmentSpec(256 * 1024, 4096, 4096));
            final SegmentData data = segment.data();
            final AtomicInteger published = new AtomicInteger();
            final AtomicBoolean done = new AtomicBoolean();
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            final AtomicLong framesChecked = new AtomicLong();
            final Thread[] readers = new Thread[2];
            for (int r = 0; r < readers.length; r++) {
                readers[r] = new Thread(() -> {
                    final ByteBuffer header = ByteBuffer.allocate(FRAME_HEADER);
                    final CRC32C crc = new CRC32C();
                    try {
                        boolean last = false;
                        while (!last) {
                            last = done.get(); // one more full pass after the writer finished
                            final int end = published.get();
                            int at = 0;
                            while (at < end) {
                                data.read(at, header.clear());
                                final int length = header.getInt(0);
                                crc.reset();
                                crc.update(data.view(at + FRAME_HEADER, length));
                                if ((int) crc.getValue() != header.getInt(4)) {
                                    throw new AssertionError("frame at " + at + " (" + length + " bytes) fails its CRC");
                                }
                                framesChecked.incrementAndGet();
                                at += FRAME_HEADER + length;
                            }
                        }
                    } catch (Throwable t) {
                        failure.compareAndSet(null, t);
                    }
                }, "reader-" + r);
                readers[r].start();
            }

            final SplittableRandom random = new SplittableRandom(20261203);
            final ByteBuffer frame = ByteBuffer.allocate(FRAME_HEADER + 8192);
            final CRC32C crc = new CRC32C();
            int size = 0;
            while (size < 24 * 1024 * 1024 && failure.get() == null) {
                final int length = 1 + random.nextInt(8192);
                frame.clear().position(FRAME_HEADER);
                for (int i = 0; i < length; i++) {
                    frame.put((byte) random.nextInt());
                }
                crc.reset();
                crc.update(frame.array(), FRAME_HEADER, length);
                frame.putInt(0, length).putInt(4, (int) crc.getValue()).flip();
                data.append(frame);
                size += FRAME_HEADER + length;
                published.set(size); // the engine's publication: after append returned
            }
            done.set(true);
            for (Thread reader : readers) {
                reader.join(120_000);
            }
            assertNull(failure.get(), () -> "a reader failed: " + failure.get());
            assertEquals(size, data.size());
            assertTrue(framesChecked.get() > 10_000, "frames checked: " + framesChecked.get());
            assertTrue(((MappedSegmentData) data).residentPages().sweeps() > 1000,
                    "pages were dropped while readers read: " + ((MappedSegmentData) data).residentPages().sweeps());
            segment.close();
        }
    }
}
