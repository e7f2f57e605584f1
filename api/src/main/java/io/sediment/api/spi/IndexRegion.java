package io.sediment.api.spi;

import java.nio.ByteBuffer;

/**
 * A fixed-capacity region of bytes that holds one index's entries, written in place.
 *
 * <p>The engine's index code owns the entry format and the count of valid entries; the region only stores bytes.
 * Writes by the partition's writer; reads of published entries from any thread.
 */
public interface IndexRegion {
    /**
     * Bytes the region held when opened: the trimmed length after a clean close, possibly the whole preallocated
     * length (zeros included) after a crash; 0 for a new or missing index.
     */
    int storedBytes();

    /**
     * The region's bytes for absolute gets and puts, big-endian, position 0, capacity at least the larger of
     * {@link #storedBytes()} and the capacity asked for at create or open. The same instance for the region's life.
     */
    ByteBuffer buffer();

    /** Records that only the first {@code bytes} are valid, giving back the rest of the reservation (on roll and close). */
    void trimTo(int bytes);

    /** Makes the first {@code bytes} durable. */
    void flush(int bytes);
}
