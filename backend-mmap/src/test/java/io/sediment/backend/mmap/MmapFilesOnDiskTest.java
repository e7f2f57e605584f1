package io.sediment.backend.mmap;

import io.sediment.api.spi.BackendStore;
import io.sediment.api.spi.PartitionStore;
import io.sediment.api.spi.SegmentFiles;
import io.sediment.api.spi.SegmentSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The files the backend leaves on disk: Kafka's names, preallocated lengths, trimmed lengths, exact bytes. */
class MmapFilesOnDiskTest {
    private static final SegmentSpec SPEC = new SegmentSpec(1 << 20, 10 * 1024, 15 * 1024);

    @TempDir
    Path dir;

    @Test
    void newSegmentFilesHaveKafkasNamesAndArePreallocatedToTheSpec() throws IOException {
        try (BackendStore store = new MmapStorageBackend().open(dir);
             PartitionStore partition = store.createPartition("orders-3");
             SegmentFiles ignored = partition.createSegment(1234, SPEC)) {
            final Path partitionDir = dir.resolve("orders-3");
            assertEquals(List.of("00000000000000001234.index", "00000000000000001234.log",
                    "00000000000000001234.timeindex"), names(partitionDir));
            assertEquals(1 << 20, Files.size(partitionDir.resolve("00000000000000001234.log")));
            assertEquals(10 * 1024, Files.size(partitionDir.resolve("00000000000000001234.index")));
            assertEquals(15 * 1024, Files.size(partitionDir.resolve("00000000000000001234.timeindex")));
        }
    }

    @Test
    void trimmedFilesHoldExactlyTheAppendedBytesAndTheValidEntries() throws IOException {
        final byte[] appended = new byte[300_000];
        new Random(1).nextBytes(appended);
        final Path partitionDir = dir.resolve("t-0");
        try (BackendStore store = new MmapStorageBackend().open(dir);
             PartitionStore partition = store.createPartition("t-0")) {
            final SegmentFiles segment = partition.createSegment(0, new SegmentSpec(64 * 1024, 4096, 6144));
            for (int at = 0; at < appended.length; at += 7001) {
                segment.data().append(ByteBuffer.wrap(appended, at, Math.min(7001, appended.length - at)));
            }
            segment.offsetIndex().buffer().putInt(0, 0).putInt(4, 0).putInt(8, 40).putInt(12, 70_010);
            segment.timeIndex().buffer().putLong(0, 1_700_000_000_000L).putInt(8, 40);
            assertTrue(Files.size(partitionDir.resolve("00000000000000000000.log")) >= appended.length,
                    "file lengthened past the hint");
            segment.data().trim();
            segment.offsetIndex().trimTo(16);
            segment.timeIndex().trimTo(12);
            segment.close();
        }
        assertArrayEquals(appended, Files.readAllBytes(partitionDir.resolve("00000000000000000000.log")));
        final ByteBuffer index = ByteBuffer.wrap(Files.readAllBytes(partitionDir.resolve("00000000000000000000.index")));
        assertEquals(16, index.capacity());
        assertEquals(40, index.getInt(8));
        assertEquals(70_010, index.getInt(12));
        final ByteBuffer timeIndex =
                ByteBuffer.wrap(Files.readAllBytes(partitionDir.resolve("00000000000000000000.timeindex")));
        assertEquals(12, timeIndex.capacity());
        assertEquals(1_700_000_000_000L, timeIndex.getLong(0));
    }

    @Test
    void openingASealedSegmentLeavesItsFilesAsTheyAreUntilTheNextAppend() throws IOException {
        final Path log = dir.resolve("t-0").resolve("00000000000000000000.log");
        try (BackendStore store = new MmapStorageBackend().open(dir);
             PartitionStore partition = store.createPartition("t-0")) {
            try (SegmentFiles segment = partition.createSegment(0, SPEC)) {
                segment.data().append(ByteBuffer.wrap(new byte[5000]));
                segment.data().trim();
            }
            try (SegmentFiles segment = partition.openSegment(0, SPEC)) {
                assertEquals(5000, segment.data().size());
                assertEquals(5000, Files.size(log), "opening for reads does not lengthen a sealed .log");
                segment.data().append(ByteBuffer.wrap(new byte[10]));
                assertEquals(1 << 20, Files.size(log), "the first append reserves up to the capacity hint again");
                segment.data().trim();
                assertEquals(5010, Files.size(log));
            }
        }
    }

