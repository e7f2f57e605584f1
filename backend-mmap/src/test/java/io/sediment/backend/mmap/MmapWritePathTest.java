package io.sediment.backend.mmap;

import io.sediment.api.spi.BackendStore;
import io.sediment.api.spi.PartitionStore;
import io.sediment.api.spi.SegmentData;
import io.sediment.api.spi.SegmentFiles;
import io.sediment.api.spi.SegmentSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Appends at or above the write threshold go through {@code write(2)}, not the mapping, and nothing else changes:
 * the mapping's readers, {@code pread} and {@code transferTo} see the bytes; an interrupted writer still appends
 * (through the mapping, as before this path) and leaves reads, {@code transferTo} and {@code flush} working.
 */
class MmapWritePathTest {
    private static final int MIB = 1024 * 1024;

    @TempDir
    Path dir;

    @AfterEach
    void clearInterrupt() {
        Thread.interrupted(); // a failed assertion must not leave the runner's thread interrupted
    }

    @Test
    void largeAppendsFaultNoPageInAndEveryReaderSeesThem() throws IOException {
        assumeTrue(Files.isReadable(ResidentSet.SMAPS), "needs Linux /proc/self/smaps");
        try (BackendStore store = new MmapStorageBackend(-1, 16 * 1024).open(dir);
             PartitionStore partition = store.createPartition("write-0")) {
            final SegmentFiles segment = partition.createSegment(0, new SegmentSpec(4 * MIB, 4096, 4096));
            final Path log = dir.resolve("write-0").resolve(SegmentFileNames.stem(0) + ".log");
            // 16 KiB chunks, past the 4 MiB hint: the file and mapping grow under the write path too
            MmapResidentPagesTest.appendPattern(segment.data(), 8 * MIB, 5);
            assertEquals(8 * MIB, segment.data().size());
            assertEquals(0, ResidentSet.ofFile(log), "write(2) fills the page cache without mapping a page");
            MmapResidentPagesTest.checkPattern(segment.data(), 8 * MIB, 5);
            MmapResidentPagesTest.checkPatternThroughViews(segment.data(), 8 * MIB, 5);
            MmapResidentPagesTest.checkPatternWithPread(log, 8 * MIB, 5);
            checkTransfer(segment.data(), 8 * MIB, 5);
            segment.close();
        }
    }

    @Test
    void smallerAppendsStillGoThroughTheMapping() throws IOException {
        assumeTrue(Files.isReadable(ResidentSet.SMAPS), "needs Linux /proc/self/smaps");
        try (BackendStore store = new MmapStorageBackend(-1, 16 * 1024 + 1).open(dir);
             PartitionStore partition = store.createPartition("copy-0")) {
            final SegmentFiles segment = partition.createSegment(0, new SegmentSpec(4 * MIB, 4096, 4096));
            MmapResidentPagesTest.appendPattern(segment.data(), 2 * MIB, 6);
            assertTrue(ResidentSet.ofFile(dir.resolve("copy-0").resolve(SegmentFileNames.stem(0) + ".log"))
                    >= 2L * MIB, "16 KiB appends under a 16 KiB + 1 threshold are copies into the mapping");
            MmapResidentPagesTest.checkPattern(segment.data(), 2 * MIB, 6);
            segment.close();
        }
    }

