package io.sediment.api.spi;

import java.nio.file.Path;
import java.util.SortedSet;

/**
 * A backend's storage in one data directory: a set of named partition stores.
 *
 * <p>Threading: safe from any thread; the engine serialises create, open and delete of one name.
 */
public interface BackendStore extends AutoCloseable {
    Path directory();

    /** Names of the partition stores present, as passed to {@link #createPartition}. */
    SortedSet<String> partitions();

    /**
     * Creates an empty partition store.
     *
     * @param name a validated {@code <topic>-<partition>} name; a backend must still refuse any name that would
     *             resolve outside its directory
     */
    PartitionStore createPartition(String name);

    PartitionStore openPartition(String name);

    /** Removes a closed partition store and all its data. */
    void deletePartition(String name);

    /** Closes the store; partition stores must have been closed first. */
    @Override
    void close();
}
