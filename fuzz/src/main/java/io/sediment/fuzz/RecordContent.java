package io.sediment.fuzz;

import io.sediment.api.record.RecordBatchBuilder;
import io.sediment.api.record.RecordCursor;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The records every fuzz run writes, derived from a seed and the offset they land at, so a verifier can check a
 * record it reads byte for byte without having been told what was written.
 *
 * <p>Record at offset {@code o}, appended at wall-clock time {@code ts}:
 * <pre>
 *   timestamp = ts
 *   key       = o as 8 big-endian bytes
 *   value     = o (8 bytes) | ts (8 bytes) | n filler bytes from a PRNG seeded with (seed, o, ts)
 *               where n = mix(seed, o) mod 241
 * </pre>
 * Since the value repeats the timestamp and the filler depends on it, a record is self-describing: any bit that
 * differs from what was written (in the key, value or timestamp) makes {@link #check} fail, whatever the CRC says.
 *
 * <p>Stateless; any thread.
 */
public final class RecordContent {
    static final int MAX_FILLER = 241;

    private RecordContent() {
    }

    /** One batch of {@code count} records meant for offsets {@code firstOffset..}, all with timestamp {@code ts}. */
    public static ByteBuffer batch(final long seed, final long firstOffset, final int count, final long ts) {
        final RecordBatchBuilder builder = new RecordBatchBuilder();
        for (int i = 0; i < count; i++) {
            final long offset = firstOffset + i;
            builder.append(ts, key(offset), value(seed, offset, ts));
        }
        return builder.build();
    }

    static byte[] key(final long offset) {
        return ByteBuffer.allocate(8).putLong(offset).array();
    }

    static byte[] value(final long seed, final long offset, final long ts) {
        final int n = (int) Long.remainderUnsigned(mix(seed ^ mix(offset)), MAX_FILLER);
        final ByteBuffer v = ByteBuffer.allocate(16 + n).putLong(offset).putLong(ts);
        long state = mix(seed * 31 + offset) ^ mix(ts);
        while (v.hasRemaining()) {
            state = mix(state + 0x9E3779B97F4A7C15L);
            v.put((byte) state);
        }
        return v.array();
    }

    /**
     * Checks the record under {@code cursor} (which says it is at offset {@code cursor.offset()}).
     *
     * @return null when it is exactly what was written for that offset, else what differs
     */
    public static String check(final long seed, final RecordCursor cursor) {
        final long offset = cursor.offset();
        final long ts = cursor.timestamp();
        if (!cursor.hasKey() || !Arrays.equals(cursor.keyBytes(), key(offset))) {
            return "offset " + offset + ": key is not the offset (record written for another offset?)";
        }
        if (!cursor.hasValue()) {
            return "offset " + offset + ": null value";
        }
        final byte[] value = cursor.valueBytes();
        if (!Arrays.equals(value, value(seed, offset, ts))) {
            return "offset " + offset + ": value differs from what was written at timestamp " + ts;
        }
        return null;
    }

    /** SplitMix64's finaliser: a cheap, well-spread 64-bit hash. */
    static long mix(final long x) {
        long z = x;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
