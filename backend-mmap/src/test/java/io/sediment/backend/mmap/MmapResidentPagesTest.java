package io.sediment.backend.mmap;

import io.sediment.api.spi.BackendStore;
import io.sediment.api.spi.PartitionStore;
import io.sediment.api.spi.SegmentData;
import io.sediment.api.spi.SegmentFiles;
import io.sediment.api.spi.SegmentSpec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Written and read pages leave the process's resident set under a bounded window, and not one byte changes:
 * reads through the mapping fault the same bytes back, the page cache (read with {@code pread}) has them.
 * Measured on this process's own {@code /proc/self/smaps}. The window is one budget for the whole store: several
 * partitions written at once hold about one window between them, not one each, and writers on several threads
 * charge and release it concurrently without losing a byte of its accounting.
 */
class MmapResidentPagesTest {
    private static final int MIB = 1024 * 1024;
    private static final int CHUNK = 16 * 1024;
    /**
     * What a write fault may map beyond the written end: the kernel maps the whole page-cache folio it faults on,
     * and file folios grow up to 2 MiB (ResidentPages.LARGEST_FOLIO); the not yet written rest of the folio is not
     * charged (it is zeros until written).
     */
    private static final long FOLIO = 2L * MIB;

    @TempDir
    Path dir;

    @BeforeAll
    static void madviseIsAvailableOnLinux() throws InterruptedException {
        ResidentSet.requireMadvise();
    }

    @Test
    void writtenPagesLeaveTheResidentSetAndReadBackUnchanged() throws IOException {
        final int window = 256 * 1024;
        try (BackendStore store = new MmapStorageBackend(window, MmapStorageBackend.NEVER_WRITE).open(dir);
             PartitionStore partition = store.createPartition("window-0")) {
            final SegmentFiles segment = partition.createSegment(0, new SegmentSpec(64 * MIB, 4096, 4096));
            final Path log = dir.resolve("window-0").resolve(SegmentFileNames.stem(0) + ".log");
            appendPattern(segment.data(), 32 * MIB, 1);
            final long afterWrites = ResidentSet.ofFile(log);
            assertTrue(afterWrites <= window + ResidencyPolicy.PAGE,
                    "32 MiB written, resident " + afterWrites + " bytes of the .log, window " + window);

            checkPattern(segment.data(), 32 * MIB, 1);
            final long afterReads = ResidentSet.ofFile(log);
            assertTrue(afterReads <= window + ResidencyPolicy.PAGE,
                    "read() takes dropped bytes from the file, faulting nothing in: resident " + afterReads);

            checkPatternThroughViews(segment.data(), 32 * MIB, 1);
            final long afterViews = ResidentSet.ofFile(log);
            // Views fault pages back in; readers sweep every step (192 KiB, each view counted as its length + 64 KiB
            // of fault-around), and a fault can map a whole page-cache folio (up to 2 MiB on this kernel).
            assertTrue(afterViews <= window + 2L * MIB, "32 MiB viewed, resident " + afterViews + " bytes");
            checkPatternWithPread(log, 32 * MIB, 1);
            assertTrue(((MappedSegmentData) segment.data()).residentPages().sweeps() > 100);
            segment.close();
        }
    }

    @Test
    void unboundedKeepsEveryWrittenPageMapped() throws IOException {
        try (BackendStore store = new MmapStorageBackend(-1, MmapStorageBackend.NEVER_WRITE).open(dir);
             PartitionStore partition = store.createPartition("unbounded-0")) {
            final SegmentFiles segment = partition.createSegment(0, new SegmentSpec(64 * MIB, 4096, 4096));
            appendPattern(segment.data(), 16 * MIB, 2);
            final long resident = ResidentSet.ofFile(dir.resolve("unbounded-0").resolve(SegmentFileNames.stem(0) + ".log"));
            assertTrue(resident >= 16L * MIB, "without a window every written page stays mapped: " + resident);
            assertEquals(0, ((MappedSegmentData) segment.data()).residentPages().sweeps());
            segment.close();
        }
    }

    @Test
    void trimDropsEveryPageOfTheSealedSegmentAndAppendsContinue() throws IOException {
        try (BackendStore store = new MmapStorageBackend(8L * MIB, MmapStorageBackend.NEVER_WRITE).open(dir);
             PartitionStore partition = store.createPartition("trim-0")) {
            final SegmentFiles segment = partition.createSegment(0, new SegmentSpec(8 * MIB, 4096, 4096));
            final Path log = dir.resolve("trim-0").resolve(SegmentFileNames.stem(0) + ".log");
            appendPattern(segment.data(), 3 * MIB + 100, 3); // below the first sweep: all resident
            assertTrue(ResidentSet.ofFile(log) >= 3L * MIB);
            segment.data().trim();
            assertEquals(0, ResidentSet.ofFile(log), "a trimmed (rolled) segment keeps no page mapped");
            checkPattern(segment.data(), 3 * MIB + 100, 3);
            assertEquals(0, ResidentSet.ofFile(log), "read() of a trimmed segment faults nothing in");
            checkPatternThroughViews(segment.data(), 3 * MIB + 100, 3);
            checkPatternWithPread(log, 3 * MIB + 100, 3);
            // The page the last append half filled was dropped too: the next append faults it back in.
            final ByteBuffer more = ByteBuffer.allocate(CHUNK);
            fill(more, 3 * MIB + 100, 3);
            segment.data().append(more.flip());
            checkPattern(segment.data(), 3 * MIB + 100 + CHUNK, 3);
            segment.close();
        }
    }

