package io.sediment.fuzz;

import org.apache.kafka.common.protocol.ApiKeys;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Damages one framed request ({@link FrameTemplates.Template}) in one of the ways {@link Mutation} lists. Every
 * mutation except {@link Mutation#SIZE_FIELD} and {@link Mutation#HUGE_SIZE} keeps the 4-byte size equal to what
 * follows, so the damage reaches the header and body parsers rather than only the framing.
 *
 * <p>Threading: one thread (it owns a {@link Random}).
 */
final class FrameMutator {
    /** How a frame is damaged. */
    enum Mutation {
        /** Sent as built: the control group, and what keeps connections going in pipelines. */
        NONE,
        /** 1–8 bits flipped, mostly in the body. */
        BIT_FLIP,
        /** 1–3 bits flipped in the request header (API key, version, correlation id, client id, tags). */
        HEADER_FLIP,
        /** 1, 2, 4 or 8 bytes overwritten with a boundary value (0, -1, MAX, MIN, ...): lengths and counts. */
        INTERESTING_VALUE,
        /** 1–16 bytes inserted or deleted. */
        INSERT_DELETE,
        /** The body cut short (size rewritten to match). */
        TRUNCATE_BODY,
        /** A valid header followed by 0–512 random bytes. */
        GARBAGE_BODY,
        /** 1–64 random bytes after a valid body. */
        TRAILING_GARBAGE,
        /** The size field off by a little, zero, or random below the limit: framing desynchronises. */
        SIZE_FIELD,
        /** The size field negative, above {@code socket.request.max.bytes}, or just below it with no bytes sent. */
        HUGE_SIZE,
        /** The API key replaced: another advertised API, a known one not offered, or any short. */
        API_KEY,
        /** The version replaced: just outside the range, another version of the range, or any small number. */
        VERSION,
        /** A size of 0–300 and that many random bytes: no structure at all. */
        RANDOM_BYTES
    }

    private static final Mutation[] KINDS = Mutation.values();
    private static final long[] INTERESTING = {0, 1, -1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, Integer.MAX_VALUE,
            Integer.MIN_VALUE, 0xffffffffL, Long.MAX_VALUE, Long.MIN_VALUE, 16, 64, 1000, 1 << 20};

    private final Random random;
    private final int maxRequestBytes;
    private final List<ApiKeys> advertised;
    private final java.util.Map<ApiKeys, short[]> ranges;

    FrameMutator(final Random random, final int maxRequestBytes, final java.util.Map<ApiKeys, short[]> ranges,
                 final List<ApiKeys> advertised) {
        this.random = random;
        this.maxRequestBytes = maxRequestBytes;
        this.ranges = ranges;
        this.advertised = advertised;
    }

    /** A mutation kind: about 4 % {@link Mutation#NONE}, the rest uniform. */
    Mutation pick() {
        return random.nextInt(25) == 0 ? Mutation.NONE : KINDS[1 + random.nextInt(KINDS.length - 1)];
    }

    byte[] apply(final Mutation m, final FrameTemplates.Template t) {
        final byte[] b = t.bytes().clone();
        final int bodyStart = t.headerEnd();
        return switch (m) {
            case NONE -> b;
            case BIT_FLIP -> {
                final int flips = 1 + random.nextInt(8);
                for (int i = 0; i < flips; i++) {
                    final int pos = bodyStart < b.length && random.nextInt(5) != 0
                            ? bodyStart + random.nextInt(b.length - bodyStart) : 4 + random.nextInt(b.length - 4);
                    b[pos] ^= (byte) (1 << random.nextInt(8));
                }
                yield b;
            }
            case HEADER_FLIP -> {
                final int flips = 1 + random.nextInt(3);
                for (int i = 0; i < flips; i++) {
                    b[4 + random.nextInt(bodyStart - 4)] ^= (byte) (1 << random.nextInt(8));
                }
                yield b;
            }
            case INTERESTING_VALUE -> {
                final int width = 1 << random.nextInt(4);
                if (b.length - 4 < width) {
                    yield b;
                }
                final int pos = 4 + random.nextInt(b.length - 4 - width + 1);
                final long v = INTERESTING[random.nextInt(INTERESTING.length)];
                for (int i = 0; i < width; i++) {
                    b[pos + i] = (byte) (v >>> (8 * (width - 1 - i)));
                }
                yield b;
            }
            case INSERT_DELETE -> {
                final int pos = 4 + random.nextInt(b.length - 4 + 1);
                final int n = 1 + random.nextInt(16);
                final byte[] out;
                if (random.nextBoolean() || pos == b.length) {
                    final byte[] ins = bytes(n);
                    out = new byte[b.length + n];
                    System.arraycopy(b, 0, out, 0, pos);
                    System.arraycopy(ins, 0, out, pos, n);
                    System.arraycopy(b, pos, out, pos + n, b.length - pos);
                } else {
                    final int del = Math.min(n, b.length - pos);
                    out = new byte[b.length - del];
                    System.arraycopy(b, 0, out, 0, pos);
                    System.arraycopy(b, pos + del, out, pos, b.length - pos - del);
                }
                yield fixSize(out);
            }
            case TRUNCATE_BODY -> fixSize(Arrays.copyOf(b, 4 + random.nextInt(b.length - 4)));
            case GARBAGE_BODY -> {
                final byte[] garbage = bytes(random.nextInt(513));
                final byte[] out = Arrays.copyOf(b, bodyStart + garbage.length);
                System.arraycopy(garbage, 0, out, bodyStart, garbage.length);
                yield fixSize(out);
            }
            case TRAILING_GARBAGE -> {
                final byte[] garbage = bytes(1 + random.nextInt(64));
                final byte[] out = Arrays.copyOf(b, b.length + garbage.length);
                System.arraycopy(garbage, 0, out, b.length, garbage.length);
                yield fixSize(out);
            }
            case SIZE_FIELD -> {
                final int actual = b.length - 4;
                final int size = switch (random.nextInt(4)) {
                    case 0 -> 0;
                    case 1 -> random.nextInt(Math.max(1, Math.min(maxRequestBytes, actual * 2 + 1)));
                    default -> Math.max(0, actual + (random.nextBoolean() ? 1 : -1) * (1 + random.nextInt(8)));
                };
                ByteBuffer.wrap(b).putInt(0, size);
                yield b;
            }
            case HUGE_SIZE -> {
                final int size = switch (random.nextInt(5)) {
                    case 0 -> maxRequestBytes + 1 + random.nextInt(1000);
                    case 1 -> Integer.MAX_VALUE;
                    case 2 -> -1 - random.nextInt(Integer.MAX_VALUE);
                    case 3 -> Integer.MIN_VALUE;
                    default -> maxRequestBytes - random.nextInt(maxRequestBytes / 2); // allowed, never completed
                };
                ByteBuffer.wrap(b).putInt(0, size);
                yield b;
            }
            case API_KEY -> {
                final short key = switch (random.nextInt(3)) {
                    case 0 -> advertised.get(random.nextInt(advertised.size())).id;
                    case 1 -> ApiKeys.values()[random.nextInt(ApiKeys.values().length)].id;
                    default -> (short) random.nextInt(1 << 16);
                };
                ByteBuffer.wrap(b).putShort(4, key);
                yield b;
            }
            case VERSION -> {
                final short[] r = ranges.get(t.key());
                final int v = switch (random.nextInt(4)) {
                    case 0 -> r[1] + 1 + random.nextInt(3);
                    case 1 -> r[0] - 1 - random.nextInt(2);
                    case 2 -> r[0] + random.nextInt(r[1] - r[0] + 1);
                    default -> random.nextInt(1 << 16) - (1 << 15);
                };
                ByteBuffer.wrap(b).putShort(6, (short) v);
                yield b;
            }
            case RANDOM_BYTES -> {
                final byte[] junk = bytes(random.nextInt(301));
                final byte[] out = new byte[4 + junk.length];
                ByteBuffer.wrap(out).putInt(junk.length).put(junk);
                yield out;
            }
        };
    }

    private byte[] bytes(final int n) {
        final byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private static byte[] fixSize(final byte[] b) {
        ByteBuffer.wrap(b).putInt(0, b.length - 4);
        return b;
    }
}
