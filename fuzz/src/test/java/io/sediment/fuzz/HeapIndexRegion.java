package io.sediment.fuzz;

import io.sediment.api.spi.IndexRegion;

import java.nio.ByteBuffer;

/** An {@link IndexRegion} over a heap array, reporting {@code storedBytes} as found at open: arbitrary bytes to fuzz. */
final class HeapIndexRegion implements IndexRegion {
    private final ByteBuffer buffer;
    private final int storedBytes;

    HeapIndexRegion(final byte[] bytes, final int storedBytes) {
        this.buffer = ByteBuffer.wrap(bytes);
        this.storedBytes = storedBytes;
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
        // nothing to give back on the heap
    }

    @Override
    public void flush(final int bytes) {
        // nothing to make durable on the heap
    }
}
