package io.sediment.log;

import io.sediment.api.AppendResult;
import io.sediment.api.InvalidRecordException;
import io.sediment.api.Log;
import io.sediment.api.LogClosedException;
import io.sediment.api.LogConfig;
import io.sediment.api.LogSlice;
import io.sediment.api.LogStats;
import io.sediment.api.OffsetOutOfRangeException;
import io.sediment.api.RecordTooLargeException;
import io.sediment.api.TimestampedOffset;
import io.sediment.api.TopicPartition;
import io.sediment.api.record.RecordBatch;
import io.sediment.api.record.RecordBatchLayout;
import io.sediment.api.record.TimestampType;
import io.sediment.api.spi.PartitionStore;
import io.sediment.api.spi.SegmentSpec;
import io.sediment.retention.RetentionDecision;
import io.sediment.retention.RetentionPolicy;
import io.sediment.retention.SegmentSummary;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.CRC32C;

/**
 * A partition's log as a list of {@link Segment}s, the last of which (the active segment) takes appends.
 *
 * <p>Threading. Writer calls ({@link #append}, {@link #roll}, {@link #flush}, {@link #deleteRecordsBefore},
 * {@link #updateConfig}, retention, {@link #close}) hold {@link #writeLock}, so they run one at a time from any
 * thread. Readers ({@link #read}, {@link #offsetForTimestamp}, accessors) take no lock: they read the volatile
 * {@link #logEndOffset}, then the volatile {@link #segments} array (replaced, never mutated), then the segment's
 * published size. The writer publishes in the opposite order (bytes, index entries, segment size, log end
 * offset), so a reader never sees a batch that is not wholly written.
 *
 * <p>Offsets are dense: each batch's {@code baseOffset} is the previous batch's last offset + 1, and a new
 * segment's base offset is the log end offset at the time it is rolled.
 */
final class SegmentedLog implements Log {
    private static final System.Logger LOG = System.getLogger(SegmentedLog.class.getName());
    /** The append publishes the log end offset with a release store (readers read it volatile); see {@link Segment}. */
    private static final VarHandle LOG_END_OFFSET;

