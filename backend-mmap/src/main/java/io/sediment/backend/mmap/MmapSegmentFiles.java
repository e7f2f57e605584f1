package io.sediment.backend.mmap;

import io.sediment.api.spi.IndexRegion;
import io.sediment.api.spi.SegmentData;
import io.sediment.api.spi.SegmentFiles;
import io.sediment.api.spi.SegmentSpec;

import java.nio.file.Path;

/**
 * One segment's three files, {@code <id>.log}, {@code <id>.index} and {@code <id>.timeindex} (see
 * {@link SegmentFileNames}), each open and mapped for as long as this object is.
 *
 * <p>Threading: as {@link SegmentFiles}: the partition's writer writes and closes; readers of published ranges
 * read from any thread until {@link #close()}, which the engine calls once none can.
 */
final class MmapSegmentFiles implements SegmentFiles {
    private final long id;
    private final MappedSegmentData data;
    private final MappedIndexRegion offsetIndex;
    private final MappedIndexRegion timeIndex;

    private MmapSegmentFiles(final long id, final MappedSegmentData data, final MappedIndexRegion offsetIndex,
                             final MappedIndexRegion timeIndex) {
        this.id = id;
        this.data = data;
        this.offsetIndex = offsetIndex;
        this.timeIndex = timeIndex;
    }

    /** Creates the segment's files; the {@code .log} must not exist, stray index files are emptied. */
    static MmapSegmentFiles create(final Path dir, final long id, final SegmentSpec spec,
                                   final ResidentBudget residency, final long writeThreshold) {
        final MappedSegmentData data = MappedSegmentData.create(SegmentFileNames.file(dir, id, SegmentFileNames.LOG),
                spec.dataCapacity(), residency, writeThreshold);
        return withIndexes(dir, id, spec, data, true);
    }

    /** Opens an existing segment; missing index files are created empty. */
    static MmapSegmentFiles open(final Path dir, final long id, final SegmentSpec spec,
                                 final ResidentBudget residency, final long writeThreshold) {
        final MappedSegmentData data = MappedSegmentData.open(SegmentFileNames.file(dir, id, SegmentFileNames.LOG),
                spec.dataCapacity(), residency, writeThreshold);
        return withIndexes(dir, id, spec, data, false);
    }

    private static MmapSegmentFiles withIndexes(final Path dir, final long id, final SegmentSpec spec,
                                                final MappedSegmentData data, final boolean fresh) {
        MappedIndexRegion offsetIndex = null;
        try {
            offsetIndex = MappedIndexRegion.open(SegmentFileNames.file(dir, id, SegmentFileNames.INDEX),
                    spec.offsetIndexCapacity(), fresh);
            final MappedIndexRegion timeIndex = MappedIndexRegion.open(
                    SegmentFileNames.file(dir, id, SegmentFileNames.TIME_INDEX), spec.timeIndexCapacity(), fresh);
            return new MmapSegmentFiles(id, data, offsetIndex, timeIndex);
        } catch (RuntimeException e) {
            if (offsetIndex != null) {
                offsetIndex.close();
            }
            data.close();
            throw e;
        }
    }

    @Override
    public long id() {
        return id;
    }

    @Override
    public SegmentData data() {
        return data;
    }

    @Override
    public IndexRegion offsetIndex() {
        return offsetIndex;
    }

    @Override
    public IndexRegion timeIndex() {
        return timeIndex;
    }

    @Override
    public void close() {
        RuntimeException failure = null;
        for (Runnable closer : new Runnable[] {data::close, offsetIndex::close, timeIndex::close}) {
            try {
                closer.run();
            } catch (RuntimeException e) {
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

    @Override
    public String toString() {
        return "segment " + SegmentFileNames.stem(id) + " " + data;
    }
}
