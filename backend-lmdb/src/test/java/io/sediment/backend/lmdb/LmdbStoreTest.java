package io.sediment.backend.lmdb;

import io.sediment.api.StorageException;
import io.sediment.api.spi.BackendStore;
import io.sediment.api.spi.PartitionStore;
import io.sediment.api.spi.SegmentData;
import io.sediment.api.spi.SegmentFiles;
import io.sediment.api.spi.SegmentSpec;
import io.sediment.api.spi.StorageBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** LMDB-specific behaviour the conformance kit does not cover: map growth, damaged files, layout, flags. */
class LmdbStoreTest {
    private static final SegmentSpec SPEC = new SegmentSpec(1 << 20, 4096, 4096);
    private static final long ONE_MIB = 1024 * 1024;

    @TempDir
    Path dir;

    @Test
    void isFoundByItsNameThroughTheServiceLoader() {
        assertTrue(StorageBackend.named("lmdb") instanceof LmdbStorageBackend);
    }

    @Test
    void mapGrowsWhenFullAndEveryByteReadsBack() {
        try (BackendStore store = new LmdbStorageBackend(ONE_MIB).open(dir)) {
            final LmdbPartitionStore partition = (LmdbPartitionStore) store.createPartition("t-0");
            final long before = partition.mapSize();
            try (SegmentFiles segment = partition.createSegment(0, SPEC)) {
                append(segment.data(), 1, 8 * (int) ONE_MIB);
                segment.data().flush();
                assertTrue(partition.mapSize() >= 8 * ONE_MIB, "map grew from " + before + " to "
                        + partition.mapSize());
                assertPattern(segment.data(), 1, 0, 8 * (int) ONE_MIB);
            }
            partition.close();
        }
        try (BackendStore store = new LmdbStorageBackend(ONE_MIB).open(dir);
             PartitionStore partition = store.openPartition("t-0");
             SegmentFiles segment = partition.openSegment(0, SPEC)) {
            assertEquals(8 * (int) ONE_MIB, segment.data().size());
            assertPattern(segment.data(), 1, 0, 8 * (int) ONE_MIB);
        }
    }

    @Test
    void truncatedDataFileIsRefusedAtOpenNamingTheFile() throws IOException {
        final Path dataFile = partitionWithData(3 * (int) ONE_MIB);
        try (RandomAccessFile f = new RandomAccessFile(dataFile.toFile(), "rw")) {
            f.setLength(f.length() / 2);
        }
        assertOpenFailsNaming(dataFile, "truncated");
    }

    @Test
    void dataFileCutInsideItsMetaPagesIsRefusedAtOpen() throws IOException {
        final Path dataFile = partitionWithData(100_000);
        try (RandomAccessFile f = new RandomAccessFile(dataFile.toFile(), "rw")) {
            f.setLength(100);
        }
        assertOpenFailsNaming(dataFile, "not an LMDB data file");
    }

    @Test
    void emptyDataFileIsRefusedRatherThanStartedOver() throws IOException {
        final Path dataFile = partitionWithData(100_000);
        try (RandomAccessFile f = new RandomAccessFile(dataFile.toFile(), "rw")) {
            f.setLength(0);
        }
        assertOpenFailsNaming(dataFile, "empty");
    }

    @Test
    void overwrittenHeaderIsRefusedAtOpenNamingTheFile() throws IOException {
        final Path dataFile = partitionWithData(100_000);
        try (RandomAccessFile f = new RandomAccessFile(dataFile.toFile(), "rw")) {
            f.write("this is not an LMDB meta page, it is garbage!!!!".getBytes(StandardCharsets.US_ASCII));
        }
        assertOpenFailsNaming(dataFile, "not an LMDB data file");
    }

    @Test
    void aLeafNodeMarkedAsDuplicateDataIsRefusedAtOpenInsteadOfCrashingLmdb() throws IOException {
        // F_DUPDATA on a node makes LMDB follow the value as a sub-database pointer: a SIGSEGV in C if it got there.
        final Path dataFile = partitionWithData(300_000);
        final int marked = editLeafNodes(dataFile, (p, node) -> {
            p.putShort(node + 4, (short) (p.getShort(node + 4) | 0x04));
            return true;
        });
        assertTrue(marked > 0);
        assertOpenFailsNaming(dataFile, "corrupt LMDB page");
    }

