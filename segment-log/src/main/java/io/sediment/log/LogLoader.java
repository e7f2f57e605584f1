package io.sediment.log;

import io.sediment.api.spi.SegmentName;
import io.sediment.api.CorruptIndexException;
import io.sediment.api.CorruptRecordException;
import io.sediment.api.LogConfig;
import io.sediment.api.TopicPartition;
import io.sediment.api.record.RecordBatch;
import io.sediment.api.record.RecordBatchLayout;
import io.sediment.api.spi.PartitionStore;
import io.sediment.api.spi.SegmentFiles;
import io.sediment.api.spi.SegmentSpec;
import io.sediment.index.OffsetIndex;
import io.sediment.index.TimeIndex;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

import static java.lang.System.Logger.Level.INFO;
import static java.lang.System.Logger.Level.WARNING;

/**
 * Opens a partition's segments and, after an unclean shutdown, recovers them: the rule that nothing readable
 * after recovery is corrupt and nothing flushed before the crash is lost lives here.
 *
 * <p>After a clean shutdown every segment is trusted (indexes are still sanity-checked and rebuilt if they fail).
 * Otherwise every segment from the one holding the recovery point onwards is scanned batch by batch: each
 * batch's header must be whole, its CRC must match and its base offset must follow the previous batch's last
 * offset. The first batch that fails ends the log: the segment is truncated there and every later segment is
 * deleted, and what was cut is logged. Indexes of scanned segments are rebuilt from the data, since a crash can
 * leave an index ahead of, behind, or full of zeros after its data.
 */
final class LogLoader {
    private static final System.Logger LOG = System.getLogger(LogLoader.class.getName());

    private final TopicPartition topicPartition;
    private final PartitionStore store;
    private final LogConfig config;
    private final LogEnvironment env;
    private final RecordBatch batch = new RecordBatch();
    private final CRC32C crc = new CRC32C();

    LogLoader(final TopicPartition topicPartition, final PartitionStore store, final LogConfig config,
              final LogEnvironment env) {
        this.topicPartition = topicPartition;
        this.store = store;
        this.config = config;
        this.env = env;
    }

    /**
     * @param cleanShutdown whether the engine found its clean-shutdown marker
     * @param recoveryPoint checkpointed offset below which everything was flushed (0 when unknown)
     * @param checkpointedLogStart checkpointed log start offset (0 when unknown)
     */
    SegmentedLog load(final boolean cleanShutdown, final long recoveryPoint, final long checkpointedLogStart) {
        store.purgeRetiredSegments();
        final SegmentSpec spec = SegmentedLog.segmentSpec(config);
        final long[] ids = store.segmentIds();
        final List<Segment> segments = new ArrayList<>(ids.length + 1);
        int recoverFrom = cleanShutdown ? ids.length : 0;
        if (!cleanShutdown) {
            for (int i = 0; i < ids.length; i++) {
                if (ids[i] <= recoveryPoint) {
                    recoverFrom = i;
                }
            }
        }
        long truncatedAt = -1;
        for (int i = 0; i < ids.length; i++) {
            final long base = ids[i];
            if (truncatedAt >= 0) {
                // A later segment after a truncation point holds offsets that no longer follow: drop it.
                store.retireSegment(base);
                store.destroyRetiredSegment(base);
                LOG.log(WARNING, "{0}: deleted segment {1} after recovery truncated the log at offset {2}",
                        topicPartition, base, truncatedAt);
                continue;
            }
            final SegmentFiles files = store.openSegment(base, spec);
            final Segment s = new Segment(base, files,
                    OffsetIndex.open(files.offsetIndex(), base, name(base, ".index")),
                    TimeIndex.open(files.timeIndex(), base, name(base, ".timeindex")),
                    env.clock().millis());
            final boolean last = i == ids.length - 1;
            if (i >= recoverFrom) {
                if (!recover(s)) {
                    truncatedAt = s.nextOffset;
                }
            } else {
                trust(s, last ? -1 : ids[i + 1]);
            }
            if (!last && truncatedAt < 0) {
                // Opening reserved index space again (the SPI grows regions to the spec's capacity); give it back
                // so the files keep their trimmed length and the next open does not mistake zeros for entries.
                SegmentedLog.seal(s);
            }
            segments.add(s);
        }
        long logStart = checkpointedLogStart;
        if (segments.isEmpty()) {
            segments.add(newSegment(Math.max(0, logStart), spec));
        } else {
            logStart = Math.max(logStart, segments.get(0).baseOffset);
        }
        final Segment active = segments.get(segments.size() - 1);
        if (logStart > active.nextOffset) {
            // The log start offset was made durable for offsets a crash then lost: start afresh there, as Kafka
            // does, so the log start offset never moves backwards.
            LOG.log(WARNING, "{0}: log start offset {1} is beyond the recovered end {2}; starting empty at {1}",
                    topicPartition, logStart, active.nextOffset);
            for (Segment s : segments) {
                s.release();
                store.retireSegment(s.baseOffset);
                store.destroyRetiredSegment(s.baseOffset);
            }
            segments.clear();
            segments.add(newSegment(logStart, spec));
        }
        final long recovered = cleanShutdown ? active.nextOffset : Math.min(recoveryPoint, active.nextOffset);
        return new SegmentedLog(topicPartition, store, config, env, segments, logStart,
                truncatedAt >= 0 ? Math.min(recovered, truncatedAt) : recovered);
    }

