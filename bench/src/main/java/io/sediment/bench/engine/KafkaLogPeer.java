package io.sediment.bench.engine;

import io.sediment.bench.RandomReadBenchmark;
import io.sediment.bench.ScratchDirectory;
import org.apache.kafka.common.record.internal.FileRecords;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.server.storage.log.FetchIsolation;
import org.apache.kafka.server.util.Scheduler;
import org.apache.kafka.storage.internals.log.FetchDataInfo;
import org.apache.kafka.storage.internals.log.LogConfig;
import org.apache.kafka.storage.internals.log.LogDirFailureChannel;
import org.apache.kafka.storage.internals.log.LogSegment;
import org.apache.kafka.storage.internals.log.ProducerStateManagerConfig;
import org.apache.kafka.storage.internals.log.UnifiedLog;
import org.apache.kafka.storage.log.metrics.BrokerTopicStats;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Delayed;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Apache Kafka's own log layer ({@code org.apache.kafka:kafka-storage}): a {@link UnifiedLog} in a fresh
 * {@code bench-0} directory, driven through the calls a partition leader makes.
 *
 * <ul>
 *   <li>Append: {@link UnifiedLog#appendAsLeader(MemoryRecords, int)} of {@link MemoryRecords#readableRecords} over
 *       the same v2 batch bytes Sediment appends. That is the path a produce request takes on a leader, and the one
 *       comparable to {@code Log.append}: it validates the batch (size, magic, CRC, each record's offsets and
 *       timestamps), assigns offsets in place, appends to the active {@link LogSegment} (a {@code FileChannel}
 *       write into the page cache), adds sparse index entries and advances the log end offset. {@code LogSegment}
 *       alone would skip validation and offset assignment, which Sediment does not skip.</li>
 *   <li>Reads: {@link UnifiedLog#read} with {@link FetchIsolation#LOG_END} (what a follower or an embedder would
 *       see), {@code minOneMessage} true. A located read returns a {@link FileRecords} slice untouched; a sequential
 *       read copies the slice into a direct buffer with {@link FileRecords#readInto} (Kafka hands readers a file
 *       region, not memory) and sums the complete batches in it.</li>
 *   <li>Time: {@link UnifiedLog#fetchOffsetByTimestamp}. Recovery: {@link UnifiedLog#create} with
 *       {@code lastShutdownClean = false} and recovery point 0, as a broker opens a log after a crash.</li>
 * </ul>
 *
 * <p>Page cache only, as Sediment: {@code flush.messages}/{@code flush.ms} are at Kafka's defaults (never), and the
 * {@link Scheduler} handed to the log never runs what is scheduled on it, because the one task that matters here is
 * the {@code flush-log} (an fsync of the previous segment) that Kafka schedules on every roll, and Sediment does
 * not fsync on roll. {@link #halt()} closes the segments' file channels without flushing.
 */
final class KafkaLogPeer implements Peer {
    private static final int LEADER_EPOCH = 0;
    private static final int MAX_TRANSACTION_TIMEOUT_MS = 900_000;
    private static final int PRODUCER_ID_EXPIRATION_MS = 86_400_000;
    private static final int PRODUCER_ID_EXPIRATION_CHECK_MS = 600_000;

    private final ScratchDirectory root;
    private final File directory;
    private final LogConfig config;
    private final BrokerTopicStats stats = new BrokerTopicStats();
    private UnifiedLog log;
    private ByteBuffer readBuffer = ByteBuffer.allocateDirect(1 << 20);
    private long nextOffset;
    private long checksum;

    KafkaLogPeer(final int segmentBytes, final int largestBatch) {
        this.root = ScratchDirectory.create("kafka-bench-");
        this.directory = root.path().resolve("bench-0").toFile();
        this.config = new LogConfig(Map.of(
                "segment.bytes", segmentBytes,
                "max.message.bytes", Math.max(1_048_588, largestBatch)));
        try {
            this.log = open(true);
        } catch (RuntimeException e) {
            root.close();
            throw e;
        }
    }

    private UnifiedLog open(final boolean cleanShutdown) {
        try {
            return UnifiedLog.create(directory, config, 0L, 0L, NeverScheduler.INSTANCE, stats, Time.SYSTEM,
                    MAX_TRANSACTION_TIMEOUT_MS, new ProducerStateManagerConfig(PRODUCER_ID_EXPIRATION_MS, false),
                    PRODUCER_ID_EXPIRATION_CHECK_MS, new LogDirFailureChannel(1), cleanShutdown, Optional.empty());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open Kafka's log in " + directory, e);
        }
    }

    @Override
    public void append(final Workload workload) {
        final ByteBuffer batch = workload.batch();
        // Kafka's leader path insists on baseOffset 0, as a producer sends it; the previous append rewrote it in place.
        batch.putLong(0, 0L);
        try {
            log.appendAsLeader(MemoryRecords.readableRecords(batch), LEADER_EPOCH);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private FetchDataInfo read(final long offset, final int maxBytes) {
        try {
            return log.read(offset, maxBytes, FetchIsolation.LOG_END, true);
        } catch (IOException e) {
            throw new UncheckedIOException("read at " + offset, e);
        }
    }

    @Override
    public int locate(final long offset, final int maxBytes) {
        return read(offset, maxBytes).records.sizeInBytes();
    }

    @Override
    public int readNext(final int maxBytes) {
        if (nextOffset >= log.logEndOffset()) {
            nextOffset = log.logStartOffset();
        }
        final FileRecords records = (FileRecords) read(nextOffset, maxBytes).records;
        final int size = records.sizeInBytes();
        if (readBuffer.capacity() < size) {
            readBuffer = ByteBuffer.allocateDirect(size);
        }
        readBuffer.clear().limit(size);
        try {
            records.readInto(readBuffer, 0);
        } catch (IOException e) {
            throw new UncheckedIOException("read at " + nextOffset, e);
        }
        // Kafka cuts the slice at maxBytes, mid-batch; a consumer uses the complete batches and asks again after them.
        int complete = 0;
        long next = nextOffset;
        while (complete + BatchHeader.LOG_OVERHEAD <= size) {
            final int end = complete + BatchHeader.LOG_OVERHEAD + readBuffer.getInt(complete + BatchHeader.LENGTH_OFFSET);
            if (end > size) {
                break;
            }
            next = BatchHeader.nextOffset(readBuffer, complete);
            complete = end;
        }
        checksum += RandomReadBenchmark.sumOfWords(readBuffer, 0, complete);
        nextOffset = next;
        return complete;
    }

    @Override
    public long checksum() {
        return checksum;
    }

    @Override
    public long offsetForTimestamp(final long timestamp) {
        final Optional<FileRecords.TimestampAndOffset> found =
                log.fetchOffsetByTimestamp(timestamp, Optional.empty()).timestampAndOffsetOpt();
        return found.isPresent() ? found.get().offset : -1;
    }

    @Override
    public void halt() {
        if (log != null) {
            // As a killed broker leaves them: data files closed without force(); index mappings are dropped to the
            // garbage collector, and recovery rebuilds the indexes anyway.
            try {
                for (LogSegment segment : log.logSegments()) {
                    segment.log().channel().close();
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot release " + directory, e);
            } finally {
                log = null;
            }
        }
    }

    @Override
    public long recover() {
        if (log != null) {
            throw new IllegalStateException("recover() after halt() only");
        }
        log = open(false);
        return log.logEndOffset();
    }

    @Override
    public void close() {
        try {
            halt();
            stats.close();
        } finally {
            root.close();
        }
    }

    /**
     * A {@link Scheduler} that accepts tasks and never runs them (see the class comment): the futures it returns are
     * never done and cancel without complaint, which is all {@link UnifiedLog} asks of them.
     */
    private enum NeverScheduler implements Scheduler {
        INSTANCE;

        @Override
        public void startup() {
        }

        @Override
        public void shutdown() {
        }

        @Override
        public ScheduledFuture<?> schedule(final String name, final Runnable task, final long delayMs,
                                           final long periodMs) {
            return NeverFuture.INSTANCE;
        }

        @Override
        public void resizeThreadPool(final int threads) {
        }
    }

    private static final class NeverFuture implements ScheduledFuture<Object> {
        static final NeverFuture INSTANCE = new NeverFuture();

        @Override
        public long getDelay(final TimeUnit unit) {
            return Long.MAX_VALUE;
        }

        @Override
        public int compareTo(final Delayed other) {
            return Long.compare(getDelay(TimeUnit.NANOSECONDS), other.getDelay(TimeUnit.NANOSECONDS));
        }

        @Override
        public boolean cancel(final boolean mayInterruptIfRunning) {
            return true;
        }

        @Override
        public boolean isCancelled() {
            return false;
        }

        @Override
        public boolean isDone() {
            return false;
        }

        @Override
        public Object get() {
            throw new UnsupportedOperationException("never runs");
        }

        @Override
        public Object get(final long timeout, final TimeUnit unit) {
            throw new UnsupportedOperationException("never runs");
        }
    }
}
