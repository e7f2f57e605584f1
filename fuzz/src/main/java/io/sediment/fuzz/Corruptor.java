package io.sediment.fuzz;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;

/**
 * Damages one file the way disks, file systems and careless operators do: flipped bits, a zeroed range, a
 * truncation, garbage appended, a range overwritten with garbage; for a marker file also its removal or its
 * appearance. Positions favour the first 64 bytes and the last 64 bytes of a file a third of the time, where
 * headers, lengths and the tail a recovery looks at live.
 *
 * <p>Stateless apart from the random source; one per thread.
 */
public final class Corruptor {
    /** The kinds of damage. */
    public enum Fault { BIT_FLIP, ZERO_RANGE, TRUNCATE, EXTEND_GARBAGE, OVERWRITE_GARBAGE, DELETE, CREATE_GARBAGE }

    private final SplittableRandom random;

    public Corruptor(final SplittableRandom random) {
        this.random = random;
    }

    /** A fault that applies to {@code file} (which may not exist: then only {@link Fault#CREATE_GARBAGE}). */
    public Fault pick(final Path file, final boolean mayDelete) throws IOException {
        if (!Files.exists(file)) {
            return Fault.CREATE_GARBAGE;
        }
        final long size = Files.size(file);
        if (size == 0) {
            return mayDelete && random.nextBoolean() ? Fault.DELETE : Fault.EXTEND_GARBAGE;
        }
        if (mayDelete && random.nextInt(8) == 0) {
            return Fault.DELETE;
        }
        return switch (random.nextInt(10)) {
            case 0, 1, 2, 3 -> Fault.BIT_FLIP;
            case 4, 5 -> Fault.ZERO_RANGE;
            case 6, 7 -> Fault.TRUNCATE;
            case 8 -> Fault.EXTEND_GARBAGE;
            default -> Fault.OVERWRITE_GARBAGE;
        };
    }

    /** Applies {@code fault} to {@code file}; returns what it did, for the report. */
    public String apply(final Path file, final Fault fault) throws IOException {
        switch (fault) {
            case DELETE -> {
                Files.delete(file);
                return "deleted";
            }
            case CREATE_GARBAGE -> {
                final byte[] g = garbage(random.nextInt(4) == 0 ? 0 : 1 + random.nextInt(64));
                Files.write(file, g);
                return "created with " + g.length + " garbage bytes";
            }
            default -> {
                // fall through to the in-place faults
            }
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            final long size = ch.size();
            switch (fault) {
                case BIT_FLIP -> {
                    final int bits = 1 + (random.nextInt(3) == 0 ? random.nextInt(8) : 0);
                    final StringBuilder what = new StringBuilder("flipped");
                    for (int i = 0; i < bits; i++) {
                        final long pos = position(size);
                        final ByteBuffer b = ByteBuffer.allocate(1);
                        ch.read(b, pos);
                        final int bit = random.nextInt(8);
                        b.put(0, (byte) (b.get(0) ^ (1 << bit)));
                        b.rewind();
                        ch.write(b, pos);
                        what.append(" bit ").append(bit).append('@').append(pos);
                    }
                    return what.toString();
                }
                case ZERO_RANGE -> {
                    final long pos = position(size);
                    final int len = (int) Math.min(size - pos, 1 + random.nextInt(random.nextBoolean() ? 16 : 4096));
                    ch.write(ByteBuffer.allocate(len), pos);
                    return "zeroed [" + pos + ", " + (pos + len) + ") of " + size;
                }
                case TRUNCATE -> {
                    final long to = position(size);
                    ch.truncate(to);
                    return "truncated " + size + " -> " + to;
                }
                case EXTEND_GARBAGE -> {
                    final byte[] g = garbage(1 + random.nextInt(random.nextBoolean() ? 64 : 4096));
                    ch.write(ByteBuffer.wrap(g), size);
                    return "extended " + size + " by " + g.length + " garbage bytes";
                }
                case OVERWRITE_GARBAGE -> {
                    final long pos = position(size);
                    final int len = (int) Math.min(size - pos, 1 + random.nextInt(random.nextBoolean() ? 16 : 1024));
                    ch.write(ByteBuffer.wrap(garbage(len)), pos);
                    return "garbage over [" + pos + ", " + (pos + len) + ") of " + size;
                }
                default -> throw new IllegalArgumentException(fault.toString());
            }
        }
    }

    private long position(final long size) {
        if (size <= 1) {
            return 0;
        }
        return switch (random.nextInt(6)) {
            case 0 -> random.nextLong(Math.min(64, size));
            case 1 -> size - 1 - random.nextLong(Math.min(64, size));
            default -> random.nextLong(size);
        };
    }

    private byte[] garbage(final int n) {
        final byte[] g = new byte[n];
        for (int i = 0; i < n; i++) {
            g[i] = (byte) random.nextInt(256);
        }
        return g;
    }
}
