package io.sediment.broker;

import io.sediment.api.Log;
import io.sediment.api.LogConfig;
import io.sediment.api.LogSlice;
import io.sediment.api.StorageException;
import io.sediment.api.record.RecordBatch;
import io.sediment.api.record.RecordBatchBuilder;
import io.sediment.api.record.RecordCursor;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The internal topic {@code __consumer_offsets}: where committed offsets and group metadata are stored, as records
 * in the engine, in Kafka's layouts ({@link ConsumerOffsetsRecords}). A group lives in partition
 * {@code Utils.abs(groupId.hashCode()) % partitions}, as in Kafka.
 *
 * <p>The topic is created, with {@code offsets.topic.num.partitions} partitions, by the first group request (as
 * Kafka creates it on the first FindCoordinator), so a broker that never sees a group keeps no such logs. It is a
 * normal topic of the {@link TopicCatalog} (Metadata reports it internal because its name starts with {@code __}),
 * with {@code retention.ms=-1}: the engine has no log compaction, so time retention must never remove live offsets.
 * Instead the coordinator rewrites a partition's live state at its end and moves the log start offset past the old
 * records ({@link #rewrite}); whole segments below it are then removed by the engine's retention pass.
 *
 * <p>Durability: {@link #append} flushes the log before returning, so a commit that was answered survives kill -9
 * and power loss alike (Kafka answers acks=-1 once replicas have it; one node has only its disk).
 *
 * <p>Threading: {@link #append} may be called from any thread (the log serialises writers); callers that need an
 * order between records of one group hold that group's lock. {@link #replay} runs once, before any request.
 */
final class ConsumerOffsetsStore {
    private static final Logger LOG = LoggerFactory.getLogger(ConsumerOffsetsStore.class);
    static final String TOPIC = "__consumer_offsets";
    /** Batches written by {@link #rewrite} stay under Kafka's default {@code max.message.bytes}. */
    private static final int MAX_BATCH_BYTES = 512 * 1024;

    /** A record read back: its key and value (null for a tombstone). */
    interface Visitor {
        void record(int partition, ByteBuffer key, ByteBuffer value);
    }

    private final TopicCatalog catalog;
    private final GroupConfig config;
    private volatile int partitions;

    ConsumerOffsetsStore(final TopicCatalog catalog, final GroupConfig config) {
        this.catalog = catalog;
        this.config = config;
        this.partitions = catalog.topic(TOPIC).map(TopicCatalog.Topic::partitions).orElse(config.offsetsTopicPartitions());
    }

    /** Partitions of the topic (its real count once it exists). */
    int partitions() {
        return partitions;
    }

    /** The partition that holds {@code groupId}'s records. */
    int partitionFor(final String groupId) {
        return Utils.abs(groupId.hashCode()) % partitions;
    }

    boolean exists() {
        return catalog.topic(TOPIC).isPresent();
    }

    /** Creates the topic if it does not exist yet. Idempotent and safe from several threads. */
    void ensureTopic() {
        if (exists()) {
            return;
        }
        synchronized (this) {
            if (exists()) {
                return;
            }
            final long started = System.nanoTime();
            try {
                catalog.create(TOPIC, config.offsetsTopicPartitions(), Map.of(
                        LogConfig.RETENTION_MS, "-1",
                        LogConfig.RETENTION_BYTES, "-1",
                        LogConfig.SEGMENT_BYTES, String.valueOf(config.offsetsTopicSegmentBytes())));
            } catch (org.apache.kafka.common.errors.TopicExistsException raced) {
                // created by a CreateTopics request in between: use it as it is
            }
            partitions = catalog.topic(TOPIC).orElseThrow().partitions();
            LOG.info("created {} with {} partitions in {} ms", TOPIC, partitions, (System.nanoTime() - started) / 1_000_000);
        }
    }

    private Log log(final int partition) {
        ensureTopic();
        return catalog.log(TOPIC, partition).orElseThrow(() ->
                new StorageException(TOPIC + "-" + partition, "the consumer offsets log is missing"));
    }

    /**
     * Appends {@code records} ({@code {key, value}} pairs, value null for a tombstone) to one partition as one batch
     * (all or nothing, as Kafka writes one commit request) and flushes it.
     *
     * @return the offset of the first record
     */
    long append(final int partition, final List<byte[][]> records, final long now) {
        final RecordBatchBuilder builder = new RecordBatchBuilder();
        for (byte[][] kv : records) {
            builder.append(now, kv[0], kv[1]);
        }
        final Log log = log(partition);
        final long first = log.append(builder.build()).firstOffset();
        log.flush();
        return first;
    }

    /**
     * Appends a partition's whole live state ({@code records}) in as many batches as it takes, flushes, and then moves
     * the log start offset to the first of them: the records before it are superseded. A crash in between leaves the
     * old records readable, and replaying old and new records gives the same state.
     */
    void rewrite(final int partition, final List<byte[][]> records, final long now) {
        final Log log = log(partition);
        final long start = log.logEndOffset();
        final RecordBatchBuilder builder = new RecordBatchBuilder();
        for (byte[][] kv : records) {
            builder.append(now, kv[0], kv[1]);
            if (builder.sizeInBytes() >= MAX_BATCH_BYTES) {
                log.append(builder.build());
                builder.clear();
            }
        }
        if (!builder.isEmpty()) {
            log.append(builder.build());
        }
        log.flush();
        log.deleteRecordsBefore(start);
        LOG.info("rewrote {}-{}: {} live records from offset {}", TOPIC, partition, records.size(), start);
    }

    /** Records in a partition from its log start offset to its end, for deciding when to {@link #rewrite}. */
    long recordCount(final int partition) {
        final Optional<Log> log = catalog.log(TOPIC, partition);
        return log.map(l -> l.logEndOffset() - l.logStartOffset()).orElse(0L);
    }

    /** Reads every record of every partition, in log order per partition. Does nothing when the topic does not exist. */
    void replay(final Visitor visitor) {
        if (!exists()) {
            return;
        }
        final RecordBatch batch = new RecordBatch();
        final RecordCursor cursor = new RecordCursor();
        for (int p = 0; p < partitions; p++) {
            final Optional<Log> maybe = catalog.log(TOPIC, p);
            if (maybe.isEmpty()) {
                continue;
            }
            final Log log = maybe.get();
            long next = log.logStartOffset();
            final long end = log.logEndOffset();
            while (next < end) {
                try (LogSlice slice = log.read(next, 1024 * 1024)) {
                    if (slice.isEmpty()) {
                        break;
                    }
                    final ByteBuffer buf = slice.buffer();
                    int pos = 0;
                    while (pos < slice.sizeInBytes()) {
                        batch.wrap(buf, pos);
                        if (!batch.isCompressed() && !batch.isControlBatch()) {
                            cursor.reset(batch, TOPIC + "-" + p);
                            while (cursor.next()) {
                                if (cursor.offset() >= next && cursor.hasKey()) {
                                    visitor.record(p, cursor.keyBuffer(), cursor.hasValue() ? cursor.valueBuffer() : null);
                                }
                            }
                        } else {
                            LOG.warn("skipping a compressed or control batch at offset {} of {}-{}", batch.baseOffset(), TOPIC, p);
                        }
                        pos += batch.sizeInBytes();
                    }
                    next = slice.nextOffset();
                }
            }
        }
    }
}
