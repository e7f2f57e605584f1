package io.sediment.api.spi;

import io.sediment.api.StorageException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Where segment bytes and index entries live. A backend stores byte ranges under names and ids the engine
 * chooses and hands them back; it knows nothing of offsets, batches or retention rules (those are the engine's).
 *
 * <p>Implementations have a public no-argument constructor and are listed in
 * {@code META-INF/services/io.sediment.api.spi.StorageBackend}, so {@link #named} finds them; an embedder may
 * also construct one and hand it to the engine.
 */
public interface StorageBackend {
    /** The name users select it by ({@code log.backend}): {@code mmap}, {@code lmdb}. */
    String name();

    /**
     * Opens (creating if needed) the backend's store in a data directory.
     *
     * @throws StorageException naming the file when the directory cannot be used (corrupt, locked, not writable)
     */
    BackendStore open(Path directory);

    /** The backend on the class path whose {@link #name()} is {@code name}. */
    static StorageBackend named(final String name) {
        final List<String> found = new ArrayList<>();
        for (StorageBackend backend : ServiceLoader.load(StorageBackend.class)) {
            if (backend.name().equals(name)) {
                return backend;
            }
            found.add(backend.name());
        }
        throw new IllegalArgumentException("no storage backend named '" + name + "' on the class path (found: "
                + (found.isEmpty() ? "none" : String.join(", ", found)) + ")");
    }
}
