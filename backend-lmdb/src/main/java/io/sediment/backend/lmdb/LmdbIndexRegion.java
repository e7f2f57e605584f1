package io.sediment.backend.lmdb;

import io.sediment.api.spi.IndexRegion;

import java.nio.ByteBuffer;

/**
 * An index region: its bytes live in {@link #buffer()} (scratch memory, see {@link ScratchMemory}) where the engine
 * writes entries in place, and are persisted to LMDB's "index" database, keys {@code (generation, kind, chunk)},
 * as the first n bytes cut into {@link LmdbLayout#INDEX_CHUNK_BYTES} chunks.
 *
 * <p>Persisted: on {@link #flush(int)} (then synced), on {@link #trimTo(int)}, and on close (the first
 * {@link #length} bytes, the whole capacity unless trimmed, as a preallocated mmap file would keep). A persist
 * rewrites only the chunks whose bytes differ from what is stored (the region cannot see which bytes the engine
 * wrote, so it compares; a memory compare is cheap next to the fsync a flush pays), and commits nothing when none
 * differ. {@link #storedBytes()} is the length of the value found at
 * open: exactly the last persisted length, never torn (LMDB commits are atomic).
 *
 * <p>Threading: writes, {@code flush}, {@code trimTo} and close by the partition's writer; reads of the buffer
 * from any thread.
 */
final class LmdbIndexRegion implements IndexRegion {
    private final LmdbPartitionStore store;
    private final long generation;
    private final byte kind;
    private final ByteBuffer buffer;
    private final int storedBytes;
    /** Bytes kept at close: the capacity until {@link #trimTo}. */
    private int length;
    private boolean closed;

    LmdbIndexRegion(final LmdbPartitionStore store, final long generation, final byte kind, final ByteBuffer buffer,
                    final int storedBytes) {
        this.store = store;
        this.generation = generation;
        this.kind = kind;
        this.buffer = buffer;
        this.storedBytes = storedBytes;
        this.length = buffer.capacity();
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
        checkLength(bytes);
        store.storeIndex(generation, kind, buffer, bytes);
        length = bytes;
    }

    @Override
    public void flush(final int bytes) {
        checkLength(bytes);
        store.storeIndex(generation, kind, buffer, bytes);
        store.sync();
    }

    /** Persists the kept bytes and releases the scratch memory. */
    void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            store.storeIndex(generation, kind, buffer, length);
        } finally {
            ScratchMemory.unmap(buffer);
        }
    }

    private void checkLength(final int bytes) {
        if (closed) {
            throw new IllegalStateException("index region is closed");
        }
        if (bytes < 0 || bytes > buffer.capacity()) {
            throw new IllegalArgumentException("length " + bytes + " outside the region's capacity "
                    + buffer.capacity());
        }
    }
}
