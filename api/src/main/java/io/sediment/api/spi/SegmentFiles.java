package io.sediment.api.spi;

/**
 * One segment as a backend stores it: its data bytes and its two index regions.
 *
 * <p>Threading: writes (append, truncate, trim, flush, index puts) by the partition's writer only — whichever
 * thread holds the log's writer lock, which may be the engine's background thread when it applies
 * {@code flush.ms}. Reads of ranges the engine has published may come from any thread, concurrently with writes
 * further on. {@link #close()} is called by the engine once no reader can
 * still touch the segment (it reference-counts readers), so a backend may free memory there.
 */
public interface SegmentFiles extends AutoCloseable {
    long id();

    SegmentData data();

    IndexRegion offsetIndex();

    IndexRegion timeIndex();

    /** Releases mappings and handles deterministically (never left to the GC). Idempotent. */
    @Override
    void close();
}