    @Test
    void aDataKeyShortenedByDamageIsAStorageErrorNamingTheFileNotAnIndexOutOfBounds() throws IOException {
        // The corruption fuzz's L1: a zeroed range left a "data" key shorter than its 12 bytes. The structure check
        // only sees that the node fits its page; reading the generation out of it threw IndexOutOfBoundsException.
        final Path dataFile = dir.resolve("lmdb").resolve("t-0").resolve("data.mdb");
        try (BackendStore store = new LmdbStorageBackend(ONE_MIB).open(dir);
             PartitionStore partition = store.createPartition("t-0");
             SegmentFiles segment = partition.createSegment(0, SPEC)) {
            append(segment.data(), 9, 500); // one small chunk, stored inline in its leaf node
            segment.data().flush();
        }
        final int shortened = editLeafNodes(dataFile, (p, node) -> {
            if (p.getShort(node + 6) != LmdbLayout.DATA_KEY_BYTES) {
                return false;
            }
            p.putShort(node + 6, (short) 4); // mn_ksize
            return true;
        });
        assertTrue(shortened > 0, "found the data key's node");
        try (BackendStore store = new LmdbStorageBackend().open(dir);
             PartitionStore partition = store.openPartition("t-0")) {
            final StorageException e = assertThrows(StorageException.class, () -> partition.openSegment(0, SPEC));
            assertEquals(dataFile.toString(), e.file());
            assertTrue(e.getMessage().contains("corrupt data key: 4 bytes"), e.getMessage());
        }
    }

    @Test
    void aFreeListKeyThatIsNoTransactionIdIsRefusedBeforeLmdbCanAbortTheJvm() throws IOException {
        // The corruption fuzz zeroed one byte of a free-list key (the id of the transaction that freed the pages):
        // the partition opened and read fine, and the next commit died in LMDB's assertion in mdb_page_dirty.
        final Path dataFile = partitionWithData(300_000);
        final ByteBuffer meta = ByteBuffer.allocate(2 * 4096).order(ByteOrder.nativeOrder());
        try (FileChannel ch = FileChannel.open(dataFile, StandardOpenOption.READ)) {
            ch.read(meta, 0);
        }
        // the meta page LMDB picks holds the greater transaction id (offset 144); the free list's root is at 80
        final int picked = meta.getLong(144) >= meta.getLong(4096 + 144) ? 0 : 4096;
        final long freeRoot = meta.getLong(picked + 80);
        assertTrue(freeRoot > 1, "several commits leave a free list");
        final int[] zeroed = new int[1];
        editPages(dataFile, (pg, p) -> {
            if (pg == freeRoot) {
                p.putLong((p.getShort(16) & 0xFFFF) + 8, 0L); // first node's key
                zeroed[0]++;
            }
        });
        assertEquals(1, zeroed[0]);
        assertOpenFailsNaming(dataFile, "is not a transaction id");
    }

    @Test
    void bytesFlippedInBranchAndLeafPagesGiveAStorageErrorOrStoredBytesNeverACrash() throws IOException {
        int refused = 0;
        for (int round = 0; round < 25; round++) {
            final Path roundDir = dir.resolve("round-" + round);
            final Path dataFile;
            try (BackendStore store = new LmdbStorageBackend(ONE_MIB).open(roundDir);
                 PartitionStore partition = store.createPartition("t-0")) {
                for (int s = 0; s < 3; s++) {
                    try (SegmentFiles segment = partition.createSegment(s * 100L, SPEC)) {
                        append(segment.data(), s, 200_000 + round * 1000);
                        segment.offsetIndex().buffer().putLong(0, 42);
                        segment.offsetIndex().trimTo(8);
                    }
                }
                dataFile = roundDir.resolve("lmdb").resolve("t-0").resolve("data.mdb");
            }
            final SplittableRandom random = new SplittableRandom(round);
            editPages(dataFile, (pg, p) -> {
                final int flags = p.getShort(10);
                if (p.getLong(0) == pg && (flags == 1 || flags == 2) && random.nextInt(2) == 0) {
                    for (int k = 0; k < 1 + random.nextInt(3); k++) {
                        p.put(random.nextInt(p.capacity()), (byte) random.nextInt(256));
                    }
                }
            });
            try (BackendStore store = new LmdbStorageBackend(ONE_MIB).open(roundDir);
                 PartitionStore partition = store.openPartition("t-0")) {
                for (long id : partition.segmentIds()) {
                    try (SegmentFiles segment = partition.openSegment(id, SPEC)) {
                        segment.data().read(0, ByteBuffer.allocate(segment.data().size()));
                    }
                }
            } catch (final StorageException e) {
                assertTrue(e.file().endsWith("data.mdb"), e.file());
                refused++;
            }
        }
        assertTrue(refused > 0, "some damage was refused");
    }

