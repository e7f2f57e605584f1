package io.sediment.api.spi;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;

/**
 * A segment's append-only data bytes. The engine decides what they mean.
 *
 * <p>After an unclean shutdown {@link #size()} may count bytes past the last complete write (a preallocated
 * file's zeros, a torn tail); the engine's recovery finds the valid end and calls {@link #truncateTo}.
 *
 * <p>Interrupts: a thread's interrupt affects only that thread (a {@code FileChannel} shared by readers closes for
 * all of them when one is interrupted inside it; a backend must not let that reach the others). On an interrupted
 * thread every method but {@link #transferTo} completes; {@link #transferTo} may stop with an {@link IOException}
 * ({@link java.io.InterruptedIOException} or {@link java.nio.channels.ClosedByInterruptException}). None clears the
 * interrupt status.
 */
public interface SegmentData {
    /** Bytes stored: at open, what the backend found; then advanced by {@link #append}. */
    int size();

    /**
     * Appends {@code src}'s remaining bytes at {@link #size()} and advances {@code src}'s position to its limit.
     * Must accept writes past the capacity hint the segment was created with.
     */
    void append(ByteBuffer src);

    /** Drops every byte at and after {@code size}. Writer only; no reader may be reading past it. */
    void truncateTo(int size);

    /**
     * Copies {@code dst.remaining()} bytes starting at {@code position} into {@code dst}, advancing its position.
     * Allocates nothing: the read path scans batch headers with this.
     */
    void read(int position, ByteBuffer dst);

    /**
     * A read-only view of {@code [position, position + length)}: the stored bytes themselves where the backend can
     * (a slice of a mapping), else a copy. Valid until {@link SegmentFiles#close()}.
     */
    ByteBuffer view(int position, int length);

    /**
     * Writes up to {@code count} bytes from {@code position} to {@code target} without copying them onto the heap
     * where the backend can (sendfile).
     *
     * @return bytes written, possibly fewer than {@code count} on a non-blocking channel
     */
    long transferTo(int position, long count, WritableByteChannel target) throws IOException;

    /** Makes every byte below {@link #size()} durable (fsync). */
    void flush();

    /** Gives back storage reserved beyond {@link #size()} (on roll and close), so stored length equals size. */
    void trim();
}