    @Test
    void aDroppedGrownMappingKeepsItsBytes() throws IOException {
        try (BackendStore store = new MmapStorageBackend(0, MmapStorageBackend.NEVER_WRITE).open(dir);
             PartitionStore partition = store.createPartition("grown-0")) {
            // A 64 KiB hint grows (remaps) several times; every mapping's pages are dropped.
            final SegmentFiles segment = partition.createSegment(0, new SegmentSpec(64 * 1024, 4096, 4096));
            final Path log = dir.resolve("grown-0").resolve(SegmentFileNames.stem(0) + ".log");
            appendPattern(segment.data(), 4 * MIB, 4);
            assertTrue(ResidentSet.ofFile(log) <= 2L * ResidencyPolicy.PAGE, "window 0: at most the page being filled");
            checkPattern(segment.data(), 4 * MIB, 4);
            checkPatternThroughViews(segment.data(), 4 * MIB, 4);
            checkPatternWithPread(log, 4 * MIB, 4);
            segment.close();
        }
    }

    @Test
    void sixPartitionsWrittenInTurnShareOneWindow() throws IOException {
        final long window = 8L * MIB;
        final int each = 8 * MIB; // with a window per segment, none would have swept yet: 48 MiB resident
        try (MmapBackendStore store = (MmapBackendStore) new MmapStorageBackend(window).open(dir)) {
            final List<PartitionStore> partitions = new ArrayList<>();
            final List<SegmentFiles> segments = new ArrayList<>();
            final List<Path> logs = new ArrayList<>();
            for (int p = 0; p < 6; p++) {
                final PartitionStore partition = store.createPartition("shared-" + p);
                partitions.add(partition);
                segments.add(partition.createSegment(0, new SegmentSpec(64 * MIB, 4096, 4096)));
                logs.add(dir.resolve("shared-" + p).resolve(SegmentFileNames.stem(0) + ".log"));
            }
            final ByteBuffer chunk = ByteBuffer.allocate(CHUNK);
            long mostResident = 0;
            for (int at = 0; at < each; at += CHUNK) {
                for (int p = 0; p < 6; p++) {
                    chunk.clear();
                    fill(chunk, at, p);
                    segments.get(p).data().append(chunk.flip());
                }
                if (at % MIB == 0) {
                    mostResident = Math.max(mostResident, resident(logs));
                }
            }
            mostResident = Math.max(mostResident, resident(logs));
            final ResidentBudget budget = store.residentBudget();
            // ResidentBudget's bound, and beyond the charge each segment's uncharged last chunk and the folio it fills.
            final long perSegment = window / 4 + budget.minSweepBytes() + ResidencyPolicy.PAGE;
            assertTrue(budget.charged() <= window + 6 * perSegment, "charged " + budget.charged());
            final long bound = window + 6 * (perSegment + budget.chunkBytes() + FOLIO);
            assertTrue(mostResident <= bound, "6 × 8 MiB written in turn, at most " + mostResident
                    + " bytes of the .logs resident; one shared window of " + window + " allows " + bound);
            for (int p = 0; p < 6; p++) {
                checkPattern(segments.get(p).data(), each, p);
                checkPatternWithPread(logs.get(p), each, p);
            }
            for (int p = 0; p < 6; p++) {
                segments.get(p).data().trim();
            }
            assertEquals(0, budget.charged(), "rolled segments hold no charge");
            assertEquals(0, resident(logs), "nor any page");
            for (int p = 0; p < 6; p++) {
                segments.get(p).close();
                partitions.get(p).close();
            }
        }
    }

