package io.sediment.log;

import io.sediment.api.CorruptIndexException;
import io.sediment.api.CorruptRecordException;
import io.sediment.api.LogConfig;
import io.sediment.api.TopicPartition;
import io.sediment.api.record.RecordBatch;
import io.sediment.api.record.RecordBatchLayout;
import io.sediment.api.spi.PartitionStore;
import io.sediment.api.StorageException;
import io.sediment.api.spi.SegmentSpec;

import java.nio.ByteBuffer;
import java.nio.file.Path;
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
     * @param checkpointDirectory where the checkpoint files are, to name them in errors
     */
    SegmentedLog load(final boolean cleanShutdown, final long recoveryPoint, final long checkpointedLogStart,
                      final Path checkpointDirectory) {
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
        try {
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
                final Segment s = Segment.over(store, base, store.openSegment(base, spec), env.clock().millis());
                segments.add(s);
                final boolean last = i == ids.length - 1;
                if (i >= recoverFrom) {
                    if (!recover(s) || (!last && s.nextOffset != ids[i + 1])) {
                        // Cut short, or ending before the next segment begins (its tail lost while the next file
                        // survived): offsets after it would not be dense, so the log ends here.
                        truncatedAt = s.nextOffset;
                    }
                } else {
                    trust(s, last ? -1 : ids[i + 1]);
                }
                if (!last && truncatedAt < 0) {
                    // Opening reserved index space again (the SPI grows regions to the spec's capacity); give it
                    // back so the files keep their trimmed length and the next open does not mistake zeros for
                    // entries.
                    SegmentedLog.seal(s);
                }
            }
            return finishLoad(segments, cleanShutdown, recoveryPoint, checkpointedLogStart, checkpointDirectory,
                    truncatedAt, spec);
        } catch (RuntimeException e) {
            // Refused: let go of every file opened so far (the caller closes the store), giving back the index
            // space opening reserved, so that the next open finds the indexes as they were.
            for (Segment s : segments) {
                try {
                    s.offsetIndex.trim();
                    s.timeIndex.trim();
                } catch (RuntimeException trimFailed) {
                    e.addSuppressed(trimFailed);
                }
                s.release();
            }
            throw e;
        }
    }

    private SegmentedLog finishLoad(final List<Segment> segments, final boolean cleanShutdown,
                                    final long recoveryPoint, final long checkpointedLogStart,
                                    final Path checkpointDirectory, final long truncatedAt, final SegmentSpec spec) {
        long logStart = checkpointedLogStart;
        if (segments.isEmpty()) {
            segments.add(newSegment(Math.max(0, logStart), spec));
        } else {
            logStart = Math.max(logStart, segments.get(0).baseOffset);
        }
        final Segment active = segments.get(segments.size() - 1);
        if (cleanShutdown) {
            checkCleanEnd(active, recoveryPoint, logStart, checkpointDirectory);
        }
        if (logStart > active.nextOffset) {
            // The log start offset was made durable for offsets a crash then lost: start afresh there, as Kafka
            // does, so the log start offset never moves backwards.
            LOG.log(WARNING, "{0}: log start offset {1} is beyond the recovered end {2}; starting empty at {1}",
                    topicPartition, logStart, active.nextOffset);
            final List<Segment> dropped = new ArrayList<>(segments);
            segments.clear();
            for (Segment s : dropped) {
                s.release();
                store.retireSegment(s.baseOffset);
                store.destroyRetiredSegment(s.baseOffset);
            }
            segments.add(newSegment(logStart, spec));
        }
        final long recovered = cleanShutdown ? active.nextOffset : Math.min(recoveryPoint, active.nextOffset);
        return new SegmentedLog(topicPartition, store, config, env, segments, logStart,
                truncatedAt >= 0 ? Math.min(recovered, truncatedAt) : recovered);
    }

    private Segment newSegment(final long base, final SegmentSpec spec) {
        return Segment.over(store, base, store.createSegment(base, spec), env.clock().millis());
    }

    /**
     * After a clean shutdown nothing can have been lost, so two states can only be damage: a log start offset past
     * the log end (recovery after a crash empties the log there, as Kafka always does; after a clean shutdown that
     * would delete every segment on the word of one damaged line) and a log that ends below the recovery point
     * close wrote (flushed records are missing: a segment cut at a batch boundary, or a damaged checkpoint).
     * Either is refused, naming the files, and nothing is deleted.
     */
    private void checkCleanEnd(final Segment active, final long recoveryPoint, final long logStart,
                               final Path checkpointDirectory) {
        final long end = active.nextOffset;
        if (logStart > end) {
            throw new StorageException(checkpointDirectory.resolve(SegmentLogEngine.LOG_START_OFFSET_CHECKPOINT)
                    .toString(), topicPartition + ": log start offset " + logStart + " is beyond the log end offset "
                    + end + " after a clean shutdown: the checkpoint is damaged or segment files were removed;"
                    + " refusing to delete every segment of the log");
        }
        if (recoveryPoint > end) {
            throw new StorageException(active.dataFile, topicPartition + ": the log ends at offset " + end
                    + " but it was flushed up to offset " + recoveryPoint + " ("
                    + checkpointDirectory.resolve(SegmentLogEngine.RECOVERY_POINT_CHECKPOINT)
                    + ") before a clean shutdown: segment data is missing or the checkpoint is damaged");
        }
    }

    /**
     * A segment after a clean shutdown, or below the recovery point: trusted without a CRC scan, as in Kafka, but
     * not blindly. Its indexes must pass their sanity checks, and a cheap walk must agree with them: the first
     * batch starts at the segment's base offset; from the last offset-index entry (whose batch must end at the
     * offset it names) to the end of the data every header holds ({@link BatchHeaders}: length, magic, dense
     * offsets) and the last batch ends exactly at the end of the data, and for a sealed segment at the next
     * segment's base offset; the last time-index entry names a batch whose max timestamp it holds, and no batch
     * walked is newer. When anything disagrees the segment is scanned in full (CRC included) and its indexes
     * rebuilt: damaged indexes are repaired, damaged data is refused with the file and position.
     *
     * <p>Cost: a few header reads per segment, at most {@code index.interval.bytes} of headers after the last index
     * entry (Kafka reads the active segment's last batches only).
     */
    private void trust(final Segment s, final long nextSegmentBase) {
        final int size = s.data.size();
        try {
            s.offsetIndex.sanityCheck(size);
            s.timeIndex.sanityCheck(size);
            checkAgainstData(s, size, nextSegmentBase);
        } catch (CorruptIndexException | CorruptRecordException e) {
            LOG.log(WARNING, "{0}: segment {1} failed its checks at open ({2}); scanning it and rebuilding its "
                    + "indexes", topicPartition, s.baseOffset, e.getMessage());
            rebuild(s, false);
            if (nextSegmentBase >= 0 && s.nextOffset != nextSegmentBase) {
                throw new CorruptRecordException(s.dataFile, s.size, "the segment's batches end at offset "
                        + s.nextOffset + " but the next segment starts at " + nextSegmentBase);
            }
            return;
        }
        setRollingTimestamp(s);
    }

    /** The walk {@link #trust} describes; publishes the segment when everything agrees. */
    private void checkAgainstData(final Segment s, final int size, final long nextSegmentBase) {
        final ByteBuffer header = BatchHeaders.newHeader();
        long nextOffset = s.baseOffset;
        long maxTimestamp = -1L;
        long offsetOfMax = -1L;
        final int entries = s.offsetIndex.entries();
        final int walkFrom = entries > 0 ? s.offsetIndex.positionAt(entries - 1) : 0;
        if (size > 0) {
            if (walkFrom > 0) {
                BatchHeaders.read(s, 0, size, s.baseOffset, header);
            }
            int position = BatchHeaders.seek(s, entries > 0 ? s.offsetIndex.offsetAt(entries - 1) : s.baseOffset,
                    size, header);
            while (true) {
                nextOffset = BatchHeaders.lastOffset(header) + 1;
                if (BatchHeaders.maxTimestamp(header) > maxTimestamp) {
                    maxTimestamp = BatchHeaders.maxTimestamp(header);
                    offsetOfMax = nextOffset - 1;
                }
                position += BatchHeaders.size(header);
                if (position == size) {
                    break;
                }
                BatchHeaders.read(s, position, size, nextOffset, header);
            }
        }
        if (nextSegmentBase >= 0 && nextOffset != nextSegmentBase) {
            throw new CorruptRecordException(s.dataFile, size, "the segment's batches end at offset " + nextOffset
                    + " but the next segment starts at " + nextSegmentBase);
        }
        if (s.timeIndex.entries() > 0) {
            // Sealing (on roll and on close) leaves the segment's max timestamp as the last entry.
            final long indexedTs = s.timeIndex.lastTimestamp();
            final long indexedOffset = s.timeIndex.lastOffset();
            if (maxTimestamp > indexedTs) {
                throw new CorruptIndexException(s.timeIndex.file(), "last entry has timestamp " + indexedTs
                        + " but batch ending at offset " + offsetOfMax + " has " + maxTimestamp);
            }
            if (indexedOffset >= nextOffset) {
                throw new CorruptIndexException(s.timeIndex.file(), "last entry names offset " + indexedOffset
                        + " but the segment ends at " + nextOffset);
            }
            final int at = BatchHeaders.seek(s, indexedOffset, size, header);
            if (BatchHeaders.lastOffset(header) != indexedOffset || BatchHeaders.maxTimestamp(header) != indexedTs) {
                throw new CorruptIndexException(s.timeIndex.file(), "last entry (timestamp " + indexedTs + ", offset "
                        + indexedOffset + ") but the batch holding that offset at position " + at + " is ["
                        + BatchHeaders.baseOffset(header) + ", " + BatchHeaders.lastOffset(header)
                        + "] with max timestamp " + BatchHeaders.maxTimestamp(header));
            }
            maxTimestamp = indexedTs;
            offsetOfMax = indexedOffset;
        } else if (size > 0 && largestTimestampByHeaders(s, size, header) >= 0) {
            // Sealing leaves an entry for the max timestamp whenever batches carry timestamps: this one was lost.
            throw new CorruptIndexException(s.timeIndex.file(), "empty time index for " + size
                    + " bytes of timestamped data");
        }
        s.bytesSinceLastIndexEntry = size - walkFrom;
        s.publish(size, nextOffset, maxTimestamp, offsetOfMax);
    }

    /** The largest batch max timestamp in the segment, from checked batch headers only (-1 when none has one). */
    private static long largestTimestampByHeaders(final Segment s, final int size, final ByteBuffer header) {
        long max = -1L;
        long next = s.baseOffset;
        for (int position = 0; position < size; ) {
            position += BatchHeaders.read(s, position, size, next, header);
            max = Math.max(max, BatchHeaders.maxTimestamp(header));
            next = BatchHeaders.lastOffset(header) + 1;
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
                batch.wrap(bytes, 0).validate(size, crc, s.dataFile);
            } catch (CorruptRecordException e) {
                problem = e.reason();
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
                throw new CorruptRecordException(s.dataFile, position, problem);
            }
        }
        s.publish(position, expected, maxTimestamp, offsetOfMax);
        setRollingTimestamp(s);
        // A truncation that ended on zeros past the written data is not a loss; anything else ended the log here.
        return problem == null || problem.startsWith("end of written data");
    }

    private void setRollingTimestamp(final Segment s) {
        if (s.size < RecordBatchLayout.HEADER_SIZE) {
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
}
