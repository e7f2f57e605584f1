package io.sediment.backend.lmdb;

import org.lmdbjava.Dbi;
import org.lmdbjava.Env;
import org.lmdbjava.Txn;

import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;

/**
 * A bounded pool of {@link ReadSlot}s for one environment.
 *
 * <p>LMDB has a fixed reader table ({@link #MAX_READERS} slots per environment, shared by every process that
 * opens it). A pooled, reset transaction keeps its slot but pins no snapshot, so it does not hold back page
 * reuse. The pool keeps at most {@link #POOLED} of them; more concurrent readers get a fresh transaction that is
 * closed after use. When the table is full, stale slots (left by a process that died with a reader open) are
 * cleared with {@code mdb_reader_check} and the open is tried once more before failing.
 *
 * <p>Threading: any thread. Callers hold the environment's read lock (see {@link LmdbPartitionStore}) from borrow
 * to release, so the map is never resized under an open transaction.
 */
final class ReadSlots {
    static final int MAX_READERS = 256;
    static final int POOLED = 32;

    private final Env<ByteBuffer> env;
    private final Dbi<ByteBuffer> data;
    private final ArrayBlockingQueue<ReadSlot> idle = new ArrayBlockingQueue<>(POOLED);

    ReadSlots(final Env<ByteBuffer> env, final Dbi<ByteBuffer> data) {
        this.env = env;
        this.data = data;
    }

    ReadSlot borrow() {
        final ReadSlot slot = idle.poll();
        if (slot != null) {
            slot.txn.renew();
            slot.cursor.renew(slot.txn);
            return slot;
        }
        return new ReadSlot(beginRead(), data);
    }

    void release(final ReadSlot slot) {
        slot.txn.reset();
        if (!idle.offer(slot)) {
            slot.txn.renew(); // lmdbjava aborts (and frees the reader slot of) only a ready transaction
            slot.close();
        }
    }

    /** Closes pooled transactions; borrowed ones must have been released. */
    void close() {
        ReadSlot slot;
        while ((slot = idle.poll()) != null) {
            slot.txn.renew();
            slot.close();
        }
    }

    private Txn<ByteBuffer> beginRead() {
        try {
            return env.txnRead();
        } catch (final Env.ReadersFullException full) {
            env.readerCheck();
            return env.txnRead();
        }
    }
}
