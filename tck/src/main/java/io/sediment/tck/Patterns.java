package io.sediment.tck;

import java.nio.ByteBuffer;

/**
 * Test bytes that can be checked anywhere without keeping a copy: the byte at segment position {@code p} written
 * under {@code seed} is a function of both, so a reader that knows only a range can verify it, and bytes written
 * under another seed (a stale or misplaced copy) do not match.
 *
 * <p>Threading: stateless; safe from any thread.
 */
final class Patterns {
    private Patterns() {
    }

    /** The byte a writer using {@code seed} puts at {@code position}. */
    static byte at(final long seed, final long position) {
        long x = position * 0x9E3779B97F4A7C15L + seed;
        x ^= x >>> 29;
        x *= 0xBF58476D1CE4E5B9L;
        return (byte) (x ^ (x >>> 32));
    }

    /** The bytes {@code [position, position + length)} under {@code seed}. */
    static byte[] range(final long seed, final long position, final int length) {
        final byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = at(seed, position + i);
        }
        return bytes;
    }

    /** Fills {@code dst}'s remaining bytes with the pattern starting at {@code position}, leaving it flipped. */
    static ByteBuffer fill(final ByteBuffer dst, final long seed, final long position) {
        final int start = dst.position();
        for (int i = start; i < dst.limit(); i++) {
            dst.put(i, at(seed, position + i - start));
        }
        return dst;
    }

    /** The index of the first byte of {@code buf}'s remaining bytes that differs from the pattern, or -1. */
    static int firstMismatch(final ByteBuffer buf, final long seed, final long position) {
        final int start = buf.position();
        for (int i = start; i < buf.limit(); i++) {
            if (buf.get(i) != at(seed, position + i - start)) {
                return i - start;
            }
        }
        return -1;
    }
}
