package io.sediment.tck;

import io.sediment.api.spi.BackendStore;
import io.sediment.api.spi.PartitionStore;
import io.sediment.api.spi.StorageBackend;

import java.nio.file.Path;

/**
 * A store in its own directory with one partition, {@code p-0}, that a property example can close and reopen as
 * a whole, the way an engine restart does.
 *
 * <p>Threading: one test thread.
 */
final class StoreAndPartition implements AutoCloseable {
    private static final String PARTITION = "p-0";

    private final StorageBackend backend;
    private final Path dir;
    private BackendStore store;
    private PartitionStore partition;

    StoreAndPartition(final StorageBackend backend, final Path dir) {
        this.backend = backend;
        this.dir = dir;
        this.store = backend.open(dir);
        this.partition = store.createPartition(PARTITION);
    }

    PartitionStore partition() {
        return partition;
    }

    /** Closes the partition and the store (their segments must be closed) and opens both again. */
    void reopen() {
        close();
        store = backend.open(dir);
        partition = store.openPartition(PARTITION);
    }

    @Override
    public void close() {
        if (partition != null) {
            partition.close();
            partition = null;
        }
        if (store != null) {
            store.close();
            store = null;
        }
    }
}