    private Segment newSegment(final long base, final SegmentSpec spec) {
        final SegmentFiles files = store.createSegment(base, spec);
        return new Segment(base, files, OffsetIndex.open(files.offsetIndex(), base, name(base, ".index")),
                TimeIndex.open(files.timeIndex(), base, name(base, ".timeindex")), env.clock().millis());
    }

    /**
     * A segment below the recovery point: its bytes are trusted. Its indexes are checked and rebuilt if they do not
     * hold; its end offset and max timestamp are taken from the next segment and the time index, and for the last
     * segment by scanning forward from the last index entry.
     */
    private void trust(final Segment s, final long nextSegmentBase) {
        final int size = s.data.size();
        try {
            s.offsetIndex.sanityCheck(size);
            s.timeIndex.sanityCheck(size);
            if (size > 0 && s.timeIndex.entries() == 0 && largestTimestampByHeaders(s, size) >= 0) {
                // Sealing leaves an entry for the max timestamp whenever batches carry timestamps: this one was lost.
                throw new CorruptIndexException(name(s.baseOffset, ".timeindex"), "empty time index for "
                        + size + " bytes of timestamped data");
            }
        } catch (CorruptIndexException e) {
            LOG.log(WARNING, "{0}: rebuilding indexes of segment {1}: {2}", topicPartition, s.baseOffset, e.getMessage());
            rebuild(s, false);
            return;
        }
        long nextOffset;
        long maxTimestamp = s.timeIndex.entries() > 0 ? s.timeIndex.lastTimestamp() : -1L;
        long offsetOfMax = s.timeIndex.entries() > 0 ? s.timeIndex.lastOffset() : -1L;
        if (nextSegmentBase >= 0) {
            nextOffset = nextSegmentBase;
        } else {
            // Active segment after a clean shutdown: walk the headers after the last index entry.
            final ByteBuffer header = ByteBuffer.allocate(RecordBatchLayout.HEADER_SIZE);
            int position = s.offsetIndex.entries() > 0 ? s.offsetIndex.positionAt(s.offsetIndex.entries() - 1) : 0;
            nextOffset = s.baseOffset;
            while (position + RecordBatchLayout.HEADER_SIZE <= size) {
                header.clear();
                s.data.read(position, header);
                final long base = header.getLong(RecordBatchLayout.BASE_OFFSET_OFFSET);
                nextOffset = base + header.getInt(RecordBatchLayout.LAST_OFFSET_DELTA_OFFSET) + 1;
                final long ts = header.getLong(RecordBatchLayout.MAX_TIMESTAMP_OFFSET);
                if (ts > maxTimestamp) {
                    maxTimestamp = ts;
                    offsetOfMax = nextOffset - 1;
                }
                position += RecordBatchLayout.LOG_OVERHEAD + header.getInt(RecordBatchLayout.BATCH_LENGTH_OFFSET);
            }
            s.bytesSinceLastIndexEntry = size - (s.offsetIndex.entries() > 0
                    ? s.offsetIndex.positionAt(s.offsetIndex.entries() - 1) : 0);
        }
        s.publish(size, nextOffset, maxTimestamp, offsetOfMax);
        setRollingTimestamp(s);
    }

    /** The largest batch max timestamp in the segment, from batch headers only (-1 when no batch has one). */
    private static long largestTimestampByHeaders(final Segment s, final int size) {
        final ByteBuffer header = ByteBuffer.allocate(RecordBatchLayout.HEADER_SIZE);
        long max = -1L;
        for (int position = 0; position + RecordBatchLayout.HEADER_SIZE <= size; ) {
            header.clear();
            s.data.read(position, header);
            max = Math.max(max, header.getLong(RecordBatchLayout.MAX_TIMESTAMP_OFFSET));
            final int length = header.getInt(RecordBatchLayout.BATCH_LENGTH_OFFSET);
            if (length <= 0) {
                break;
            }
            position += RecordBatchLayout.LOG_OVERHEAD + length;
        }
        return max;
    }