    static {
        try {
            LOG_END_OFFSET = MethodHandles.lookup().findVarHandle(SegmentedLog.class, "logEndOffset", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final TopicPartition topicPartition;
    private final PartitionStore store;
    private final LogEnvironment env;
    private final String source;
    private final ReentrantLock writeLock = new ReentrantLock();

    private volatile LogConfig config;
    private volatile Segment[] segments;
    private volatile long logStartOffset;
    private volatile long logEndOffset;
    private volatile long recoveryPoint;
    private volatile boolean closed;

    private final AtomicLong segmentsDeleted = new AtomicLong();
    private final AtomicLong bytesDeleted = new AtomicLong();

    // Writer-only scratch, reused so that the append path allocates nothing.
    private final RecordBatch batch = new RecordBatch();
    private final CRC32C crc = new CRC32C();
    private final AppendScratch appended = new AppendScratch();
    private long lastFlushMs;
    /** Segments whose last reference is gone and whose files wait to be destroyed by the writer. */
    private final List<Long> releasedRetired = new ArrayList<>();
    private int liveSegmentHandles;
    /** Runs once the partition store is closed (which waits for the last pinned segment): deletes the log's files. */
    private Runnable afterStoreClosed = () -> { };

    SegmentedLog(final TopicPartition topicPartition, final PartitionStore store, final LogConfig config,
                 final LogEnvironment env, final List<Segment> loaded, final long logStartOffset,
                 final long recoveryPoint) {
        if (loaded.isEmpty()) {
            throw new IllegalArgumentException("a log has at least one segment");
        }
        this.topicPartition = topicPartition;
        this.store = store;
        this.config = config;
        this.env = env;
        this.source = "log " + topicPartition;
        this.segments = loaded.toArray(new Segment[0]);
        for (Segment s : segments) {
            trackHandle(s, false);
        }
        final Segment active = segments[segments.length - 1];
        this.logEndOffset = active.nextOffset;
        this.logStartOffset = logStartOffset;
        this.recoveryPoint = Math.min(recoveryPoint, logEndOffset);
        this.lastFlushMs = env.clock().millis();
    }

    @Override
    public TopicPartition topicPartition() {
        return topicPartition;
    }

    @Override
    public LogConfig config() {
        return config;
    }

    @Override
    public void updateConfig(final LogConfig newConfig) {
        writeLock.lock();
        try {
            ensureOpen();
            this.config = newConfig;
        } finally {
            writeLock.unlock();
        }
    }

    // ------------------------------------------------------------------------------------------------ append

    /**
     * Small on purpose: the JIT inlines it into a caller, so a caller that reads the result's fields (or drops it)
     * gets them without allocating the {@link AppendResult}: an append then allocates nothing. (It allocated 64
     * bytes, and the first touch of fresh heap pages took ~11% of a 100-byte append: README, Append.)
     */
    @Override
    public AppendResult append(final ByteBuffer batches) {
        writeLock.lock();
        try {
            appendLocked(batches);
            final AppendScratch r = appended;
            return new AppendResult(r.firstOffset, r.lastOffset, r.maxTimestamp, r.logAppendTime, r.logStartOffset,
                    r.batchCount, r.sizeInBytes);
        } finally {
            writeLock.unlock();
        }
    }

    /** The append itself, under the writer lock; leaves what it did in {@link #appended}. */
    private void appendLocked(final ByteBuffer batches) {
        ensureOpen();
        final LogConfig cfg = config;
        final int start = batches.position();
        final int limit = batches.limit();
        if (start >= limit) {
            throw new InvalidRecordException(source, 0, "no record batches to append");
        }
        final boolean logAppendTime = cfg.timestampType() == TimestampType.LOG_APPEND_TIME;
        // The clock only when the append needs it: reading it took a tenth of a 100-byte append (README, Append).
        final long now = logAppendTime ? env.clock().millis() : RecordBatchLayout.NO_TIMESTAMP;
        final int maxMessageBytes = cfg.maxMessageBytes();
        final long firstOffset = logEndOffset;
        // Pass 1: each batch is validated, then given its offsets (and LogAppendTime) in place. Nothing is
        // stored before every batch has passed, so an invalid one appends nothing; the batches before it keep
        // the offsets they were given in the caller's buffer, which are rewritten again on a retry.
        long next = firstOffset;
        long maxTimestamp = RecordBatchLayout.NO_TIMESTAMP;
        long firstMaxTimestamp = RecordBatchLayout.NO_TIMESTAMP;
        int batchCount = 0;
        for (int pos = start; pos < limit; batchCount++) {
            batch.wrap(batches, pos);
            batch.validate(limit, crc, source);
            final int size = batch.sizeInBytes();
            if (size > maxMessageBytes) {
                throw new RecordTooLargeException(topicPartition, size, maxMessageBytes);
            }
            batch.validateForAppend(source);
            batch.setBaseOffset(next);
            if (logAppendTime) {
                batch.setLogAppendTime(now, crc);
            }
            final long batchMax = batch.maxTimestamp();
            if (batchCount == 0) {
                firstMaxTimestamp = batchMax;
            }
            maxTimestamp = Math.max(maxTimestamp, batchMax);
            next = batch.nextOffset();
            pos += size;
        }
        final long lastOffset = next - 1;
        final Segment active = maybeRoll(limit - start, maxTimestamp, lastOffset, cfg);

        // The bytes in one copy (the caller's buffer itself: position to limit is the request), then pass 2,
        // the index entries, then publish: a reader never finds an entry for bytes not yet there.
        final int firstPosition = active.data.size();
        active.data.append(batches);
        batches.position(limit);
        long segMax = active.maxTimestamp;
        long segMaxOffset = active.offsetOfMaxTimestamp;
        final int indexInterval = cfg.indexIntervalBytes();
        int sinceEntry = active.bytesSinceLastIndexEntry;
        int position = firstPosition;
        for (int pos = start; pos < limit; ) {
            batch.wrap(batches, pos);
            final int size = batch.sizeInBytes();
            final long batchMax = batch.maxTimestamp();
            if (batchMax > segMax) {
                segMax = batchMax;
                segMaxOffset = batch.lastOffset();
            }
            if (sinceEntry > indexInterval) {
                addIndexEntries(active, batch.lastOffset(), position, segMax, segMaxOffset);
                sinceEntry = 0;
            }
            position += size;
            sinceEntry += size;
            pos += size;
        }
        active.bytesSinceLastIndexEntry = sinceEntry;
        if (firstPosition == 0 && !active.hasRollingTimestampFromData && firstMaxTimestamp >= 0) {
            active.rollingBasedTimestamp = firstMaxTimestamp;
            active.hasRollingTimestampFromData = true;
        }
        active.publish(position, next, segMax, segMaxOffset);
        LOG_END_OFFSET.setRelease(this, next);

        if (next - recoveryPoint >= cfg.flushMessages()) {
            flushLocked();
        }
        final AppendScratch r = appended;
        r.firstOffset = firstOffset;
        r.lastOffset = lastOffset;
        r.maxTimestamp = maxTimestamp;
        r.logAppendTime = now;
        r.logStartOffset = logStartOffset;
        r.batchCount = batchCount;
        r.sizeInBytes = limit - start;
    }

    /** What the last append did (the fields of its {@link AppendResult}); written and read under the writer lock. */
    private static final class AppendScratch {
        long firstOffset;
        long lastOffset;
        long maxTimestamp;
        long logAppendTime;
        long logStartOffset;
        int batchCount;
        int sizeInBytes;
    }

    /** An offset-index entry for the batch ending at {@code batchLast}, and a time-index entry, if there is room. */
    private static void addIndexEntries(final Segment active, final long batchLast, final int position,
                                        final long segMax, final long segMaxOffset) {
        if (!active.offsetIndex.isFull()) {
            active.offsetIndex.append(batchLast, position);
        }
        // One time-index slot stays free for the final entry written when the segment is rolled.
        if (active.timeIndex.entries() < active.timeIndex.maxEntries() - 1) {
            active.timeIndex.maybeAppend(segMax, segMaxOffset);
        }
    }

    /** Rolls first if the append would overflow the active segment, by size, age, index space or offset range. */
    private Segment maybeRoll(final int appendBytes, final long appendMaxTimestamp, final long appendLastOffset,
                              final LogConfig cfg) {
        final Segment active = activeSegment();
        if (active.size == 0) {
            return active;
        }
        // Kafka's age rule: by the batches' timestamps once the segment has one, else by the clock.
        final long waited = active.hasRollingTimestampFromData && appendMaxTimestamp >= 0
                ? appendMaxTimestamp - active.rollingBasedTimestamp
                : env.clock().millis() - active.rollingBasedTimestamp;
        final boolean roll = (long) active.size + appendBytes > cfg.segmentBytes()
                || waited > cfg.segmentMs()
                || active.offsetIndex.isFull()
                || active.timeIndex.entries() >= active.timeIndex.maxEntries() - 1
                || appendLastOffset - active.baseOffset > Integer.MAX_VALUE;
        return roll ? rollLocked() : active;
    }

    @Override
    public void roll() {
        writeLock.lock();
        try {
            ensureOpen();
            rollLocked();
        } finally {
            writeLock.unlock();
        }
    }

    private Segment rollLocked() {
        final Segment old = activeSegment();
        if (old.size == 0) {
            return old;
        }
        seal(old);
        final Segment fresh = createSegment(logEndOffset);
        final Segment[] current = segments;
        final Segment[] next = Arrays.copyOf(current, current.length + 1);
        next[current.length] = fresh;
        segments = next;
        return fresh;
    }

    /** Makes a segment inactive: final time-index entry (its max timestamp), and trims reserved space. */
    static void seal(final Segment s) {
        if (s.maxTimestamp >= 0 && s.maxTimestamp > s.timeIndex.lastTimestamp()) {
            s.timeIndex.maybeAppend(s.maxTimestamp, s.offsetOfMaxTimestamp);
        }
        s.offsetIndex.trim();
        s.timeIndex.trim();
        s.data.trim();
    }

    private Segment createSegment(final long baseOffset) {
        final Segment s = Segment.over(store, baseOffset, store.createSegment(baseOffset, segmentSpec(config)),
                env.clock().millis());
        trackHandle(s, false);
        return s;
    }

    static SegmentSpec segmentSpec(final LogConfig cfg) {
        return new SegmentSpec(cfg.segmentBytes(), cfg.segmentIndexBytes() / 8 * 8, cfg.segmentIndexBytes() / 12 * 12);
    }

    // ------------------------------------------------------------------------------------------------ read

    @Override
    public LogSlice read(final long offset, final int maxBytes) {
        ensureOpen();
        final long end = logEndOffset;
        final long start = logStartOffset;
        if (offset < start || offset > end) {
            throw new OffsetOutOfRangeException(topicPartition, offset, start, end);
        }
        if (offset == end) {
            return new EmptySlice(end);
        }
        final Segment segment = retainFloorSegment(offset);
        if (segment == null) {
            return new EmptySlice(end);
        }
        boolean handedOver = false;
        try {
            final ByteBuffer header = BatchHeaders.threadHeader();
            final int published = segment.size;
            // Headers only, each checked: from the index entry at or below the offset to the batch holding it.
            final int position = BatchHeaders.seek(segment, offset, published, header);
            final long firstBase = BatchHeaders.baseOffset(header);
            long nextOffset = BatchHeaders.lastOffset(header) + 1;
            int cursor = position + BatchHeaders.size(header);
            // Whole batches only; at least the first one however large. A following header that fails its checks
            // ends the slice before it: the read that starts there reports it, and everything before is served.
            while (cursor < published) {
                final int nextSize = BatchHeaders.check(segment, cursor, published, nextOffset, header);
                if (nextSize < 0 || (long) (cursor - position) + nextSize > maxBytes) {
                    break;
                }
                cursor += nextSize;
                nextOffset = BatchHeaders.lastOffset(header) + 1;
            }
            handedOver = true;
            return new SegmentSlice(segment, position, cursor - position, firstBase, nextOffset);
        } finally {
            if (!handedOver) {
                segment.release();
            }
        }
    }

    /** The segment holding {@code offset}, pinned; retries if retention releases it under us. */
    private Segment retainFloorSegment(final long offset) {
        for (;;) {
            final Segment[] snapshot = segments;
            final int i = floorIndex(snapshot, offset);
            if (i < 0) {
                return null;
            }
            final Segment s = snapshot[i];
            if (s.retain()) {
                return s;
            }
            if (closed) {
                throw new LogClosedException(topicPartition);
            }
        }
    }

    private static int floorIndex(final Segment[] segs, final long offset) {
        int lo = 0;
        int hi = segs.length - 1;
        int found = -1;
        while (lo <= hi) {
            final int mid = (lo + hi) >>> 1;
            if (segs[mid].baseOffset <= offset) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    // ------------------------------------------------------------------------------------------------ timestamps

    @Override
    public Optional<TimestampedOffset> offsetForTimestamp(final long timestamp) {
        ensureOpen();
        // The end first, as in read(): every offset below it is inside the published bytes of its segment.
        final long end = logEndOffset;
        final long start = logStartOffset;
        final Segment[] snapshot = segments;
        for (int i = Math.max(0, floorIndex(snapshot, start)); i < snapshot.length; i++) {
            final Segment s = snapshot[i];
            if (s.maxTimestamp < timestamp || !s.retain()) {
                continue;
            }
            try {
                final TimestampedOffset found = TimestampSearch.firstAtOrAfter(s, timestamp, start, end);
                if (found != null) {
                    return Optional.of(found);
                }
            } finally {
                s.release();
            }
        }
        return Optional.empty();
    }

    @Override
    public Optional<TimestampedOffset> offsetOfMaxTimestamp() {
        ensureOpen();
        final long end = logEndOffset;
        final long start = logStartOffset;
        final Segment[] snapshot = segments;
        TimestampedOffset best = null;
        for (int i = Math.max(0, floorIndex(snapshot, start)); i < snapshot.length; i++) {
            final Segment s = snapshot[i];
            if (s.size == 0 || (best != null && s.maxTimestamp <= best.timestamp()) || !s.retain()) {
                continue;
            }
            try {
                final TimestampedOffset candidate = TimestampSearch.maxTimestamp(s, start, end);
                if (candidate != null && (best == null || candidate.timestamp() > best.timestamp())) {
                    best = candidate;
                }
            } finally {
                s.release();
            }
        }
        return Optional.ofNullable(best);
    }

    // ------------------------------------------------------------------------------------------------ offsets

    @Override
    public long logStartOffset() {
        return logStartOffset;
    }

    @Override
    public long logEndOffset() {
        return logEndOffset;
    }

    long recoveryPoint() {
        return recoveryPoint;
    }

    @Override
    public long deleteRecordsBefore(final long offset) {
        writeLock.lock();
        try {
            ensureOpen();
            final long end = logEndOffset;
            final long target = offset == -1 ? end : offset;
            if (target < 0 || target > end) {
                throw new OffsetOutOfRangeException(topicPartition, offset, logStartOffset, end);
            }
            if (target > logStartOffset) {
                logStartOffset = target;
                env.logStartOffsetChanged(topicPartition, target);
            }
            return logStartOffset;
        } finally {
            writeLock.unlock();
        }
    }

    // ------------------------------------------------------------------------------------------------ flush

    @Override
    public void flush() {
        writeLock.lock();
        try {
            ensureOpen();
            flushLocked();
        } finally {
            writeLock.unlock();
        }
    }

    /** Applies {@code flush.ms}; called by the engine's background thread. */
    void flushIfDue(final long now) {
        writeLock.lock();
        try {
            if (!closed && logEndOffset > recoveryPoint && now - lastFlushMs >= config.flushMs()) {
                flushLocked();
            }
        } finally {
            writeLock.unlock();
        }
    }

    private void flushLocked() {
        final long end = logEndOffset;
        final Segment[] snapshot = segments;
        // Every segment that may hold bytes at or past the recovery point: segment data first, then its indexes.
        for (int i = Math.max(0, floorIndex(snapshot, recoveryPoint)); i < snapshot.length; i++) {
            final Segment s = snapshot[i];
            s.data.flush();
            s.offsetIndex.flush();
            s.timeIndex.flush();
        }
        recoveryPoint = end;
        lastFlushMs = env.clock().millis();
    }

    // ------------------------------------------------------------------------------------------------ retention

    /**
     * One retention pass: deletes whole segments that retention or the log start offset allow, at most
     * {@code maxSegments}, and destroys the files of deleted segments no reader holds any more.
     *
     * @return segments taken off the read path by this pass
     */
    int enforceRetention(final long now, final int maxSegments) {
        writeLock.lock();
        try {
            if (closed) {
                return 0;
            }
            destroyReleasedSegments();
            final LogConfig cfg = config;
            RetentionDecision decision = RetentionPolicy.decide(summaries(), cfg.retentionMs(), cfg.retentionBytes(),
                    now, logStartOffset, maxSegments);
            if (decision.deleteCount() == 0) {
                return 0;
            }
            if (decision.rollActiveFirst()) {
                rollLocked();
                decision = RetentionPolicy.decide(summaries(), cfg.retentionMs(), cfg.retentionBytes(), now,
                        logStartOffset, maxSegments);
            }
            final Segment[] current = segments;
            final int n = Math.min(decision.deleteCount(), current.length - 1);
            if (n <= 0) {
                return 0;
            }
            final Segment[] doomed = Arrays.copyOfRange(current, 0, n);
            // Off the read path first: new readers can no longer find these segments.
            segments = Arrays.copyOfRange(current, n, current.length);
            final long newStart = segments[0].baseOffset;
            if (newStart > logStartOffset) {
                logStartOffset = newStart;
                env.logStartOffsetChanged(topicPartition, newStart);
            }
            for (Segment s : doomed) {
                store.retireSegment(s.baseOffset);
                trackHandle(s, true);
                segmentsDeleted.incrementAndGet();
                bytesDeleted.addAndGet(s.size);
                LOG.log(System.Logger.Level.INFO, "{0}: deleted segment {1} (offsets [{2}, {3}), {4} bytes) by {5}",
                        topicPartition, s.baseOffset, s.baseOffset, s.nextOffset, s.size, decision.reason());
                env.schedule(cfg.fileDeleteDelayMs(), s::release);
            }
            return n;
        } finally {
            writeLock.unlock();
        }
    }

    private List<SegmentSummary> summaries() {
        final Segment[] snapshot = segments;
        final List<SegmentSummary> list = new ArrayList<>(snapshot.length);
        for (Segment s : snapshot) {
            list.add(new SegmentSummary(s.baseOffset, s.nextOffset, s.size, s.maxTimestamp));
        }
        return list;
    }

    /** Registers what happens when a segment's last reference goes: a retired one's files get destroyed. */
    private void trackHandle(final Segment s, final boolean retired) {
        if (!retired) {
            synchronized (releasedRetired) {
                liveSegmentHandles++;
            }
        }
        s.onFullyReleased(() -> onSegmentReleased(s, retired));
    }

    private void onSegmentReleased(final Segment s, final boolean retired) {
        final boolean closeStore;
        synchronized (releasedRetired) {
            if (retired) {
                releasedRetired.add(s.baseOffset);
            }
            liveSegmentHandles--;
            closeStore = closed && liveSegmentHandles == 0;
        }
        if (closeStore) {
            closeStore();
        }
    }

    private void closeStore() {
        destroyReleasedSegments();
        store.close();
        afterStoreClosed.run();
    }

    private void destroyReleasedSegments() {
        final List<Long> ids;
        synchronized (releasedRetired) {
            ids = new ArrayList<>(releasedRetired);
            releasedRetired.clear();
        }
        for (long id : ids) {
            store.destroyRetiredSegment(id);
        }
    }

    // ------------------------------------------------------------------------------------------------ size, close

    @Override
    public long sizeInBytes() {
        long total = 0;
        for (Segment s : segments) {
            total += s.size;
        }
        return total;
    }

    @Override
    public int segmentCount() {
        return segments.length;
    }

    @Override
    public LogStats stats() {
        return new LogStats(logStartOffset, logEndOffset, sizeInBytes(), segmentCount(), segmentsDeleted.get(),
                bytesDeleted.get(), recoveryPoint);
    }

    Segment activeSegment() {
        final Segment[] s = segments;
        return s[s.length - 1];
    }

    boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        writeLock.lock();
        try {
            if (closed) {
                return;
            }
            flushLocked();
            seal(activeSegment());
            releaseAll();
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * Lets go of the files as a killed process would: no flush, no trimming, no final index entry. For fault
     * tests (crash consistency); the next open must recover.
     */
    void halt() {
        writeLock.lock();
        try {
            if (!closed) {
                releaseAll();
            }
        } finally {
            writeLock.unlock();
        }
    }

    private void releaseAll() {
        final boolean closeStoreNow;
        synchronized (releasedRetired) {
            closed = true;
            closeStoreNow = liveSegmentHandles == 0;
        }
        for (Segment s : segments) {
            s.release();
        }
        if (closeStoreNow) {
            closeStore();
        }
    }

    /**
     * Closes the log and runs {@code deleter} once no slice pins any of its segments any more (at once if none does).
     */
    void closeThen(final Runnable deleter) {
        writeLock.lock();
        try {
            afterStoreClosed = deleter;
            if (!closed) {
                seal(activeSegment());
                releaseAll();
            }
        } finally {
            writeLock.unlock();
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new LogClosedException(topicPartition);
        }
    }

    @Override
    public String toString() {
        return "SegmentedLog{" + topicPartition + ", [" + logStartOffset + ", " + logEndOffset + "), segments="
                + segments.length + '}';
    }
}
