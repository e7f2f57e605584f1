package io.sediment.log;

import io.sediment.api.LogSlice;

import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;

/** A read at the log end offset: no bytes, nothing pinned. */
record EmptySlice(long nextOffset) implements LogSlice {
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0).asReadOnlyBuffer();

    @Override
    public long firstOffset() {
        return nextOffset;
    }

    @Override
    public int sizeInBytes() {
        return 0;
    }

    @Override
    public long transferTo(final WritableByteChannel target, final long position, final long count) {
        return 0;
    }

    @Override
    public ByteBuffer buffer() {
        return EMPTY.duplicate();
    }

    @Override
    public void close() {
    }
}
