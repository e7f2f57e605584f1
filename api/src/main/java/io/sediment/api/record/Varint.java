package io.sediment.api.record;

import java.nio.ByteBuffer;

/**
 * The zigzag variable-length integer encoding of Kafka's record format (protobuf's {@code sint32}/{@code sint64}):
 * a value is zigzag-mapped ({@code 0, -1, 1, -2, ...} to {@code 0, 1, 2, 3, ...}) so small magnitudes of either sign
 * are short, then written 7 bits at a time, least significant group first, with the high bit of each byte set
 * when another byte follows.
 *
 * <pre>
 *   value 300 -> zigzag 600 = 0b100_1011000 -> bytes 0xD8 0x04
 *   value  -1 -> zigzag   1                 -> byte  0x01
 * </pre>
 *
 * An int takes 1 to {@link #MAX_VARINT_BYTES} bytes, a long 1 to {@link #MAX_VARLONG_BYTES}. Decoding accepts what
 * Kafka's decoder accepts: non-minimal encodings, and high bits of the last permitted byte that do not fit are
 * dropped; an encoding that has not ended after the maximum number of bytes is malformed.
 *
 * <p>Reading allocates nothing and never reads out of bounds: {@link #encodedLength} measures an encoding against
 * a limit (and reports a truncated or overlong one), then {@link #getVarint}/{@link #getVarlong} decode bytes that
 * are known to be there; {@link #readVarint(ByteBuffer, int, int)} does both for an int in one pass. All methods
 * use absolute indexes and leave buffer positions alone. Stateless: safe from any thread.
 */
public final class Varint {
    public static final int MAX_VARINT_BYTES = 5;
    public static final int MAX_VARLONG_BYTES = 10;

    /** {@link #encodedLength} result: the encoding runs past the limit. */
    public static final int TRUNCATED = -1;
    /** {@link #encodedLength} result: no terminating byte within the maximum length. */
    public static final int TOO_LONG = -2;

    private Varint() {
    }

    public static int zigZagEncode(final int value) {
        return (value << 1) ^ (value >> 31);
    }

    public static int zigZagDecode(final int encoded) {
        return (encoded >>> 1) ^ -(encoded & 1);
    }

    public static long zigZagEncode(final long value) {
        return (value << 1) ^ (value >> 63);
    }

    public static long zigZagDecode(final long encoded) {
        return (encoded >>> 1) ^ -(encoded & 1);
    }

    /** Bytes the encoding of {@code value} takes. */
    public static int sizeOfVarint(final int value) {
        final int v = zigZagEncode(value);
        // each byte carries 7 bits: ceil(significantBits / 7), at least 1
        final int bits = 32 - Integer.numberOfLeadingZeros(v);
        return bits == 0 ? 1 : (bits + 6) / 7;
    }

    /** Bytes the encoding of {@code value} takes. */
    public static int sizeOfVarlong(final long value) {
        final long v = zigZagEncode(value);
        final int bits = 64 - Long.numberOfLeadingZeros(v);
        return bits == 0 ? 1 : (bits + 6) / 7;
    }

    /**
     * Writes {@code value} at {@code index}.
     *
     * @return bytes written, {@link #sizeOfVarint(int)}
     * @throws IndexOutOfBoundsException when it does not fit below the buffer's limit
     */
    public static int putVarint(final ByteBuffer dst, final int index, final int value) {
        int v = zigZagEncode(value);
        int i = index;
        while ((v & ~0x7F) != 0) {
            dst.put(i++, (byte) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        dst.put(i++, (byte) v);
        return i - index;
    }

    /**
     * Writes {@code value} at {@code index}.
     *
     * @return bytes written, {@link #sizeOfVarlong(long)}
     * @throws IndexOutOfBoundsException when it does not fit below the buffer's limit
     */
    public static int putVarlong(final ByteBuffer dst, final int index, final long value) {
        long v = zigZagEncode(value);
        int i = index;
        while ((v & ~0x7FL) != 0) {
            dst.put(i++, (byte) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        dst.put(i++, (byte) v);
        return i - index;
    }

    /**
     * Measures the encoding that starts at {@code index}, reading no byte at or past {@code limit}.
     *
     * @param maxBytes {@link #MAX_VARINT_BYTES} or {@link #MAX_VARLONG_BYTES}
     * @return the encoding's length in bytes (1 to {@code maxBytes}), {@link #TRUNCATED} when it would run to or
     *         past {@code limit}, or {@link #TOO_LONG} when its first {@code maxBytes} bytes all say "more follows"
     */
    public static int encodedLength(final ByteBuffer src, final int index, final int limit, final int maxBytes) {
        for (int n = 0; n < maxBytes; n++) {
            if (index + n >= limit) {
                return TRUNCATED;
            }
            if ((src.get(index + n) & 0x80) == 0) {
                return n + 1;
            }
        }
        return TOO_LONG;
    }

    /**
     * Measures and decodes the int encoded at {@code index} in one pass, reading no byte at or past {@code limit}:
     * the fast path for walking records.
     *
     * @return {@link #TRUNCATED} or {@link #TOO_LONG} (both negative) when malformed, else a positive long packing
     *         the encoding's length and the value: take them apart with {@link #packedLength} and
     *         {@link #packedValue}
     */
    public static long readVarint(final ByteBuffer src, final int index, final int limit) {
        int raw = 0;
        for (int n = 0; n < MAX_VARINT_BYTES; n++) {
            if (index + n >= limit) {
                return TRUNCATED;
            }
            final byte b = src.get(index + n);
            // on the fifth byte (shift 28) bits that do not fit in 32 are dropped, as Kafka's decoder drops them
            raw |= (b & 0x7F) << (7 * n);
            if (b >= 0) {
                return ((long) (n + 1) << 32) | (zigZagDecode(raw) & 0xFFFFFFFFL);
            }
        }
        return TOO_LONG;
    }

    /** The encoding's length from a non-negative {@link #readVarint(ByteBuffer, int, int)} result. */
    public static int packedLength(final long packed) {
        return (int) (packed >>> 32);
    }

    /** The value from a non-negative {@link #readVarint(ByteBuffer, int, int)} result. */
    public static int packedValue(final long packed) {
        return (int) packed;
    }

    /** Decodes the int encoded at {@code index}, which {@link #encodedLength} has measured as well formed. */
    public static int getVarint(final ByteBuffer src, final int index) {
        int raw = 0;
        int shift = 0;
        int i = index;
        byte b;
        while (((b = src.get(i++)) & 0x80) != 0 && shift < 28) {
            raw |= (b & 0x7F) << shift;
            shift += 7;
        }
        raw |= (b & 0x7F) << shift;
        return zigZagDecode(raw);
    }

    /** Decodes the long encoded at {@code index}, which {@link #encodedLength} has measured as well formed. */
    public static long getVarlong(final ByteBuffer src, final int index) {
        long raw = 0;
        int shift = 0;
        int i = index;
        byte b;
        while (((b = src.get(i++)) & 0x80) != 0 && shift < 63) {
            raw |= (long) (b & 0x7F) << shift;
            shift += 7;
        }
        raw |= (long) (b & 0x7F) << shift;
        return zigZagDecode(raw);
    }
}
