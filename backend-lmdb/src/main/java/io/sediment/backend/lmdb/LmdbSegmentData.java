package io.sediment.backend.lmdb;

import io.sediment.api.spi.SegmentData;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;

/**
 * A segment's data bytes: a committed prefix in LMDB ("data" chunks, see {@link LmdbLayout}) and an uncommitted
 * tail in an in-memory direct buffer of {@link LmdbLayout#TAIL_BYTES}.
 *
 * <pre>
 *   0                      committed                 size
 *   |--- chunks in LMDB ---|--- tail (this object) ---|
 * </pre>
 *
 * <p>When commits happen: when the tail fills (an append of any length may commit several times), on
 * {@link #flush()} (then synced), on {@link #trim()} and on {@link #close()}. The engine publishes bytes as soon as
 * {@link #append} returns, so readers read the tail too; a crash of the process loses the tail, which no
 * {@code flush} has promised to keep.
 *
 * <p>Threading: {@link #append}, {@link #truncateTo}, {@link #flush}, {@link #trim} and {@link #close} by the
 * writer. {@link #read}, {@link #view}, {@link #transferTo}, {@link #size} by any thread for published ranges.
 * The writer writes tail bytes past the published size without a lock and publishes them by the volatile
 * {@link #size}; {@link #lock} orders a commit (which moves {@link #committed} and empties the tail) against
 * readers copying from the tail. A reader takes the lock, reads {@code committed}, copies what lies in the tail,
 * releases it, and reads the rest from LMDB: those chunks were committed before {@code committed} moved, and
 * committed chunks below the published size never change (only {@link #truncateTo}, which no reader overlaps,
 * removes them).
 */
final class LmdbSegmentData implements SegmentData {
    private final LmdbPartitionStore store;
    private final long generation;
    private final Object lock = new Object();

    private volatile int size;
    /** Bytes in LMDB; changes under {@link #lock}. */
    private volatile int committed;
    /** Holds bytes {@code [committed, size)} at {@code [0, size - committed)}; null until the first append. */
    private ByteBuffer tail;
    private volatile boolean closed;

    LmdbSegmentData(final LmdbPartitionStore store, final long generation, final int storedSize) {
        this.store = store;
        this.generation = generation;
        this.size = storedSize;
        this.committed = storedSize;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public void append(final ByteBuffer src) {
        ensureOpen();
        if ((long) size + src.remaining() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("segment would exceed 2 GiB: size " + size + " + " + src.remaining());
        }
        while (src.hasRemaining()) {
            if (tail == null) {
                tail = ByteBuffer.allocateDirect(LmdbLayout.TAIL_BYTES);
            }
            final int tailLength = size - committed;
            final int n = Math.min(src.remaining(), tail.capacity() - tailLength);
            tail.put(tailLength, src, src.position(), n);
            src.position(src.position() + n);
            size += n;
            if (tailLength + n == tail.capacity()) {
                commitTail();
            }
        }
    }

    @Override
    public void truncateTo(final int newSize) {
        ensureOpen();
        if (newSize < 0 || newSize > size) {
            throw new IllegalArgumentException("cannot truncate to " + newSize + ": size is " + size);
        }
        if (newSize < committed) {
            store.truncateData(generation, newSize);
            synchronized (lock) {
                committed = newSize;
            }
        }
        size = newSize;
    }

    @Override
    public void read(final int position, final ByteBuffer dst) {
        final int length = dst.remaining();
        checkRange(position, length);
        final int at = dst.position();
        final int fromLmdb = readTail(position, length, dst, at);
        if (fromLmdb > 0) {
            store.readCommitted(generation, position, dst, at, fromLmdb);
        }
        dst.position(at + length);
    }

    @Override
    public ByteBuffer view(final int position, final int length) {
        final ByteBuffer copy = ByteBuffer.allocateDirect(length);
        read(position, copy);
        return copy.flip().asReadOnlyBuffer();
    }

    @Override
    public long transferTo(final int position, final long count, final WritableByteChannel target)
            throws IOException {
        checkRange(position, 0);
        final int length = (int) Math.min(count, size - position);
        if (length <= 0) {
            return 0;
        }
        final int inLmdb = Math.max(0, Math.min(length, committed - position));
        long written = 0;
        if (inLmdb > 0) {
            written = store.transferCommitted(generation, position, inLmdb, target);
            if (written < inLmdb) {
                return written;
            }
        }
        // The rest was in the tail when we looked; copy it out under the lock (the writer may commit it meanwhile).
        final int rest = length - inLmdb;
        if (rest > 0) {
            final ByteBuffer copy = ByteBuffer.allocateDirect(rest);
            read(position + inLmdb, copy);
            written += target.write(copy.flip());
        }
        return written;
    }

    @Override
    public void flush() {
        ensureOpen();
        commitTail();
        store.sync();
    }

    @Override
    public void trim() {
        ensureOpen();
        commitTail();
        tail = null;
    }

    /** Commits the tail and drops it; idempotent. */
    void close() {
        if (closed) {
            return;
        }
        try {
            commitTail();
        } finally {
            closed = true;
            tail = null;
        }
    }

    /**
     * Copies the part of {@code [position, position + length)} that lies in the tail into {@code dst} at the
     * matching index, and returns how many leading bytes are left for LMDB.
     */
    private int readTail(final int position, final int length, final ByteBuffer dst, final int at) {
        synchronized (lock) {
            final int c = committed;
            final int end = position + length;
            if (end <= c) {
                return length;
            }
            final int from = Math.max(position, c);
            dst.put(at + (from - position), tail, from - c, end - from);
            return from - position;
        }
    }

    private void commitTail() {
        final int length = size - committed;
        if (length == 0) {
            return;
        }
        store.commitData(generation, committed, tail, length);
        synchronized (lock) {
            committed += length;
        }
    }

    private void checkRange(final int position, final int length) {
        ensureOpen();
        if (position < 0 || length < 0 || (long) position + length > size) {
            throw new IndexOutOfBoundsException("range [" + position + ", " + ((long) position + length)
                    + ") outside the segment's " + size + " bytes");
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("segment data is closed");
        }
    }
}
