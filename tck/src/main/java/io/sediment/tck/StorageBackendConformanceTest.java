package io.sediment.tck;

import io.sediment.api.StorageException;
import io.sediment.api.spi.BackendStore;
import io.sediment.api.spi.IndexRegion;
import io.sediment.api.spi.PartitionStore;
import io.sediment.api.spi.SegmentData;
import io.sediment.api.spi.SegmentFiles;
import io.sediment.api.spi.SegmentSpec;
import io.sediment.api.spi.StorageBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.channels.Pipe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The storage SPI's contract as tests: every backend runs this class unchanged, by subclassing it in its own test
 * sources and returning itself from {@link #backend()}.
 *
 * <pre>
 *   class MyBackendConformanceTest extends StorageBackendConformanceTest {
 *       &#64;Override protected StorageBackend backend() { return new MyBackend(); }
 *   }
 * </pre>
 *
 * <p>What it pins down, by SPI type (test names say the rule):
 * <ul>
 *   <li>{@link BackendStore}: partitions are created, listed, reopened and deleted by name; names that would
 *       escape the data directory are refused with {@link StorageException}.</li>
 *   <li>{@link PartitionStore}: segments are created, listed ascending and reopened; retiring takes an id out of
 *       the listing while open {@link SegmentFiles} keep reading the same bytes; destroy and purge free them.</li>
 *   <li>{@link SegmentData}: byte-exact append, read, view and transferTo (to a file and to a pipe), appends past
 *       the capacity hint, views that stay valid and unchanged after later appends and growth, truncateTo, trim,
 *       flush, and durability across close and reopen; a model-based property over random operation
 *       sequences.</li>
 *   <li>{@link IndexRegion}: capacity, storedBytes after trimTo and reopen, persistence of buffer writes; a
 *       model-based property.</li>
 *   <li>Threading: one writer appending while two readers read published ranges; a thread's interrupt affects
 *       only that thread (a {@code FileChannel} shared by readers would close for all of them), and an interrupted
 *       thread still opens, creates, writes, flushes and closes stores, partitions and segments.</li>
 * </ul>
 * A "crash" here is closing without {@code trim}/{@code trimTo}: what the contract allows after an unclean
 * shutdown (a longer {@code size()} or {@code storedBytes()}, never lost flushed bytes) is what is checked.
 *
 * <p>Threading: JUnit runs each test on one thread; the concurrency tests start their own readers.
 */
public abstract class StorageBackendConformanceTest {
    /** Small capacities, so that tests cross the data capacity hint and make backends grow. */
    private static final SegmentSpec SPEC = new SegmentSpec(16 * 1024, 4096, 6144);
    private static final long SEED = 0x5EED;

    @TempDir
    protected Path tempDir;

    /** Opened stores, partitions and segments, closed in reverse after each test unless a test closed them. */
    private final Deque<AutoCloseable> open = new ArrayDeque<>();

    /** The backend under test; a new instance or a shared one, it must not keep state between stores. */
    protected abstract StorageBackend backend();

    /**
     * Bytes the backend keeps on disk under {@code dataDir}, for the tests that check retired segments are freed.
     * The default sums the lengths of regular files. A backend whose files never shrink (a B-tree that reuses free
     * pages) overrides this with a measure of what it holds.
     */
    protected long retainedBytes(final Path dataDir) throws IOException {
        try (Stream<Path> files = Files.walk(dataDir)) {
            return files.filter(Files::isRegularFile).mapToLong(file -> file.toFile().length()).sum();
        }
    }

    @AfterEach
    final void closeWhatIsOpen() throws Exception {
        closeAll();
    }

    // ---------------------------------------------------------------------------------------------------------
    // BackendStore
    // ---------------------------------------------------------------------------------------------------------

    @Test
    void backendHasAName() {
        final String name = backend().name();
        assertFalse(name == null || name.isBlank(), "name must not be blank");
        assertEquals(name, StorageBackend.named(name).name(), "listed in META-INF/services under its name");
    }

    @Test
    void newStoreHasNoPartitionsAndReportsItsDirectory() throws IOException {
        final Path dir = tempDir.resolve("data");
        final BackendStore store = track(backend().open(dir));
        assertTrue(store.partitions().isEmpty());
        assertEquals(dir.toRealPath(), store.directory().toRealPath());
    }

    @Test
    void createdPartitionsAreListedByNameAndSurviveReopen() throws Exception {
        final BackendStore store = openStore();
        for (String name : List.of("orders-1", "orders-0", "__consumer_offsets-7", "a.b_c-12")) {
            final PartitionStore partition = track(store.createPartition(name));
            assertEquals(name, partition.name());
        }
        final Set<String> expected = Set.of("__consumer_offsets-7", "a.b_c-12", "orders-0", "orders-1");
        assertEquals(List.copyOf(new java.util.TreeSet<>(expected)), List.copyOf(store.partitions()));

        closeAll();
        final BackendStore reopened = reopenStore();
        assertEquals(List.copyOf(new java.util.TreeSet<>(expected)), List.copyOf(reopened.partitions()));
        final PartitionStore partition = track(reopened.openPartition("orders-1"));
        assertEquals("orders-1", partition.name());
        assertEquals(0, partition.segmentIds().length);
    }

    @Test
    void creatingAnExistingPartitionFails() {
        final BackendStore store = openStore();
        track(store.createPartition("t-0"));
        assertThrows(StorageException.class, () -> store.createPartition("t-0"));
    }

    @Test
    void openingOrDeletingAMissingPartitionFails() {
        final BackendStore store = openStore();
        assertThrows(StorageException.class, () -> store.openPartition("missing-0"));
        assertThrows(StorageException.class, () -> store.deletePartition("missing-0"));
    }

    @Test
    void deletedPartitionIsGoneWithItsData() throws Exception {
        final BackendStore store = openStore();
        final PartitionStore partition = track(store.createPartition("t-0"));
        final SegmentFiles segment = track(partition.createSegment(0, SPEC));
        append(segment.data(), 0, 5000);
        segment.data().flush();
        track(store.createPartition("t-1"));
        segment.close();
        partition.close();

        store.deletePartition("t-0");
        assertEquals(List.of("t-1"), List.copyOf(store.partitions()));
        assertThrows(StorageException.class, () -> store.openPartition("t-0"));

        closeAll();
        final BackendStore reopened = reopenStore();
        assertEquals(List.of("t-1"), List.copyOf(reopened.partitions()));
        final PartitionStore recreated = track(reopened.createPartition("t-0"));
        assertEquals(0, recreated.segmentIds().length, "a recreated partition starts empty");
    }

    @Test
    void namesThatEscapeTheDirectoryAreRefused() throws IOException {
        final Path dataDir = tempDir.resolve("data");
        final BackendStore store = track(backend().open(dataDir));
        final Path outside = tempDir.resolve("escaped");
        final List<String> names = List.of("../escaped", outside.toAbsolutePath().toString(), "a/b", "..", ".", "",
                "t-0/../../escaped", "..\\escaped");
        for (String name : names) {
            assertThrows(StorageException.class, () -> track(store.createPartition(name)), "create '" + name + "'");
            assertThrows(StorageException.class, () -> track(store.openPartition(name)), "open '" + name + "'");
            assertThrows(StorageException.class, () -> store.deletePartition(name), "delete '" + name + "'");
        }
        assertFalse(Files.exists(outside), "nothing was created outside the data directory");
        try (Stream<Path> siblings = Files.list(tempDir)) {
            assertEquals(List.of(dataDir.getFileName()), siblings.map(Path::getFileName).toList());
        }
        assertTrue(store.partitions().isEmpty());
    }

    // ---------------------------------------------------------------------------------------------------------
    // PartitionStore: segments
    // ---------------------------------------------------------------------------------------------------------

    @Test
    void segmentsAreListedAscendingAndReopen() throws Exception {
        final PartitionStore partition = newPartition();
        final long[] ids = {300, 0, 1L << 40, 100, 99};
        for (long id : ids) {
            final SegmentFiles segment = track(partition.createSegment(id, SPEC));
            assertEquals(id, segment.id());
            append(segment.data(), id, 100 + (int) (id % 1000));
            segment.data().trim();
        }
        assertArrayEquals(new long[] {0, 99, 100, 300, 1L << 40}, partition.segmentIds());

        closeAll();
        final PartitionStore reopened = track(reopenStore().openPartition("t-0"));
        assertArrayEquals(new long[] {0, 99, 100, 300, 1L << 40}, reopened.segmentIds());
        for (long id : ids) {
            final SegmentFiles segment = track(reopened.openSegment(id, SPEC));
            assertEquals(id, segment.id());
            assertContent(segment.data(), id, 100 + (int) (id % 1000));
        }
    }

    @Test
    void creatingAnExistingSegmentFails() {
        final PartitionStore partition = newPartition();
        track(partition.createSegment(7, SPEC));
        assertThrows(StorageException.class, () -> track(partition.createSegment(7, SPEC)));
    }

    @Test
    void openingAMissingSegmentFails() {
        final PartitionStore partition = newPartition();
        assertThrows(StorageException.class, () -> track(partition.openSegment(7, SPEC)));
    }

    // ---------------------------------------------------------------------------------------------------------
    // SegmentData
    // ---------------------------------------------------------------------------------------------------------

    @Test
    void newSegmentIsEmpty() {
        final SegmentFiles segment = newSegment(SPEC);
        assertEquals(0, segment.data().size());
        assertEquals(0, segment.offsetIndex().storedBytes());
        assertEquals(0, segment.timeIndex().storedBytes());
    }

    @Test
    void appendAdvancesSizeAndConsumesTheSource() {
        final SegmentData data = newSegment(SPEC).data();
        final ByteBuffer heap = Patterns.fill(ByteBuffer.allocate(1000), SEED, 0);
        data.append(heap);
        assertEquals(1000, data.size());
        assertEquals(0, heap.remaining(), "source position advanced to its limit");

        // a direct source, and one whose remaining bytes start mid-buffer
        final ByteBuffer direct = ByteBuffer.allocateDirect(700);
        Patterns.fill(direct, SEED, 1000);
        data.append(direct);
        final ByteBuffer window = ByteBuffer.allocate(900);
        window.position(100).limit(400);
        Patterns.fill(window, SEED, 1700);
        data.append(window);
        assertEquals(400, window.position());
        assertEquals(2000, data.size());

        data.append(ByteBuffer.allocate(0));
        assertEquals(2000, data.size(), "an empty append changes nothing");
        assertContent(data, SEED, 2000);
    }

    @Test
    void readCopiesExactRangesIntoHeapAndDirectBuffers() {
        final SegmentData data = newSegment(SPEC).data();
        append(data, SEED, 10_000);
        final SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < 200; i++) {
            final int position = random.nextInt(10_000);
            final int length = random.nextInt(10_000 - position + 1);
            final ByteBuffer dst = i % 2 == 0 ? ByteBuffer.allocate(length + 10) : ByteBuffer.allocateDirect(length + 10);
            dst.position(7).limit(7 + length);
            data.read(position, dst);
            assertEquals(7 + length, dst.position(), "dst position advanced by the bytes read");
            dst.position(7);
            assertEquals(-1, Patterns.firstMismatch(dst, SEED, position), "read at " + position + " len " + length);
        }
        final ByteBuffer empty = ByteBuffer.allocate(0);
        data.read(10_000, empty);
        assertEquals(0, empty.position());
    }

    @Test
    void readAndViewOutsideTheStoredBytesFail() {
        final SegmentData data = newSegment(SPEC).data();
        append(data, SEED, 100);
        assertThrows(RuntimeException.class, () -> data.read(90, ByteBuffer.allocate(11)));
        assertThrows(RuntimeException.class, () -> data.read(-1, ByteBuffer.allocate(1)));
        assertThrows(RuntimeException.class, () -> data.view(50, 51));
        assertThrows(RuntimeException.class, () -> data.view(-1, 1));
    }

    @Test
    void viewIsAReadOnlyWindowOnTheStoredBytes() {
        final SegmentData data = newSegment(SPEC).data();
        append(data, SEED, 5000);
        final ByteBuffer view = data.view(1234, 2000);
        assertTrue(view.isReadOnly());
        assertEquals(2000, view.remaining());
        assertEquals(-1, Patterns.firstMismatch(view, SEED, 1234));
        assertEquals(0, data.view(5000, 0).remaining());
    }

    @Test
    void transferToAFileChannelWritesExactBytes() throws IOException {
        final SegmentData data = newSegment(SPEC).data();
        append(data, SEED, 50_000);
        final Path out = tempDir.resolve("out.bin");
        try (FileChannel target = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            assertEquals(30_000, data.transferTo(12_345, 30_000, target));
            assertEquals(7_655, data.transferTo(42_345, 7_655, target));
        }
        final byte[] written = Files.readAllBytes(out);
        assertArrayEquals(Patterns.range(SEED, 12_345, 37_655), written);
    }

    @Test
    void transferToStopsAtTheStoredBytes() throws IOException {
        final SegmentData data = newSegment(SPEC).data(); // 10 000 bytes in a segment reserved for 16 KiB
        append(data, SEED, 10_000);
        final Path out = tempDir.resolve("out.bin");
        try (FileChannel target = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            assertEquals(1000, data.transferTo(9000, 5000, target), "only stored bytes, never reserved ones");
            assertEquals(0, data.transferTo(10_000, 10, target));
        }
        assertArrayEquals(Patterns.range(SEED, 9000, 1000), Files.readAllBytes(out));
    }

    @Test
    void transferToABlockingPipeWritesExactBytes() throws Exception {
        final SegmentData data = newSegment(SPEC).data();
        append(data, SEED, 300_000); // several times a pipe's buffer
        final Pipe pipe = Pipe.open();
        final ExecutorService drainer = Executors.newSingleThreadExecutor();
        try {
            final Future<byte[]> drained = drainer.submit(() -> drain(pipe.source(), 250_000));
            assertEquals(250_000, data.transferTo(40_000, 250_000, pipe.sink()));
            assertArrayEquals(Patterns.range(SEED, 40_000, 250_000), drained.get(30, TimeUnit.SECONDS));
        } finally {
            pipe.sink().close();
            pipe.source().close();
            drainer.shutdownNow();
        }
    }

    @Test
    void transferToANonBlockingPipeMayWriteLessButNeverWrongBytes() throws Exception {
        final SegmentData data = newSegment(SPEC).data();
        append(data, SEED, 200_000);
        final Pipe pipe = Pipe.open();
        pipe.sink().configureBlocking(false);
        final ExecutorService drainer = Executors.newSingleThreadExecutor();
        try {
            final Future<byte[]> drained = drainer.submit(() -> drain(pipe.source(), 200_000));
            long sent = 0;
            while (sent < 200_000) {
                final long n = data.transferTo((int) sent, 200_000 - sent, pipe.sink());
                assertTrue(n >= 0 && n <= 200_000 - sent, "transferred " + n);
                sent += n;
                if (n == 0) {
                    Thread.onSpinWait(); // the pipe is full until the drainer catches up
                }
            }
            assertArrayEquals(Patterns.range(SEED, 0, 200_000), drained.get(30, TimeUnit.SECONDS));
        } finally {
            pipe.sink().close();
            pipe.source().close();
            drainer.shutdownNow();
        }
    }

    @Test
    void appendsPastTheCapacityHintAreKept() {
        final SegmentData data = newSegment(new SegmentSpec(1024, 64, 64)).data();
        final SplittableRandom random = new SplittableRandom(2);
        int size = 0;
        while (size < 300_000) {
            final int length = 1 + random.nextInt(5000);
            data.append(Patterns.fill(ByteBuffer.allocate(length), SEED, size));
            size += length;
            assertEquals(size, data.size());
        }
        assertContent(data, SEED, size);
    }

    @Test
    void appendsToASegmentCreatedWithZeroCapacityWork() {
        final SegmentData data = newSegment(new SegmentSpec(0, 0, 0)).data();
        append(data, SEED, 70_000);
        assertContent(data, SEED, 70_000);
    }

    @Test
    void viewsTakenEarlierStayValidAndUnchangedAfterLaterAppendsAndGrowth() {
        final SegmentData data = newSegment(new SegmentSpec(4096, 64, 64)).data();
        final List<ByteBuffer> views = new ArrayList<>();
        final List<Integer> starts = new ArrayList<>();
        int size = 0;
        for (int round = 0; round < 40; round++) {
            final int length = 1000 + round * 300;
            data.append(Patterns.fill(ByteBuffer.allocate(length), SEED, size));
            views.add(data.view(size, length));
            starts.add(size);
            size += length;
        }
        assertTrue(size > 10 * 4096, "the segment grew well past its hint");
        for (int i = 0; i < views.size(); i++) {
            final ByteBuffer view = views.get(i);
            assertEquals(-1, Patterns.firstMismatch(view, SEED, starts.get(i)), "view " + i + " at " + starts.get(i));
        }
    }

    @Test
    void truncateToDropsTheTailAndAppendsContinueThere() {
        final SegmentData data = newSegment(SPEC).data();
        append(data, SEED, 30_000);
        data.truncateTo(12_000);
        assertEquals(12_000, data.size());
        assertThrows(RuntimeException.class, () -> data.read(11_999, ByteBuffer.allocate(2)));
        data.append(Patterns.fill(ByteBuffer.allocate(5000), SEED + 1, 0));
        assertEquals(17_000, data.size());
        assertContent(data, 0, SEED, 12_000);
        final ByteBuffer tail = ByteBuffer.allocate(5000);
        data.read(12_000, tail);
        tail.flip();
        assertEquals(-1, Patterns.firstMismatch(tail, SEED + 1, 0));
        data.truncateTo(17_000);
        assertEquals(17_000, data.size(), "truncating to the size changes nothing");
        data.truncateTo(0);
        assertEquals(0, data.size());
    }

    @Test
    void truncatedBytesDoNotComeBackAfterReopen() throws Exception {
        final PartitionStore partition = newPartition();
        final SegmentFiles segment = partition.createSegment(0, SPEC);
        append(segment.data(), SEED, 30_000);
        segment.data().flush();
        segment.data().truncateTo(10_000);
        segment.data().flush();
        segment.close(); // untrimmed: like a crash
        final SegmentFiles reopened = track(partition.openSegment(0, SPEC));
        final SegmentData data = reopened.data();
        assertTrue(data.size() >= 10_000, "flushed bytes are kept, size " + data.size());
        assertContent(data, 0, SEED, 10_000);
        if (data.size() > 10_000) {
            final int checked = Math.min(data.size() - 10_000, 20_000);
            final ByteBuffer rest = ByteBuffer.allocate(checked);
            data.read(10_000, rest);
            final byte[] dropped = Patterns.range(SEED, 10_000, checked);
            int same = 0;
            for (int i = 0; i < checked; i++) {
                same += rest.get(i) == dropped[i] ? 1 : 0;
            }
            // chance agreement (zeros against random bytes) is about 1 in 256
            assertTrue(same < checked / 20, same + " of " + checked + " bytes dropped by truncateTo reappeared");
        }
    }

    @Test
    void trimThenReopenKeepsExactlyTheStoredBytes() throws Exception {
        final PartitionStore partition = newPartition();
        final SegmentFiles segment = partition.createSegment(5, new SegmentSpec(64 * 1024, 4096, 4096));
        append(segment.data(), SEED, 12_345);
        segment.data().trim();
        assertEquals(12_345, segment.data().size());
        assertContent(segment.data(), SEED, 12_345);
        segment.close();
        final SegmentFiles reopened = track(partition.openSegment(5, new SegmentSpec(64 * 1024, 4096, 4096)));
        assertEquals(12_345, reopened.data().size());
        assertContent(reopened.data(), SEED, 12_345);
        // a trimmed, reopened segment takes further appends
        reopened.data().append(Patterns.fill(ByteBuffer.allocate(100_000), SEED, 12_345));
        assertContent(reopened.data(), SEED, 112_345);
    }

    @Test
    void appendAfterTrimWorks() {
        final SegmentData data = newSegment(SPEC).data();
        append(data, SEED, 1000);
        data.trim();
        data.append(Patterns.fill(ByteBuffer.allocate(40_000), SEED, 1000));
        data.trim();
        data.append(Patterns.fill(ByteBuffer.allocate(10), SEED, 41_000));
        assertContent(data, SEED, 41_010);
    }

    @Test
    void flushedBytesSurviveCloseAndReopenOfTheWholeStore() throws Exception {
        final PartitionStore partition = newPartition();
        final SegmentFiles segment = track(partition.createSegment(0, SPEC));
        append(segment.data(), SEED, 100_000);
        segment.data().flush();
        closeAll(); // no trim: the stored size may include reserved bytes, never lose flushed ones
        final PartitionStore reopened = track(reopenStore().openPartition("t-0"));
        assertArrayEquals(new long[] {0}, reopened.segmentIds());
        final SegmentData data = track(reopened.openSegment(0, SPEC)).data();
        assertTrue(data.size() >= 100_000, "size " + data.size());
        assertContent(data, 0, SEED, 100_000);
    }

    @Test
    void segmentCloseIsIdempotentAndLaterUseIsRefused() {
        final SegmentFiles segment = newSegment(SPEC);
        final SegmentData data = segment.data();
        final IndexRegion index = segment.offsetIndex();
        append(data, SEED, 100);
        segment.close();
        assertDoesNotThrow(segment::close);
        assertRefusedAfterClose(() -> data.append(ByteBuffer.allocate(1)));
        assertRefusedAfterClose(() -> data.read(0, ByteBuffer.allocate(1)));
        assertRefusedAfterClose(() -> data.view(0, 1));
        assertRefusedAfterClose(() -> data.transferTo(0, 1, Pipe.open().sink()));
        assertRefusedAfterClose(data::flush);
        assertRefusedAfterClose(data::trim);
        assertRefusedAfterClose(() -> data.truncateTo(0));
        assertRefusedAfterClose(() -> index.trimTo(0));
        assertRefusedAfterClose(() -> index.flush(0));
    }

    // ---------------------------------------------------------------------------------------------------------
    // IndexRegion
    // ---------------------------------------------------------------------------------------------------------

    @Test
    void indexRegionsOfferAtLeastTheCapacityAskedForBigEndianAtPositionZero() {
        final SegmentFiles segment = newSegment(new SegmentSpec(1024, 10_000, 12_000));
        for (IndexRegion region : List.of(segment.offsetIndex(), segment.timeIndex())) {
            final ByteBuffer buffer = region.buffer();
            assertEquals(0, buffer.position());
            assertEquals(ByteOrder.BIG_ENDIAN, buffer.order());
            assertSame(buffer, region.buffer(), "the same instance for the region's life");
            assertFalse(buffer.isReadOnly());
        }
        assertTrue(segment.offsetIndex().buffer().capacity() >= 10_000);
        assertTrue(segment.timeIndex().buffer().capacity() >= 12_000);
    }

    @Test
    void indexEntriesPersistAcrossFlushTrimCloseAndReopen() throws Exception {
        final PartitionStore partition = newPartition();
        final SegmentFiles segment = track(partition.createSegment(0, SPEC));
        final ByteBuffer offsets = segment.offsetIndex().buffer();
        final ByteBuffer times = segment.timeIndex().buffer();
        for (int i = 0; i < 100; i++) {
            offsets.putInt(8 * i, i).putInt(8 * i + 4, i * 4096);
            times.putLong(12 * i, 1_700_000_000_000L + i).putInt(12 * i + 8, i);
        }
        segment.offsetIndex().flush(800);
        segment.timeIndex().flush(1200);
        segment.offsetIndex().trimTo(800);
        segment.timeIndex().trimTo(1200);
        closeAll();

        final PartitionStore reopened = track(reopenStore().openPartition("t-0"));
        final SegmentFiles again = track(reopened.openSegment(0, SPEC));
        assertEquals(800, again.offsetIndex().storedBytes());
        assertEquals(1200, again.timeIndex().storedBytes());
        assertTrue(again.offsetIndex().buffer().capacity() >= SPEC.offsetIndexCapacity(), "room for more entries");
        assertTrue(again.timeIndex().buffer().capacity() >= SPEC.timeIndexCapacity(), "room for more entries");
        for (int i = 0; i < 100; i++) {
            assertEquals(i, again.offsetIndex().buffer().getInt(8 * i));
            assertEquals(i * 4096, again.offsetIndex().buffer().getInt(8 * i + 4));
            assertEquals(1_700_000_000_000L + i, again.timeIndex().buffer().getLong(12 * i));
            assertEquals(i, again.timeIndex().buffer().getInt(12 * i + 8));
        }
    }

    @Test
    void reopenedIndexTakesFurtherEntriesThatPersist() {
        final PartitionStore partition = newPartition();
        final SegmentFiles segment = partition.createSegment(0, SPEC);
        segment.offsetIndex().buffer().putLong(0, 42);
        segment.offsetIndex().trimTo(8);
        segment.close();

        final SegmentFiles reopened = partition.openSegment(0, SPEC);
        assertEquals(8, reopened.offsetIndex().storedBytes());
        final ByteBuffer buffer = reopened.offsetIndex().buffer();
        assertTrue(buffer.capacity() >= SPEC.offsetIndexCapacity());
        assertEquals(42, buffer.getLong(0));
        buffer.putLong(8, 43).putLong(2048, 44);
        reopened.offsetIndex().flush(2056);
        reopened.offsetIndex().trimTo(2056);
        reopened.close();

        final SegmentFiles third = track(partition.openSegment(0, SPEC));
        assertEquals(2056, third.offsetIndex().storedBytes());
        assertEquals(42, third.offsetIndex().buffer().getLong(0));
        assertEquals(43, third.offsetIndex().buffer().getLong(8));
        assertEquals(44, third.offsetIndex().buffer().getLong(2048));
    }

    @Test
    void untrimmedIndexKeepsItsFlushedBytesAfterReopen() {
        final PartitionStore partition = newPartition();
        final SegmentFiles segment = partition.createSegment(0, SPEC);
        segment.timeIndex().buffer().putLong(0, 7).putInt(8, 9);
        segment.timeIndex().flush(12);
        segment.close(); // like a crash: never trimmed

        final SegmentFiles reopened = track(partition.openSegment(0, SPEC));
        final IndexRegion region = reopened.timeIndex();
        assertTrue(region.storedBytes() >= 12, "storedBytes " + region.storedBytes());
        assertTrue(region.buffer().capacity() >= Math.max(region.storedBytes(), SPEC.timeIndexCapacity()));
        assertEquals(7, region.buffer().getLong(0));
        assertEquals(9, region.buffer().getInt(8));
    }

    @Test
    void indexRegionsOfOneSegmentAreIndependent() {
        final PartitionStore partition = newPartition();
        final SegmentFiles segment = partition.createSegment(0, SPEC);
        final ByteBuffer offsets = segment.offsetIndex().buffer();
        final ByteBuffer times = segment.timeIndex().buffer();
        for (int i = 0; i < 512; i++) {
            offsets.putLong(8 * i, 0x0101010101010101L * (i & 0x7f));
        }
        for (int i = 0; i < 512; i++) {
            assertEquals(0, times.getLong(8 * i), "time index untouched by offset index writes");
        }
        segment.offsetIndex().trimTo(4096);
        segment.timeIndex().trimTo(0);
        segment.close();
        final SegmentFiles reopened = track(partition.openSegment(0, SPEC));
        assertEquals(4096, reopened.offsetIndex().storedBytes());
        assertEquals(0, reopened.timeIndex().storedBytes());
    }

    // ---------------------------------------------------------------------------------------------------------
    // Retirement
    // ---------------------------------------------------------------------------------------------------------

    @Test
    void retiredSegmentLeavesTheListingButOpenFilesStillReadTheSameBytes() throws Exception {
        final PartitionStore partition = newPartition();
        final SegmentFiles old = track(partition.createSegment(0, SPEC));
        append(old.data(), SEED, 40_000);
        old.offsetIndex().buffer().putInt(0, 123);
        old.data().trim();
        final ByteBuffer earlierView = old.data().view(100, 30_000);
        track(partition.createSegment(1000, SPEC));

        partition.retireSegment(0);
        assertArrayEquals(new long[] {1000}, partition.segmentIds());

        assertEquals(40_000, old.data().size());
        assertContent(old.data(), SEED, 40_000);
        assertEquals(-1, Patterns.firstMismatch(old.data().view(0, 40_000), SEED, 0));
        assertEquals(-1, Patterns.firstMismatch(earlierView, SEED, 100));
        assertEquals(123, old.offsetIndex().buffer().getInt(0));
        final Path out = tempDir.resolve("retired.bin");
        try (FileChannel target = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            assertEquals(40_000, old.data().transferTo(0, 40_000, target));
        }
        assertArrayEquals(Patterns.range(SEED, 0, 40_000), Files.readAllBytes(out));

        closeAll();
        final PartitionStore reopened = track(reopenStore().openPartition("t-0"));
        assertArrayEquals(new long[] {1000}, reopened.segmentIds(), "retired for good, across reopen");
    }

    @Test
    void retiringAMissingSegmentFails() {
        final PartitionStore partition = newPartition();
        assertThrows(StorageException.class, () -> partition.retireSegment(5));
    }

    @Test
    void destroyedSegmentFreesItsStorageAndItsIdCanBeReused() throws Exception {
        final PartitionStore partition = newPartition();
        final SegmentFiles segment = partition.createSegment(0, SPEC);
        append(segment.data(), SEED, 200_000);
        segment.data().trim();
        segment.data().flush();
        final long before = retainedBytes(tempDir);

        partition.retireSegment(0);
        segment.close();
        partition.destroyRetiredSegment(0);
        assertEquals(0, partition.segmentIds().length);
        assertTrue(retainedBytes(tempDir) <= before - 200_000,
                "retained " + retainedBytes(tempDir) + " bytes, before destroy " + before);
        assertThrows(StorageException.class, () -> track(partition.openSegment(0, SPEC)));

        final SegmentFiles reused = track(partition.createSegment(0, SPEC));
        assertEquals(0, reused.data().size(), "a new segment under a destroyed id starts empty");
        assertEquals(0, reused.offsetIndex().storedBytes());
    }

    @Test
    void purgeRemovesSegmentsRetiredInAnEarlierRun() throws Exception {
        final PartitionStore partition = newPartition();
        for (long id : new long[] {0, 100, 200}) {
            final SegmentFiles segment = track(partition.createSegment(id, SPEC));
            append(segment.data(), id, 100_000);
            segment.offsetIndex().buffer().putLong(0, id);
            segment.data().trim();
            segment.offsetIndex().trimTo(8);
        }
        partition.retireSegment(0);
        partition.retireSegment(100);
        closeAll(); // the run ends before the retired segments are destroyed
        final long before = retainedBytes(tempDir);

        final PartitionStore reopened = track(reopenStore().openPartition("t-0"));
        assertArrayEquals(new long[] {200}, reopened.segmentIds());
        reopened.purgeRetiredSegments();
        assertTrue(retainedBytes(tempDir) <= before - 200_000,
                "retained " + retainedBytes(tempDir) + " bytes, before purge " + before);
        assertArrayEquals(new long[] {200}, reopened.segmentIds());
        final SegmentFiles live = track(reopened.openSegment(200, SPEC));
        assertContent(live.data(), 200, 100_000);
        assertEquals(200, live.offsetIndex().buffer().getLong(0));
        reopened.purgeRetiredSegments(); // nothing left to purge: a no-op
        assertArrayEquals(new long[] {200}, reopened.segmentIds());
    }

    // ---------------------------------------------------------------------------------------------------------
    // Threading
    // ---------------------------------------------------------------------------------------------------------

    @Test
    void readersOfPublishedRangesSeeExactBytesWhileTheWriterAppends() throws Exception {
        final SegmentData data = newSegment(new SegmentSpec(8 * 1024, 64, 64)).data();
        final AtomicInteger published = new AtomicInteger();
        final AtomicBoolean writing = new AtomicBoolean(true);
        final ExecutorService readers = Executors.newFixedThreadPool(2);
        try {
            final List<Future<Integer>> checks = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                final int reader = r;
                checks.add(readers.submit(() -> readPublishedRanges(data, published, writing, reader)));
            }
            final SplittableRandom random = new SplittableRandom(3);
            final ByteBuffer chunk = ByteBuffer.allocateDirect(2048);
            int size = 0;
            for (int i = 0; i < 3000; i++) {
                chunk.clear().limit(1 + random.nextInt(chunk.capacity()));
                Patterns.fill(chunk, SEED, size);
                data.append(chunk);
                size = data.size();
                published.set(size); // what the engine does after a complete batch
            }
            writing.set(false);
            for (Future<Integer> check : checks) {
                assertTrue(check.get(60, TimeUnit.SECONDS) > 0, "reader checked ranges");
            }
            assertContent(data, SEED, size);
        } finally {
            writing.set(false);
            readers.shutdownNow();
        }
    }

    /** Reads random published ranges through read() and view() until the writer stops, then 500 more. */
    private static int readPublishedRanges(final SegmentData data, final AtomicInteger published,
                                           final AtomicBoolean writing, final int reader) {
        final SplittableRandom random = new SplittableRandom(100 + reader);
        final ByteBuffer dst = ByteBuffer.allocateDirect(4096);
        int checked = 0;
        int after = 0;
        while (writing.get() || after++ < 500) {
            final int end = published.get();
            if (end == 0) {
                Thread.onSpinWait();
                continue;
            }
            final int position = random.nextInt(end);
            final int length = Math.min(end - position, 1 + random.nextInt(dst.capacity()));
            final ByteBuffer range;
            if ((checked & 3) == 0) {
                range = data.view(position, length);
            } else {
                dst.clear().limit(length);
                data.read(position, dst);
                range = dst.flip();
            }
            final int mismatch = Patterns.firstMismatch(range, SEED, position);
            if (mismatch >= 0) {
                fail("reader " + reader + " read a wrong byte at " + (position + mismatch) + " of published " + end);
            }
            checked++;
        }
        return checked;
    }

    @Test
    void readersOfPublishedIndexEntriesSeeThemWhileTheWriterAddsMore() throws Exception {
        final SegmentFiles segment = newSegment(new SegmentSpec(1024, 80_000, 64));
        final ByteBuffer entries = segment.offsetIndex().buffer();
        final AtomicInteger count = new AtomicInteger();
        final AtomicBoolean writing = new AtomicBoolean(true);
        final CompletableFuture<Integer> reader = CompletableFuture.supplyAsync(() -> {
            final SplittableRandom random = new SplittableRandom(4);
            int checked = 0;
            int after = 0;
            while (writing.get() || after++ < 500) {
                final int n = count.get();
                if (n == 0) {
                    Thread.onSpinWait();
                    continue;
                }
                final int i = random.nextInt(n);
                if (entries.getInt(8 * i) != i || entries.getInt(8 * i + 4) != i * 31) {
                    throw new AssertionError("entry " + i + " of " + n + " published reads wrong");
                }
                checked++;
            }
            return checked;
        });
        for (int i = 0; i < 10_000; i++) {
            entries.putInt(8 * i, i).putInt(8 * i + 4, i * 31);
            count.set(i + 1);
        }
        writing.set(false);
        assertTrue(reader.get(60, TimeUnit.SECONDS) > 0);
    }

    /**
     * A thread's interrupt affects that thread only. Applications interrupt threads (executor {@code shutdownNow},
     * cancelled futures), and a {@code java.nio} {@code FileChannel} closes for every user when one thread is
     * interrupted inside it: a backend reading through a shared channel must not let one cancelled consumer fail
     * everyone else's reads. One thread here is interrupted over and over while it reads and sends published ranges;
     * two others do the same and must never fail or see a wrong byte. The interrupted thread's reads return exact
     * bytes; its sends do too or stop with an {@link InterruptedIOException} or {@link ClosedByInterruptException};
     * its interrupt status is never cleared. Afterwards an interrupted writer still appends, flushes and trims, and
     * the segment reads, sends and survives close and reopen.
     */
    @Test
    void anInterruptedReaderAffectsOnlyItself() throws Exception {
        final PartitionStore partition = newPartition();
        final SegmentFiles segment = partition.createSegment(0, SPEC);
        final SegmentData data = segment.data();
        append(data, SEED, 1024 * 1024);
        final int size = data.size();
        final AtomicBoolean running = new AtomicBoolean(true);
        final List<InterruptedReader> readers = new ArrayList<>();
        for (int r = 0; r < 3; r++) {
            readers.add(new InterruptedReader(data, size, r, r == 0, running, tempDir.resolve("sent-" + r)));
        }
        readers.forEach(Thread::start);
        final InterruptedReader victim = readers.get(0);
        final SplittableRandom random = new SplittableRandom(6);
        final long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
        while (System.nanoTime() < until && readers.stream().allMatch(r -> r.failure == null)) {
            victim.interrupt();
            java.util.concurrent.locks.LockSupport.parkNanos(20_000 + random.nextInt(200_000));
        }
        running.set(false);
        for (InterruptedReader reader : readers) {
            reader.join(TimeUnit.SECONDS.toMillis(60));
            assertFalse(reader.isAlive(), reader.getName() + " stopped");
            if (reader.failure != null) {
                throw new AssertionError(reader.getName() + " failed after " + reader.checked + " checks",
                        reader.failure);
            }
            assertTrue(reader.checked > 0, reader.getName() + " checked ranges");
        }

        Thread.currentThread().interrupt(); // the writer is an application thread too
        try {
            append(data, SEED, 50_000);
            data.flush();
            data.trim();
            segment.offsetIndex().buffer().putLong(0, 42L);
            segment.offsetIndex().flush(8);
            segment.offsetIndex().trimTo(8);
            assertTrue(Thread.currentThread().isInterrupted(), "the writer's calls keep its interrupt status");
        } finally {
            Thread.interrupted();
        }
        assertContent(data, SEED, size + 50_000);
        final Path out = tempDir.resolve("after.bin");
        try (FileChannel target = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            long sent = 0;
            while (sent < size + 50_000) {
                sent += data.transferTo((int) sent, size + 50_000 - sent, target);
            }
        }
        assertArrayEquals(Patterns.range(SEED, 0, size + 50_000), Files.readAllBytes(out));
        segment.close();
        final SegmentFiles reopened = track(partition.openSegment(0, SPEC));
        assertContent(reopened.data(), SEED, size + 50_000);
        assertEquals(42L, reopened.offsetIndex().buffer().getLong(0));
    }

    /**
     * The writer's thread may be interrupted too, when it rolls (creates a segment) or the application opens the
     * engine: opening a store and a partition, creating, writing, flushing, trimming, closing and reopening segments
     * all complete on an interrupted thread, and keep its interrupt status.
     */
    @Test
    void anInterruptedThreadStillOpensCreatesWritesAndClosesStoresAndSegments() throws Exception {
        final SegmentData written = newSegment(SPEC).data();
        append(written, SEED, 1000);
        written.trim();
        closeAll(); // a store with one partition on disk, to open again below
        Thread.currentThread().interrupt();
        try {
            final PartitionStore partition = track(reopenStore().openPartition("t-0"));
            final SegmentFiles first = track(partition.openSegment(0, SPEC));
            assertContent(first.data(), SEED, 1000);
            final SegmentFiles second = track(partition.createSegment(1, SPEC));
            append(second.data(), SEED + 1, 40_000); // past the capacity hint
            second.data().flush();
            second.data().trim();
            second.offsetIndex().buffer().putLong(0, 7L);
            second.offsetIndex().flush(8);
            second.offsetIndex().trimTo(8);
            assertArrayEquals(new long[] {0, 1}, partition.segmentIds());
            closeAll();
            final SegmentFiles reopened = track(track(reopenStore().openPartition("t-0")).openSegment(1, SPEC));
            assertContent(reopened.data(), SEED + 1, 40_000);
            assertEquals(7L, reopened.offsetIndex().buffer().getLong(0));
            assertTrue(Thread.currentThread().isInterrupted(), "the backend's calls keep the interrupt status");
        } finally {
            Thread.interrupted();
        }
    }

    /**
     * Reads random published ranges with {@code read} and sends others with {@code transferTo} into a file, checking
     * every byte, until told to stop. See {@link #anInterruptedReaderAffectsOnlyItself()} for what the interrupted
     * one may see.
     */
    private static final class InterruptedReader extends Thread {
        private final SegmentData data;
        private final int size;
        private final boolean interrupted;
        private final AtomicBoolean running;
        private final Path sent;
        private final SplittableRandom random;
        volatile Throwable failure;
        int checked;

        InterruptedReader(final SegmentData data, final int size, final int reader, final boolean interrupted,
                          final AtomicBoolean running, final Path sent) {
            super((interrupted ? "interrupted-reader-" : "reader-") + reader);
            this.data = data;
            this.size = size;
            this.interrupted = interrupted;
            this.running = running;
            this.sent = sent;
            this.random = new SplittableRandom(20 + reader);
        }

        @Override
        public void run() {
            final ByteBuffer dst = ByteBuffer.allocateDirect(16 * 1024);
            FileChannel target = null;
            try {
                while (running.get()) {
                    final int position = random.nextInt(size);
                    final int length = Math.min(size - position, 1 + random.nextInt(dst.capacity()));
                    dst.clear().limit(length);
                    if (random.nextBoolean()) {
                        data.read(position, dst);
                        check(dst.flip(), position);
                    } else {
                        if (target == null || !target.isOpen()) {
                            target = FileChannel.open(sent, StandardOpenOption.CREATE, StandardOpenOption.READ,
                                    StandardOpenOption.WRITE);
                        }
                        if (send(target, position, length, dst)) {
                            check(dst.flip(), position);
                        }
                    }
                    Thread.interrupted(); // each interrupt is checked by the call it hit; the next starts afresh
                }
            } catch (Throwable t) {
                failure = t;
            } finally {
                Thread.interrupted();
                if (target != null) {
                    try {
                        target.close();
                    } catch (IOException e) {
                        failure = failure == null ? e : failure;
                    }
                }
            }
        }

        /** Sends the range into {@code target} and reads it back into {@code dst}; false if an interrupt stopped it. */
        private boolean send(final FileChannel target, final int position, final int length, final ByteBuffer dst)
                throws IOException {
            try {
                target.position(0);
                long done = 0;
                while (done < length) {
                    done += data.transferTo(position + (int) done, length - done, target);
                }
                while (dst.hasRemaining()) {
                    if (target.read(dst, dst.position()) < 0) {
                        throw new AssertionError("sent file ends at " + dst.position() + " of " + length);
                    }
                }
                return true;
            } catch (InterruptedIOException | ClosedByInterruptException e) {
                if (!interrupted) {
                    throw e;
                }
                assertTrue(Thread.currentThread().isInterrupted(), "an interrupted send keeps the status: " + e);
                return false;
            }
        }

        private void check(final ByteBuffer range, final int position) {
            final int mismatch = Patterns.firstMismatch(range, SEED, position);
            if (mismatch >= 0) {
                throw new AssertionError(getName() + " read a wrong byte at " + (position + mismatch));
            }
            checked++;
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Properties against a model
    // ---------------------------------------------------------------------------------------------------------

    @Test
    void dataAlwaysEqualsAByteArrayModelOverRandomAppendTruncateTrimFlushAndReopen() {
        SegmentDataProperty.check(this::newPartitionForProperty);
    }

    @Test
    void indexRegionAlwaysEqualsAByteArrayModelOverRandomWritesTrimsAndReopens() {
        IndexRegionProperty.check(this::newPartitionForProperty);
    }

    /** A fresh store and partition per generated example; closed by the property itself. */
    private StoreAndPartition newPartitionForProperty() {
        try {
            final Path dir = Files.createTempDirectory(tempDir, "example");
            return new StoreAndPartition(backend(), dir);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Helpers
    // ---------------------------------------------------------------------------------------------------------

    /** Opens the store used by most tests, in {@code tempDir/store}. */
    protected final BackendStore openStore() {
        return track(backend().open(tempDir.resolve("store")));
    }

    /** Opens the same store again (after {@link #closeAll()}). */
    protected final BackendStore reopenStore() {
        return openStore();
    }

    /** A new partition {@code t-0} in a new store. */
    protected final PartitionStore newPartition() {
        return track(openStore().createPartition("t-0"));
    }

    /** A new segment 0 in a new partition. */
    protected final SegmentFiles newSegment(final SegmentSpec spec) {
        return track(newPartition().createSegment(0, spec));
    }

    /** Registers {@code resource} to be closed (in reverse order of registration) by {@link #closeAll()}. */
    protected final <T extends AutoCloseable> T track(final T resource) {
        open.push(resource);
        return resource;
    }

    /** Closes every tracked resource, newest first: segments before partitions before stores. */
    protected final void closeAll() throws Exception {
        Exception failure = null;
        while (!open.isEmpty()) {
            try {
                open.pop().close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Appends {@code length} pattern bytes (seed {@code seed}, positions from the current size) in chunks. */
    protected static void append(final SegmentData data, final long seed, final int length) {
        final SplittableRandom random = new SplittableRandom(seed);
        int done = 0;
        while (done < length) {
            final int chunk = Math.min(length - done, 1 + random.nextInt(8192));
            data.append(Patterns.fill(ByteBuffer.allocate(chunk), seed, data.size()));
            done += chunk;
        }
    }

    /** Asserts the data is exactly {@code size} pattern bytes. */
    protected static void assertContent(final SegmentData data, final long seed, final int size) {
        assertEquals(size, data.size());
        assertContent(data, 0, seed, size);
    }

    /** Asserts {@code [position, position + length)} holds pattern bytes. */
    protected static void assertContent(final SegmentData data, final int position, final long seed,
                                        final int length) {
        final ByteBuffer all = ByteBuffer.allocate(length);
        data.read(position, all);
        all.flip();
        final int mismatch = Patterns.firstMismatch(all, seed, position);
        assertEquals(-1, mismatch, () -> "first wrong byte at position " + (position + mismatch));
    }

    private static byte[] drain(final java.nio.channels.ReadableByteChannel source, final int length)
            throws IOException {
        final ByteBuffer all = ByteBuffer.allocate(length);
        while (all.hasRemaining()) {
            if (source.read(all) < 0) {
                break;
            }
        }
        return all.array();
    }

    private static void assertRefusedAfterClose(final Executable use) {
        final Throwable thrown = assertThrows(RuntimeException.class, use);
        assertTrue(thrown instanceof IllegalStateException || thrown instanceof StorageException,
                "expected IllegalStateException or StorageException, got " + thrown);
    }
}
