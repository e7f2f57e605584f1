package io.sediment.index;

import io.sediment.api.spi.IndexRegion;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A real in-memory {@link IndexRegion} for tests: a heap buffer plus the stored/trimmed/flushed lengths a backend
 * would keep. {@link #reopen} copies the bytes into a new region, as a restart would find them, so a test can
 * reopen after a clean close (stored = trimmed length) or after a crash (stored = the whole preallocation).
 */
public final class HeapIndexRegion implements IndexRegion {
    private final ByteBuffer buffer;
    private final int storedBytes;
    private int validBytes;
    private int flushedBytes;

    HeapIndexRegion(final int capacity) {
        this(new byte[capacity], 0);
    }

    /** A region opened over {@code bytes}, reporting {@code storedBytes} as held at open. */
    public HeapIndexRegion(final byte[] bytes, final int storedBytes) {
        if (storedBytes < 0 || storedBytes > bytes.length) {
            throw new IllegalArgumentException("stored " + storedBytes + " of " + bytes.length);
        }
        this.buffer = ByteBuffer.wrap(bytes); // big-endian, position 0
        this.storedBytes = storedBytes;
        this.validBytes = storedBytes;
        this.flushedBytes = storedBytes;
    }

    @Override
    public int storedBytes() {
        return storedBytes;
    }

    @Override
    public ByteBuffer buffer() {
        return buffer;
    }

    @Override
    public void trimTo(final int bytes) {
        if (bytes < 0 || bytes > buffer.capacity()) {
            throw new IllegalArgumentException("trim to " + bytes + " of " + buffer.capacity());
        }
        validBytes = bytes;
    }

    @Override
    public void flush(final int bytes) {
        if (bytes < 0 || bytes > buffer.capacity()) {
            throw new IllegalArgumentException("flush " + bytes + " of " + buffer.capacity());
        }
        flushedBytes = bytes;
    }

    /** Length recorded by the last {@link #trimTo}, or the stored length if never trimmed. */
    int validBytes() {
        return validBytes;
    }

    int flushedBytes() {
        return flushedBytes;
    }

    /**
     * The region a restart would open: the first {@code storedBytes} of this one's bytes, in a buffer of
     * {@code capacity} (at least {@code storedBytes}); the rest is zeros, as preallocated space reads.
     */
    HeapIndexRegion reopen(final int storedBytes, final int capacity) {
        final byte[] copy = Arrays.copyOf(Arrays.copyOf(buffer.array(), storedBytes), Math.max(capacity, storedBytes));
        return new HeapIndexRegion(copy, storedBytes);
    }

    /** The region a restart after a crash would open: every byte of the preallocation reported as stored. */
    HeapIndexRegion reopenAfterCrash() {
        final byte[] copy = buffer.array().clone();
        return new HeapIndexRegion(copy, copy.length);
    }
}
