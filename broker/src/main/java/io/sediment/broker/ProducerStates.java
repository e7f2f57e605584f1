package io.sediment.broker;

import io.sediment.api.Log;
import io.sediment.api.LogSlice;
import io.sediment.api.TopicPartition;
import io.sediment.api.record.RecordBatch;
import io.sediment.api.record.RecordBatchLayout;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Idempotent-producer state of every partition: for each producer id, its epoch and the sequence ranges and offsets
 * of its last {@value #RETAINED} batches, which is what Kafka keeps to suppress duplicates (a producer has at most
 * five requests in flight per partition).
 *
 * <p>Durability: the state is not written anywhere; it is rebuilt from the log itself, whose stored batch headers
 * carry producer id, epoch and base sequence. A partition's state is rebuilt on its first idempotent produce after
 * the broker starts, by scanning the batch headers (not the records) from the log start offset, so duplicates are
 * suppressed across restarts and startup stays fast. The scan reads every segment once; it is the price of not
 * keeping snapshots.
 *
 * <p>Threading: a partition's state is guarded by its {@link Partition} monitor, which a produce holds across
 * check, append and record, so two requests from one producer cannot both pass the sequence check.
 */
final class ProducerStates {
    static final int RETAINED = 5;

    /** One stored batch of a producer: sequence range and the offsets it was given. */
    record BatchMetadata(int firstSeq, int lastSeq, long firstOffset, long lastOffset) {
    }

    static final class Producer {
        short epoch;
        final ArrayDeque<BatchMetadata> batches = new ArrayDeque<>(RETAINED);

        void add(final short batchEpoch, final BatchMetadata b) {
            if (batchEpoch != epoch) {
                epoch = batchEpoch;
                batches.clear();
            }
            if (batches.size() == RETAINED) {
                batches.removeFirst();
            }
            batches.addLast(b);
        }
    }

    /** The state of one partition, loaded once. */
    static final class Partition {
        final Map<Long, Producer> producers = new HashMap<>();
        boolean loaded;

        /**
         * Checks a batch from an idempotent producer against its state: returns the stored batch it duplicates, or
         * null when it may be appended.
         *
         * @throws InvalidProducerEpochException when the epoch is older than the producer's current one
         * @throws OutOfOrderSequenceException when the sequence does not follow the last stored one
         */
        BatchMetadata check(final TopicPartition tp, final long producerId, final short epoch, final int firstSeq,
                            final int lastSeq) {
            final Producer p = producers.get(producerId);
            if (p == null) {
                // Unknown producer (new, or its batches were all removed by retention): accept any sequence, as Kafka does.
                return null;
            }
            if (epoch < p.epoch) {
                throw new InvalidProducerEpochException("Epoch of producer " + producerId + " in " + tp + " is " + epoch
                        + ", which is smaller than the last seen epoch " + p.epoch);
            }
            if (epoch > p.epoch) {
                if (firstSeq != 0) {
                    throw new OutOfOrderSequenceException("Invalid sequence number for new epoch of producer "
                            + producerId + " in partition " + tp + ": " + epoch + " (request epoch), " + firstSeq
                            + " (seq. number), " + p.epoch + " (current producer epoch)");
                }
                return null;
            }
            for (BatchMetadata b : p.batches) {
                if (b.firstSeq() == firstSeq && b.lastSeq() == lastSeq) {
                    return b;
                }
            }
            final BatchMetadata last = p.batches.peekLast();
            if (last != null && !inSequence(last.lastSeq(), firstSeq)) {
                throw new OutOfOrderSequenceException("Out of order sequence number for producer " + producerId
                        + " in partition " + tp + ": " + firstSeq + " (incoming seq. number), "
                        + last.lastSeq() + " (current end sequence number)");
            }
            return null;
        }

        void record(final long producerId, final short epoch, final BatchMetadata b) {
            producers.computeIfAbsent(producerId, k -> {
                final Producer p = new Producer();
                p.epoch = epoch;
                return p;
            }).add(epoch, b);
        }
    }

    private final ConcurrentHashMap<TopicPartition, Partition> partitions = new ConcurrentHashMap<>();

    /** The partition's state; the caller must hold its monitor and call {@link #ensureLoaded} before using it. */
    Partition partition(final TopicPartition tp) {
        return partitions.computeIfAbsent(tp, k -> new Partition());
    }

    /** Forgets a partition whose log was deleted. */
    void forget(final String topic) {
        partitions.keySet().removeIf(tp -> tp.topic().equals(topic));
    }

    /** Rebuilds the partition's state from stored batch headers if not done yet. Caller holds the monitor. */
    static void ensureLoaded(final Partition state, final Log log) {
        if (state.loaded) {
            return;
        }
        final RecordBatch batch = new RecordBatch();
        long offset = log.logStartOffset();
        final long end = log.logEndOffset();
        while (offset < end) {
            try (LogSlice slice = log.read(offset, 8 * 1024 * 1024)) {
                if (slice.isEmpty()) {
                    break;
                }
                final ByteBuffer buf = slice.buffer();
                int pos = 0;
                while (pos + RecordBatchLayout.HEADER_SIZE <= buf.limit()) {
                    batch.wrap(buf, pos);
                    final long pid = batch.producerId();
                    if (pid >= 0 && batch.baseSequence() >= 0 && !batch.isControlBatch()) {
                        state.record(pid, batch.producerEpoch(), new BatchMetadata(batch.baseSequence(),
                                batch.lastSequence(), batch.baseOffset(), batch.lastOffset()));
                    }
                    pos += batch.sizeInBytes();
                }
                if (slice.nextOffset() <= offset) {
                    break;
                }
                offset = slice.nextOffset();
            }
        }
        state.loaded = true;
    }

    static boolean inSequence(final int lastSeq, final int nextSeq) {
        return nextSeq == lastSeq + 1L || (nextSeq == 0 && lastSeq == Integer.MAX_VALUE);
    }
}