    @Test
    void retiringRenamesAllThreeFilesToDeletedAndPurgeRemovesThemWithStrayIndexes() throws IOException {
        final Path partitionDir = dir.resolve("t-0");
        try (BackendStore store = new MmapStorageBackend().open(dir);
             PartitionStore partition = store.createPartition("t-0")) {
            partition.createSegment(0, SPEC).close();
            partition.createSegment(50, SPEC).close();
            partition.retireSegment(0);
            assertEquals(List.of("00000000000000000000.index.deleted", "00000000000000000000.log.deleted",
                    "00000000000000000000.timeindex.deleted", "00000000000000000050.index",
                    "00000000000000000050.log", "00000000000000000050.timeindex"), names(partitionDir));

            // a retirement interrupted after renaming the .log leaves index files without a .log
            Files.createFile(partitionDir.resolve("00000000000000000070.index"));
            Files.createFile(partitionDir.resolve("00000000000000000070.timeindex"));
            Files.createFile(partitionDir.resolve("00000000000000000070.log.deleted"));
            partition.purgeRetiredSegments();
            assertEquals(List.of("00000000000000000050.index", "00000000000000000050.log",
                    "00000000000000000050.timeindex"), names(partitionDir));
        }
    }

    @Test
    void destroyRemovesOnlyThatSegmentsDeletedFiles() throws IOException {
        final Path partitionDir = dir.resolve("t-0");
        try (BackendStore store = new MmapStorageBackend().open(dir);
             PartitionStore partition = store.createPartition("t-0")) {
            partition.createSegment(0, SPEC).close();
            partition.createSegment(1, SPEC).close();
            partition.retireSegment(0);
            partition.retireSegment(1);
            partition.destroyRetiredSegment(0);
            assertEquals(List.of("00000000000000000001.index.deleted", "00000000000000000001.log.deleted",
                    "00000000000000000001.timeindex.deleted"), names(partitionDir));
        }
    }

    @Test
    void segmentListingIgnoresFilesThatAreNotLiveSegments() throws IOException {
        try (BackendStore store = new MmapStorageBackend().open(dir);
             PartitionStore partition = store.createPartition("t-0")) {
            partition.createSegment(42, SPEC).close();
            final Path partitionDir = dir.resolve("t-0");
            for (String name : List.of("leader-epoch-checkpoint", "partition.metadata", "00000000000000000000.snapshot",
                    "1.log", "abc.log", "0000000000000000000x.log", "000000000000000000042.log",
                    "00000000000000000007.log.deleted", "00000000000000000008.log.swap",
                    "99999999999999999999.log")) {
                Files.createFile(partitionDir.resolve(name));
            }
            Files.createDirectory(partitionDir.resolve("00000000000000000009.log"));
            assertArrayEquals(new long[] {9, 42}, partition.segmentIds(),
                    "only <20 digits>.log names within a long count (a directory so named is the user's problem)");
        }
    }

    @Test
    void dataDirectoryListsOnlyDirectoriesAsPartitionsAndFinishesInterruptedDeletions() throws IOException {
        Files.createDirectories(dir);
        Files.createFile(dir.resolve("recovery-point-offset-checkpoint"));
        Files.createFile(dir.resolve(".lock"));
        Files.createDirectories(dir.resolve("t-1.123456-delete"));
        Files.createFile(dir.resolve("t-1.123456-delete").resolve("00000000000000000000.log"));
        Files.createDirectories(dir.resolve("t-2"));
        try (BackendStore store = new MmapStorageBackend().open(dir)) {
            assertEquals(List.of("t-2"), List.copyOf(store.partitions()));
            assertFalse(Files.exists(dir.resolve("t-1.123456-delete")), "a deletion cut short by a crash is finished");
            store.deletePartition("t-2");
            assertEquals(List.of(".lock", "recovery-point-offset-checkpoint"), names(dir));
        }
    }

    private static List<String> names(final Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(file -> file.getFileName().toString()).sorted().toList();
        }
    }
}
