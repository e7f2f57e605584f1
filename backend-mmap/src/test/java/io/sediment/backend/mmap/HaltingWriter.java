package io.sediment.backend.mmap;

import io.sediment.api.spi.BackendStore;
import io.sediment.api.spi.PartitionStore;
import io.sediment.api.spi.SegmentFiles;
import io.sediment.api.spi.SegmentSpec;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Child process of {@link MmapDroppedPagesSurviveHaltTest}: appends a pattern with a window of 0 (every whole page
 * dropped behind the writer), never flushes, prints how much of the file is still mapped resident, and halts.
 * Args: data directory, bytes.
 */
public final class HaltingWriter {
    private HaltingWriter() {
    }

    public static void main(final String[] args) throws Exception {
        final Path dir = Path.of(args[0]);
        final int bytes = Integer.parseInt(args[1]);
        if (!PageDropper.awaitAvailable(60, TimeUnit.SECONDS)) {
            System.out.println("no-madvise");
            System.out.flush();
            Runtime.getRuntime().halt(3);
        }
        final BackendStore store = new MmapStorageBackend(0, MmapStorageBackend.NEVER_WRITE).open(dir);
        final PartitionStore partition = store.createPartition("halt-0");
        final SegmentFiles segment = partition.createSegment(0, new SegmentSpec(bytes, 4096, 4096));
        MmapResidentPagesTest.appendPattern(segment.data(), bytes, 5);
        final long resident = ResidentSet.ofFile(dir.resolve("halt-0").resolve(SegmentFileNames.stem(0) + ".log"));
        System.out.println("resident " + resident + " sweeps "
                + ((MappedSegmentData) segment.data()).residentPages().sweeps());
        System.out.flush();
        Runtime.getRuntime().halt(0); // no flush, no trim, no close, no shutdown hooks
    }
}