    @Test
    void anLmdbFileThatIsNotASedimentStoreIsRefused() throws IOException {
        final Path partitionDir = dir.resolve("lmdb").resolve("t-0");
        Files.createDirectories(partitionDir);
        try (org.lmdbjava.Env<ByteBuffer> env = org.lmdbjava.Env.create().setMapSize(ONE_MIB).setMaxDbs(2)
                .open(partitionDir.toFile())) {
            env.openDbi("other", org.lmdbjava.DbiFlags.MDB_CREATE);
        }
        assertOpenFailsNaming(partitionDir.resolve("data.mdb"), "not a Sediment store");
    }

    @Test
    void anMmapLayoutInTheSameDirectoryIsNotMistakenForPartitions() throws IOException {
        final Path mmapPartition = dir.resolve("orders-0");
        Files.createDirectories(mmapPartition);
        Files.write(mmapPartition.resolve("00000000000000000000.log"), new byte[100]);
        Files.write(mmapPartition.resolve("00000000000000000000.index"), new byte[80]);
        try (BackendStore store = new LmdbStorageBackend().open(dir)) {
            assertTrue(store.partitions().isEmpty(), "found " + store.partitions());
            assertThrows(StorageException.class, () -> store.openPartition("orders-0"));
        }
        assertTrue(Files.exists(mmapPartition.resolve("00000000000000000000.log")), "left untouched");
    }

    @Test
    void aSecondStoreOnTheSameDirectoryIsRefusedWhileTheFirstIsOpen() {
        final LmdbStorageBackend backend = new LmdbStorageBackend();
        try (BackendStore first = backend.open(dir)) {
            final StorageException e = assertThrows(StorageException.class, () -> backend.open(dir));
            assertTrue(e.file().endsWith("@store.lock"), e.file());
        }
        backend.open(dir).close();
    }

    @Test
    void aPartitionCannotBeOpenedTwice() {
        try (BackendStore store = new LmdbStorageBackend().open(dir);
             PartitionStore partition = store.createPartition("t-0")) {
            assertTrue(partition.segmentIds().length == 0);
            assertThrows(StorageException.class, () -> store.openPartition("t-0"));
        }
    }

    @Test
    void dotNamesAreRefusedButDotsInsideANameAreFine() {
        try (BackendStore store = new LmdbStorageBackend().open(dir)) {
            for (String bad : new String[] {".", "..", "a/b", "../x", "", "a b", "t\u00e9-0"}) {
                assertThrows(StorageException.class, () -> store.createPartition(bad), bad);
            }
            store.createPartition("my.topic_v2-0").close();
            assertEquals(java.util.Set.of("my.topic_v2-0"), store.partitions());
        }
    }

    @Test
    void aRetiredIdCanBeCreatedAgainWhileTheRetiredSegmentIsStillReadable() {
        try (BackendStore store = new LmdbStorageBackend().open(dir);
             PartitionStore partition = store.createPartition("t-0")) {
            final SegmentFiles old = partition.createSegment(7, SPEC);
            append(old.data(), 1, 200_000);
            old.data().trim();
            partition.retireSegment(7);
            final SegmentFiles fresh = partition.createSegment(7, SPEC);
            append(fresh.data(), 2, 50_000);
            assertPattern(old.data(), 1, 0, 200_000);
            assertPattern(fresh.data(), 2, 0, 50_000);
            old.close();
            partition.destroyRetiredSegment(7);
            assertPattern(fresh.data(), 2, 0, 50_000);
            assertArrayEquals(new long[] {7}, partition.segmentIds());
            fresh.close();
            try (SegmentFiles reopened = partition.openSegment(7, SPEC)) {
                assertEquals(50_000, reopened.data().size());
                assertPattern(reopened.data(), 2, 0, 50_000);
            }
        }
    }

    @Test
    void appendsToAnOlderSegmentWhileANewerOneExistsAreKept() {
        try (BackendStore store = new LmdbStorageBackend().open(dir);
             PartitionStore partition = store.createPartition("t-0")) {
            final SegmentFiles older = partition.createSegment(0, SPEC);
            final SegmentFiles newer = partition.createSegment(100, SPEC);
            append(newer.data(), 3, 300_000);
            newer.data().flush();
            append(older.data(), 4, 2_500_000); // commits chunks below the greatest key: no MDB_APPEND
            older.data().flush();
            older.close();
            newer.close();
            try (SegmentFiles a = partition.openSegment(0, SPEC); SegmentFiles b = partition.openSegment(100, SPEC)) {
                assertPattern(a.data(), 4, 0, 2_500_000);
                assertPattern(b.data(), 3, 0, 300_000);
            }
        }
    }

