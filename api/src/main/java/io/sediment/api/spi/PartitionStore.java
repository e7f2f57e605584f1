package io.sediment.api.spi;

/**
 * The segments of one partition, each identified by a {@code long} id the engine chooses (the engine uses the
 * segment's base offset; to the backend it is just a key that orders segments).
 *
 * <p>Threading: called by the partition's single writer only, except {@link SegmentFiles} reads (see there).
 * Calls complete on an interrupted thread and keep its interrupt status (see {@link SegmentData}).
 */
public interface PartitionStore extends AutoCloseable {
    String name();

    /** Ids of the live segments (not retired), ascending. */
    long[] segmentIds();

    /** Creates an empty segment; index regions are preallocated to the spec's capacities. */
    SegmentFiles createSegment(long id, SegmentSpec spec);

    /** Opens an existing segment; index regions get at least the spec's capacities for further entries. */
    SegmentFiles openSegment(long id, SegmentSpec spec);

    /**
     * Takes a segment out of {@link #segmentIds()} for good, atomically, while its {@link SegmentFiles} may still
     * be open and read (the mmap backend renames its files to {@code *.deleted}). Its bytes stay readable through
     * open handles until {@link #destroyRetiredSegment}.
     */
    void retireSegment(long id);

    /** Frees a retired segment's storage; its {@link SegmentFiles} must have been closed. */
    void destroyRetiredSegment(long id);

    /** Frees every retired segment left over from an earlier run (called at open, before any segment is opened). */
    void purgeRetiredSegments();

    /** Closes the store; segments must have been closed first. */
    @Override
    void close();
}
