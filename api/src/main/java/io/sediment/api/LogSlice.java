package io.sediment.api;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;

/**
 * Whole stored record batches, as they are on disk, from one segment: what a fetch sends.
 *
 * <p>A slice pins the segment it views: the segment's memory and files stay valid, even if retention deletes
 * the segment, until the slice is closed. Close every slice (try-with-resources); an unclosed slice delays the
 * release of a deleted segment's files until the engine closes. A slice may be read by one thread at a time.
 */
public interface LogSlice extends AutoCloseable {
    /** Base offset of the first batch in the slice; may be below the offset asked for. Undefined when empty. */
    long firstOffset();

    /** The offset after the last batch in the slice: where the next read starts. */
    long nextOffset();

    /** Bytes in the slice: whole batches only. */
    int sizeInBytes();

    default boolean isEmpty() {
        return sizeInBytes() == 0;
    }

    /**
     * Writes up to {@code count} bytes of the slice, starting {@code position} bytes into it, to {@code target},
     * without copying them onto the Java heap (sendfile where the backend and channel allow it).
     *
     * @return bytes written, which may be fewer than asked for on a non-blocking channel
     */
    long transferTo(WritableByteChannel target, long position, long count) throws IOException;

    /** A read-only view of the slice's bytes, position 0, limit {@link #sizeInBytes()}. Valid until {@link #close()}. */
    ByteBuffer buffer();

    /** Releases the segment this slice pins. Idempotent. */
    @Override
    void close();
}