    /**
     * {@code FileChannel.write} on an interrupted thread closes its channel. The write path has its own, so the
     * segment's main channel (pread, transferTo, flush) stays open; the append completes through the mapping, and
     * the interrupt stays set for the caller to see. Window 0, so the reads afterwards are {@code pread}s.
     */
    @Test
    void anInterruptedWriterStillAppendsAndReadsTransfersAndFlushesKeepWorking() throws IOException {
        try (BackendStore store = new MmapStorageBackend(0, 0).open(dir);
             PartitionStore partition = store.createPartition("interrupt-0")) {
            final SegmentFiles first = partition.createSegment(0, new SegmentSpec(4 * MIB, 4096, 4096));
            MmapResidentPagesTest.appendPattern(first.data(), MIB, 7); // the write channel is open
            Thread.currentThread().interrupt();
            appendPatternFrom(first.data(), MIB, 2 * MIB, 7);
            assertTrue(Thread.interrupted(), "the append keeps the caller's interrupt status");
            appendPatternFrom(first.data(), 2 * MIB, 3 * MIB, 7); // through the mapping from now on
            checkEverything(first.data(), dir.resolve("interrupt-0").resolve(SegmentFileNames.stem(0) + ".log"),
                    3 * MIB, 7);
            first.close();

            // interrupted before the first large append: the channel is opened and closed by the same write
            final SegmentFiles second = partition.createSegment(1, new SegmentSpec(4 * MIB, 4096, 4096));
            Thread.currentThread().interrupt();
            MmapResidentPagesTest.appendPattern(second.data(), MIB, 8);
            assertTrue(Thread.interrupted(), "the append keeps the caller's interrupt status");
            checkEverything(second.data(), dir.resolve("interrupt-0").resolve(SegmentFileNames.stem(1) + ".log"),
                    MIB, 8);
            second.close();
        }
    }

    @Test
    void writeThresholdSettingsAreParsedAndBadOnesRefusedNamingTheProperty() {
        assertEquals(MmapStorageBackend.DEFAULT_WRITE_THRESHOLD, MmapStorageBackend.writeThreshold(null));
        assertEquals(MmapStorageBackend.DEFAULT_WRITE_THRESHOLD, MmapStorageBackend.writeThreshold(" "));
        assertEquals(MmapStorageBackend.NEVER_WRITE, MmapStorageBackend.writeThreshold("never"));
        assertEquals(0, MmapStorageBackend.writeThreshold("0"));
        assertEquals(65536, MmapStorageBackend.writeThreshold(" 65536 "));
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MmapStorageBackend.writeThreshold("16KiB"));
        assertTrue(e.getMessage().contains(MmapStorageBackend.WRITE_THRESHOLD_PROPERTY + "=16KiB"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> MmapStorageBackend.writeThreshold("-1"));
    }

    private static void checkEverything(final SegmentData data, final Path log, final int bytes, final int seed)
            throws IOException {
        MmapResidentPagesTest.checkPattern(data, bytes, seed); // pread: window 0 dropped every page
        MmapResidentPagesTest.checkPatternThroughViews(data, bytes, seed);
        checkTransfer(data, bytes, seed);
        data.flush();
        MmapResidentPagesTest.checkPatternWithPread(log, bytes, seed);
    }

    /** Appends the pattern's bytes {@code [from, to)} in 16 KiB chunks. */
    static void appendPatternFrom(final SegmentData data, final int from, final int to, final int seed) {
        final ByteBuffer chunk = ByteBuffer.allocate(16 * 1024);
        for (int at = from; at < to; at += chunk.capacity()) {
            chunk.clear().limit(Math.min(chunk.capacity(), to - at));
            while (chunk.hasRemaining()) {
                chunk.put(MmapResidentPagesTest.patternByte(at + chunk.position(), seed));
            }
            data.append(chunk.flip());
            assertEquals(0, chunk.remaining(), "append consumes its source");
        }
        assertEquals(to, data.size());
    }

    /** {@code transferTo} (sendfile from the main channel) of all bytes into a file, compared with the pattern. */
    static void checkTransfer(final SegmentData data, final int bytes, final int seed) throws IOException {
        final Path copy = Files.createTempFile("transfer", ".bin");
        try {
            try (FileChannel out = FileChannel.open(copy, StandardOpenOption.WRITE)) {
                long done = 0;
                while (done < bytes) {
                    done += data.transferTo((int) done, bytes - done, out);
                }
            }
            MmapResidentPagesTest.checkPatternWithPread(copy, bytes, seed);
        } finally {
            Files.delete(copy);
        }
    }
}
