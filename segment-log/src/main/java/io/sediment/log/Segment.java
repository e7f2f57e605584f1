package io.sediment.log;

import io.sediment.api.spi.PartitionStore;
import io.sediment.api.spi.SegmentData;
import io.sediment.api.spi.SegmentFiles;
import io.sediment.api.spi.SegmentName;
import io.sediment.index.OffsetIndex;
import io.sediment.index.TimeIndex;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One segment of a log: the batches with offsets {@code [baseOffset, nextOffset)}, their bytes in
 * {@link SegmentData}, and the sparse offset and time indexes over them.
 *
 * <p>Publication: the writer stores bytes and index entries first, then advances {@link #size} and
 * {@link #nextOffset} (release stores); a reader reads those once (volatile reads) and touches nothing beyond, so
 * it never sees a partial batch.
 *
 * <p>Lifetime: a reference count starts at 1, held by the log. Readers {@link #retain()} before touching the
 * files and {@link #release()} after; the log drops its own reference when the segment is deleted (after
 * {@code file.delete.delay.ms}) or the log closes. The files are closed (unmapped) only when the count reaches 0, so
 * a reader never touches freed memory. Once 0, the count never rises again: {@link #retain()} fails and the
 * reader retries on the log's newer segment list, which no longer holds this segment.
 */
final class Segment {
    // Release stores publish as a volatile write does for readers that read the field (acquire), without the
    // full fence after each write; an append publishes four of these (profile in the README).
    private static final VarHandle SIZE;
    private static final VarHandle NEXT_OFFSET;
    private static final VarHandle MAX_TIMESTAMP;
    private static final VarHandle OFFSET_OF_MAX_TIMESTAMP;

    static {
        try {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            SIZE = lookup.findVarHandle(Segment.class, "size", int.class);
            NEXT_OFFSET = lookup.findVarHandle(Segment.class, "nextOffset", long.class);
            MAX_TIMESTAMP = lookup.findVarHandle(Segment.class, "maxTimestamp", long.class);
            OFFSET_OF_MAX_TIMESTAMP = lookup.findVarHandle(Segment.class, "offsetOfMaxTimestamp", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final long baseOffset;
    /** Names the segment's data in errors: the backend's partition name and Kafka's file name. */
    final String dataFile;
    final SegmentFiles files;
    final SegmentData data;
    final OffsetIndex offsetIndex;
    final TimeIndex timeIndex;
    /** Bytes readers may read: whole batches only. */
    volatile int size;
    /** The offset after the last published batch. */
    volatile long nextOffset;
    /** Largest batch maxTimestamp in the segment, -1 when none; published with {@link #size}. */
    volatile long maxTimestamp = -1L;
    /** Last offset of the first batch that holds {@link #maxTimestamp} (Kafka's shallow offset of max timestamp). */
    volatile long offsetOfMaxTimestamp = -1L;

    // Writer-only state.
    int bytesSinceLastIndexEntry;
    /** Kafka's rolling-based timestamp: the first batch's max timestamp, else when the segment was created. */
    long rollingBasedTimestamp;
    boolean hasRollingTimestampFromData;

    private final AtomicInteger refs = new AtomicInteger(1);
    private volatile Runnable onFullyReleased;

    Segment(final long baseOffset, final String dataFile, final SegmentFiles files, final OffsetIndex offsetIndex,
            final TimeIndex timeIndex, final long createdAtMs) {
        this.baseOffset = baseOffset;
        this.dataFile = dataFile;
        this.files = files;
        this.data = files.data();
        this.offsetIndex = offsetIndex;
        this.timeIndex = timeIndex;
        this.nextOffset = baseOffset;
        this.rollingBasedTimestamp = createdAtMs;
    }

    /** A segment over files the store just opened or created, its files named as Kafka names them. */
    static Segment over(final PartitionStore store, final long baseOffset, final SegmentFiles files,
                        final long createdAtMs) {
        final String stem = store.name() + "/" + SegmentName.of(baseOffset);
        return new Segment(baseOffset, stem + ".log", files,
                OffsetIndex.open(files.offsetIndex(), baseOffset, stem + ".index"),
                TimeIndex.open(files.timeIndex(), baseOffset, stem + ".timeindex"), createdAtMs);
    }

    /** Pins the segment for a reader; false if it is already fully released (retry with a fresh segment list). */
    boolean retain() {
        for (;;) {
            final int r = refs.get();
            if (r == 0) {
                return false;
            }
            if (refs.compareAndSet(r, r + 1)) {
                return true;
            }
        }
    }

    /** Drops one reference; the last one closes the files and runs the log's hook (which schedules destruction). */
    void release() {
        final int r = refs.decrementAndGet();
        if (r == 0) {
            files.close();
            final Runnable hook = onFullyReleased;
            if (hook != null) {
                hook.run();
            }
        } else if (r < 0) {
            throw new IllegalStateException("segment " + baseOffset + " released more often than retained");
        }
    }

    /** What to do once the last reference is gone (set before the log drops its own reference). */
    void onFullyReleased(final Runnable hook) {
        this.onFullyReleased = hook;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** Called by the writer after a batch's bytes and index entries are in place. */
    void publish(final int newSize, final long newNextOffset, final long batchMaxTimestamp, final long batchLastOffset) {
        if (batchMaxTimestamp > maxTimestamp) {
            OFFSET_OF_MAX_TIMESTAMP.setRelease(this, batchLastOffset);
            MAX_TIMESTAMP.setRelease(this, batchMaxTimestamp);
        }
        NEXT_OFFSET.setRelease(this, newNextOffset);
        SIZE.setRelease(this, newSize);
    }

    @Override
    public String toString() {
        return "Segment{base=" + baseOffset + ", next=" + nextOffset + ", size=" + size + '}';
    }
}
