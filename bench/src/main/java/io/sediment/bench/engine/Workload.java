package io.sediment.bench.engine;

import io.sediment.bench.SampleBatch;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The data every peer stores: one v2 record batch of {@code recordsPerBatch} records with 16-byte keys and
 * {@code recordSize}-byte random values ({@link SampleBatch}), appended again and again, and the same records as
 * plain payloads (key then value) for the peer that has no batches, Chronicle Queue.
 *
 * <p>The payloads are cut out of the batch bytes with Kafka's own record parser, so "the same data" is literal.
 * {@link #stamp(long)} rewrites the batch's timestamps (and its CRC) so that a filled log has increasing timestamps
 * to search; appends in the timed loops never restamp.
 */
final class Workload {
    /** Batch header fields ({@code DefaultRecordBatch}'s layout). */
    private static final int CRC_OFFSET = 17;
    private static final int ATTRIBUTES_OFFSET = 21;
    private static final int BASE_TIMESTAMP_OFFSET = 27;
    private static final int MAX_TIMESTAMP_OFFSET = 35;

    final int recordSize;
    final int recordsPerBatch;
    final int batchBytes;
    private final ByteBuffer batch;
    private final byte[][] payloads;
    private final CRC32C crc = new CRC32C();

    Workload(final int recordSize, final int recordsPerBatch) {
        this.recordSize = recordSize;
        this.recordsPerBatch = recordsPerBatch;
        this.batch = SampleBatch.build(recordSize, recordsPerBatch);
        this.batchBytes = batch.remaining();
        this.payloads = new byte[recordsPerBatch][];
        int i = 0;
        for (Record r : MemoryRecords.readableRecords(batch.duplicate()).records()) {
            final byte[] p = new byte[r.keySize() + r.valueSize()];
            r.key().get(p, 0, r.keySize());
            r.value().get(p, r.keySize(), r.valueSize());
            payloads[i++] = p;
        }
        if (i != recordsPerBatch) {
            throw new IllegalStateException("batch holds " + i + " records, expected " + recordsPerBatch);
        }
    }

    /** The batch, position 0, limit its size: ready for one append (which moves the position). */
    ByteBuffer batch() {
        return batch.rewind();
    }

    /** Record {@code i} of the batch as key bytes followed by value bytes. */
    byte[] payload(final int i) {
        return payloads[i];
    }

    /** Sets every record's timestamp to {@code timestamp} (base and max timestamp, deltas are 0) and fixes the CRC. */
    void stamp(final long timestamp) {
        batch.putLong(BASE_TIMESTAMP_OFFSET, timestamp);
        batch.putLong(MAX_TIMESTAMP_OFFSET, timestamp);
        crc.reset();
        crc.update(batch.duplicate().position(ATTRIBUTES_OFFSET).limit(batchBytes));
        batch.putInt(CRC_OFFSET, (int) crc.getValue());
    }
}
