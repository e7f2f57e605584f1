package io.sediment.backend.lmdb;

import io.sediment.api.spi.IndexRegion;
import io.sediment.api.spi.SegmentData;
import io.sediment.api.spi.SegmentFiles;

/**
 * One open segment: its data and two index regions, all stored under the segment's generation (see
 * {@link LmdbLayout}).
 *
 * <p>Threading: as {@link SegmentFiles}; {@link #close()} commits what is still buffered (data tail, index
 * regions), releases the memory, and may run on any thread once the engine knows no reader is left.
 */
final class LmdbSegmentFiles implements SegmentFiles {
    private final LmdbPartitionStore store;
    private final long id;
    private final long generation;
    private final LmdbSegmentData data;
    private final LmdbIndexRegion offsetIndex;
    private final LmdbIndexRegion timeIndex;
    private boolean closed;

    LmdbSegmentFiles(final LmdbPartitionStore store, final long id, final long generation, final int storedSize,
                     final LmdbIndexRegion offsetIndex, final LmdbIndexRegion timeIndex) {
        this.store = store;
        this.id = id;
        this.generation = generation;
        this.data = new LmdbSegmentData(store, generation, storedSize);
        this.offsetIndex = offsetIndex;
        this.timeIndex = timeIndex;
    }

    @Override
    public long id() {
        return id;
    }

    long generation() {
        return generation;
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
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            data.close();
        } finally {
            try {
                offsetIndex.close();
            } finally {
                try {
                    timeIndex.close();
                } finally {
                    store.unregister(this);
                }
            }
        }
    }
}