    @Test
    void withoutTheJvmFlagsOpenFailsWithAMessageNamingThem() throws Exception {
        final Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        final Process child = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                MissingFlagsMain.class.getName(), dir.toString()).redirectErrorStream(true).start();
        final String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(child.waitFor(60, TimeUnit.SECONDS));
        assertTrue(out.startsWith("STORAGE_EXCEPTION"), out);
        assertTrue(out.contains(LmdbStorageBackend.REQUIRED_FLAGS), out);
    }

    // ------------------------------------------------------------------------------------------------ helpers

    /** Changes a node of an LMDB leaf page in place (node = its offset in the page); true if it changed it. */
    @FunctionalInterface
    private interface NodeEdit {
        boolean apply(ByteBuffer page, int node);
    }

    /** Applies {@code edit} to every node of every leaf page of {@code dataFile}; returns how many it changed. */
    private static int editLeafNodes(final Path dataFile, final NodeEdit edit) throws IOException {
        final int[] changed = new int[1];
        editPages(dataFile, (pg, p) -> {
            if (p.getLong(0) != pg || p.getShort(10) != 2) {
                return; // not a leaf page
            }
            final int keys = ((p.getShort(12) & 0xFFFF) - 16) / 2;
            for (int i = 0; i < keys; i++) {
                if (edit.apply(p, p.getShort(16 + 2 * i) & 0xFFFF)) {
                    changed[0]++;
                }
            }
        });
        return changed[0];
    }

    /** Changes an LMDB page in place (in LMDB's native byte order); pg is its page number. */
    @FunctionalInterface
    private interface PageEdit {
        void apply(long pg, ByteBuffer page);
    }

    /** Reads every page of {@code dataFile} after the two meta pages, applies {@code edit}, writes it back. */
    private static void editPages(final Path dataFile, final PageEdit edit) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(dataFile.toFile(), "rw")) {
            final byte[] page = new byte[4096];
            for (long pg = 2; pg < f.length() / page.length; pg++) {
                f.seek(pg * page.length);
                f.readFully(page);
                edit.apply(pg, ByteBuffer.wrap(page).order(ByteOrder.nativeOrder()));
                f.seek(pg * page.length);
                f.write(page);
            }
        }
    }

    private Path partitionWithData(final int bytes) {
        try (BackendStore store = new LmdbStorageBackend(ONE_MIB).open(dir);
             PartitionStore partition = store.createPartition("t-0");
             SegmentFiles segment = partition.createSegment(0, SPEC)) {
            append(segment.data(), 9, bytes);
            segment.data().flush();
        }
        return dir.resolve("lmdb").resolve("t-0").resolve("data.mdb");
    }

    private void assertOpenFailsNaming(final Path dataFile, final String reason) {
        try (BackendStore store = new LmdbStorageBackend().open(dir)) {
            final StorageException e = assertThrows(StorageException.class, () -> store.openPartition("t-0"));
            assertEquals(dataFile.toString(), e.file());
            assertTrue(e.getMessage().contains(reason), e.getMessage());
        }
    }

    static byte patternByte(final long seed, final long position) {
        long x = (position + 1) * 0x9E3779B97F4A7C15L ^ seed * 0xC2B2AE3D27D4EB4FL;
        x ^= x >>> 29;
        return (byte) x;
    }

    static void append(final SegmentData data, final long seed, final int bytes) {
        final ByteBuffer buf = ByteBuffer.allocate(70_000);
        int done = 0;
        final int start = data.size();
        while (done < bytes) {
            buf.clear();
            final int n = Math.min(buf.capacity(), bytes - done);
            for (int i = 0; i < n; i++) {
                buf.put(patternByte(seed, start + done + i));
            }
            data.append(buf.flip());
            done += n;
        }
    }

    static void assertPattern(final SegmentData data, final long seed, final int from, final int bytes) {
        final ByteBuffer buf = ByteBuffer.allocate(bytes);
        data.read(from, buf);
        for (int i = 0; i < bytes; i++) {
            if (buf.get(i) != patternByte(seed, from + i)) {
                throw new AssertionError("byte " + (from + i) + " differs");
            }
        }
    }
}