    @Test
    void writersOnSeveralThreadsKeepTheAccountingExact() throws Exception {
        try (MmapBackendStore store = (MmapBackendStore) new MmapStorageBackend(2L * MIB).open(dir)) {
            final int writers = 4;
            final List<PartitionStore> partitions = new ArrayList<>();
            final List<SegmentFiles> segments = new ArrayList<>();
            for (int p = 0; p < writers; p++) {
                final PartitionStore partition = store.createPartition("concurrent-" + p);
                partitions.add(partition);
                segments.add(partition.createSegment(0, new SegmentSpec(16 * MIB, 4096, 4096)));
            }
            final CountDownLatch start = new CountDownLatch(1);
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            final List<Thread> threads = new ArrayList<>();
            for (int p = 0; p < writers; p++) {
                final int partition = p;
                final Thread t = new Thread(() -> {
                    try {
                        start.await();
                        // Odd sizes: charges and sweeps fall at different points in each segment.
                        final ByteBuffer batch = ByteBuffer.allocate(CHUNK + 1000 * partition + 7);
                        for (int at = 0; at + batch.capacity() <= 12 * MIB; at += batch.capacity()) {
                            batch.clear();
                            fill(batch, at, partition);
                            segments.get(partition).data().append(batch.flip());
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }, "writer-" + p);
                threads.add(t);
                t.start();
            }
            start.countDown();
            for (Thread t : threads) {
                t.join();
            }
            assertNull(failure.get());
            final ResidentBudget budget = store.residentBudget();
            long sum = 0;
            int holders = 0;
            for (SegmentFiles segment : segments) {
                final long charged = ((MappedSegmentData) segment.data()).residentPages().charged();
                sum += charged;
                holders += charged > 0 ? 1 : 0;
            }
            assertEquals(sum, budget.charged(), "the budget is the sum of the writers' charges");
            assertEquals(holders, budget.holders());
            assertTrue(sum <= 2L * MIB + writers * (512L * 1024 + budget.minSweepBytes() + ResidencyPolicy.PAGE),
                    "charged " + sum);
            for (int p = 0; p < writers; p++) {
                final int size = segments.get(p).data().size();
                checkPattern(segments.get(p).data(), size, p);
                segments.get(p).close();
                partitions.get(p).close();
            }
            assertEquals(0, budget.charged(), "closed segments leave nothing charged");
            assertEquals(0, budget.holders());
        }
    }

    private static long resident(final List<Path> logs) throws IOException {
        long sum = 0;
        for (Path log : logs) {
            sum += ResidentSet.ofFile(log);
        }
        return sum;
    }

    @Test
    void badResidentWindowSettingsAreRefusedNamingTheSetting() {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ResidencyPolicy.parse(MmapStorageBackend.RESIDENT_BYTES_PROPERTY, "4MiB"));
        assertTrue(e.getMessage().contains(MmapStorageBackend.RESIDENT_BYTES_PROPERTY + "=4MiB"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> ResidencyPolicy.parse(MmapStorageBackend.RESIDENT_BYTES_PROPERTY, "-5"));
        assertTrue(!ResidencyPolicy.parse("x", "unbounded").bounded());
        assertTrue(!ResidencyPolicy.parse("x", null).bounded());
        assertEquals(MIB, ResidencyPolicy.parse("x", Integer.toString(4 * MIB)).keepBytes());
        assertEquals(ResidencyPolicy.PAGE, ResidencyPolicy.parse("x", "0").stepBytes());
    }

    /** Appends {@code bytes} of the pattern {@link #patternByte} in 16 KiB chunks (the last one shorter). */
    static void appendPattern(final SegmentData data, final int bytes, final int seed) {
        final ByteBuffer chunk = ByteBuffer.allocate(CHUNK);
        for (int at = 0; at < bytes; at += CHUNK) {
            chunk.clear().limit(Math.min(CHUNK, bytes - at));
            fill(chunk, at, seed);
            data.append(chunk.flip());
        }
    }

    private static void fill(final ByteBuffer chunk, final int position, final int seed) {
        while (chunk.hasRemaining()) {
            chunk.put(patternByte(position + chunk.position(), seed));
        }
    }

    static byte patternByte(final long position, final int seed) {
        return (byte) (position * 31 + (position >>> 12) * 7 + seed);
    }

    static void checkPattern(final SegmentData data, final int bytes, final int seed) {
        final ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK);
        for (int at = 0; at < bytes; at += CHUNK) {
            chunk.clear().limit(Math.min(CHUNK, bytes - at));
            data.read(at, chunk);
            checkChunk(chunk.flip(), at, seed);
        }
    }

    /** Reads through {@code view}: the mapping itself, faulting dropped pages back in. */
    static void checkPatternThroughViews(final SegmentData data, final int bytes, final int seed) {
        for (int at = 0; at < bytes; at += CHUNK) {
            checkChunk(data.view(at, Math.min(CHUNK, bytes - at)), at, seed);
        }
    }

    /** Reads the file with pread: the page cache, not the mapping. */
    static void checkPatternWithPread(final Path file, final int bytes, final int seed) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            final ByteBuffer chunk = ByteBuffer.allocate(CHUNK);
            for (int at = 0; at < bytes; at += CHUNK) {
                chunk.clear().limit(Math.min(CHUNK, bytes - at));
                while (chunk.hasRemaining()) {
                    if (channel.read(chunk, at + chunk.position()) < 0) {
                        throw new IOException(file + " ends before " + (at + chunk.position()));
                    }
                }
                checkChunk(chunk.flip(), at, seed);
            }
        }
    }

    private static void checkChunk(final ByteBuffer chunk, final int at, final int seed) {
        for (int i = 0; i < chunk.limit(); i++) {
            final int position = at + i;
            if (chunk.get(i) != patternByte(position, seed)) {
                throw new AssertionError("byte " + position + " is " + chunk.get(i) + ", wrote "
                        + patternByte(position, seed));
            }
        }
    }
}
