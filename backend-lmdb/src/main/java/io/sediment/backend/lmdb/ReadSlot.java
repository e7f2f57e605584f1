package io.sediment.backend.lmdb;

import org.lmdbjava.Cursor;
import org.lmdbjava.Dbi;
import org.lmdbjava.Txn;

import java.nio.ByteBuffer;

/**
 * A reusable read-only transaction with a cursor on "data" and a key buffer, so a read renews a transaction
 * instead of allocating one (lmdbjava allocates native structs per {@code Txn} and per {@code Cursor}).
 *
 * <p>Threading: owned by one thread between {@link ReadSlots#borrow()} and {@link ReadSlots#release}; the
 * environment is opened with {@code MDB_NOTLS}, so a reset transaction (and its LMDB reader slot) may be renewed
 * by any thread.
 */
final class ReadSlot {
    final Txn<ByteBuffer> txn;
    final Cursor<ByteBuffer> cursor;
    final ByteBuffer key = LmdbLayout.keyBuffer();

    ReadSlot(final Txn<ByteBuffer> txn, final Dbi<ByteBuffer> data) {
        this.txn = txn;
        this.cursor = data.openCursor(txn);
    }

    /** Releases the native transaction and its reader slot; the transaction must be in the ready state. */
    void close() {
        cursor.close();
        txn.close();
    }
}