    /** Scans, validates and re-indexes a segment; truncates at the first bad batch. Returns true if nothing was cut. */
    private boolean recover(final Segment s) {
        return rebuild(s, true);
    }

    private boolean rebuild(final Segment s, final boolean truncate) {
        final int stored = s.data.size();
        s.offsetIndex.reset();
        s.timeIndex.reset();
        int position = 0;
        long expected = s.baseOffset;
        long maxTimestamp = -1L;
        long offsetOfMax = -1L;
        int sinceIndex = 0;
        String problem = null;
        while (position < stored) {
            final int remaining = stored - position;
            if (remaining < RecordBatchLayout.HEADER_SIZE) {
                problem = "torn batch header: " + remaining + " bytes";
                break;
            }
            final ByteBuffer head = s.data.view(position, RecordBatchLayout.HEADER_SIZE);
            final int batchLength = head.getInt(RecordBatchLayout.BATCH_LENGTH_OFFSET);
            if (batchLength < RecordBatchLayout.HEADER_SIZE - RecordBatchLayout.LOG_OVERHEAD
                    || batchLength > remaining - RecordBatchLayout.LOG_OVERHEAD) {
                problem = batchLength == 0 ? "end of written data (zero length)" : "batch length " + batchLength
                        + " does not fit the " + remaining + " bytes left";
                break;
            }
            final int size = RecordBatchLayout.LOG_OVERHEAD + batchLength;
            final ByteBuffer bytes = s.data.view(position, size);
            try {
                batch.wrap(bytes, 0).validate(size, crc, name(s.baseOffset, ".log"));
            } catch (CorruptRecordException e) {
                problem = e.getMessage();
                break;
            }
            if (batch.baseOffset() != expected || batch.lastOffsetDelta() < 0) {
                problem = "batch base offset " + batch.baseOffset() + " where " + expected + " was expected";
                break;
            }
            final long last = batch.lastOffset();
            if (batch.maxTimestamp() > maxTimestamp) {
                maxTimestamp = batch.maxTimestamp();
                offsetOfMax = last;
            }
            if (sinceIndex > config.indexIntervalBytes()) {
                if (!s.offsetIndex.isFull()) {
                    s.offsetIndex.append(last, position);
                }
                if (s.timeIndex.entries() < s.timeIndex.maxEntries() - 1) {
                    s.timeIndex.maybeAppend(maxTimestamp, offsetOfMax);
                }
                sinceIndex = 0;
            }
            sinceIndex += size;
            position += size;
            expected = last + 1;
        }
        s.bytesSinceLastIndexEntry = sinceIndex;
        if (problem != null) {
            if (truncate) {
                s.data.truncateTo(position);
                if (problem.startsWith("end of written data")) {
                    LOG.log(INFO, "{0}: recovered segment {1}: {2} bytes, offsets [{3}, {4})", topicPartition,
                            s.baseOffset, position, s.baseOffset, expected);
                } else {
                    LOG.log(WARNING, "{0}: recovery truncated segment {1} at position {2} (offset {3}), dropping {4} bytes: {5}",
                            topicPartition, s.baseOffset, position, expected, stored - position, problem);
                }
            } else {
                throw new CorruptRecordException(name(s.baseOffset, ".log"), position, problem);
            }
        }
        s.publish(position, expected, maxTimestamp, offsetOfMax);
        setRollingTimestamp(s);
        // A truncation that ended on zeros past the written data is not a loss; anything else ended the log here.
        return problem == null || problem.startsWith("end of written data");
    }

    private void setRollingTimestamp(final Segment s) {
        if (s.size == 0) {
            return;
        }
        final ByteBuffer header = ByteBuffer.allocate(RecordBatchLayout.HEADER_SIZE);
        s.data.read(0, header);
        final long ts = header.getLong(RecordBatchLayout.MAX_TIMESTAMP_OFFSET);
        if (ts >= 0) {
            s.rollingBasedTimestamp = ts;
            s.hasRollingTimestampFromData = true;
        }
    }

    private String name(final long base, final String suffix) {
        return store.name() + "/" + SegmentName.of(base) + suffix;
    }
}
