package io.sediment.bench;

import io.sediment.api.record.RecordBatchBuilder;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;

/**
 * The one record batch every benchmark appends: {@code recordsPerBatch} records with a 16-byte key and a
 * {@code recordSize}-byte value of seeded random bytes, uncompressed, built once with {@link RecordBatchBuilder}.
 *
 * <p>Benchmarks append the same buffer again and again: {@code Log.append} rewrites only {@code baseOffset}, which
 * the CRC does not cover, so the batch stays valid. Call {@link ByteBuffer#rewind()} before each append, because an
 * append moves the position to the limit. Values are random so that nothing downstream (a compressing file system,
 * zero-page tricks) can make the copy cheaper than it is.
 */
public final class SampleBatch {
    public static final int KEY_SIZE = 16;

    private SampleBatch() {
    }

    /** A heap buffer holding one v2 batch, position 0, limit its size. */
    public static ByteBuffer build(final int recordSize, final int recordsPerBatch) {
        if (recordSize < 0 || recordsPerBatch < 1) {
            throw new IllegalArgumentException("recordSize " + recordSize + " and recordsPerBatch " + recordsPerBatch
                    + " must be >= 0 and >= 1");
        }
        final SplittableRandom random = new SplittableRandom(42);
        final RecordBatchBuilder builder = new RecordBatchBuilder();
        final long timestamp = System.currentTimeMillis();
        for (int i = 0; i < recordsPerBatch; i++) {
            final byte[] key = new byte[KEY_SIZE];
            final byte[] value = new byte[recordSize];
            random.nextBytes(key);
            random.nextBytes(value);
            builder.append(timestamp, key, value);
        }
        return builder.build();
    }
}
