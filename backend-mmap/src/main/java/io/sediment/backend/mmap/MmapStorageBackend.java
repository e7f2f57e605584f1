package io.sediment.backend.mmap;

import io.sediment.api.spi.BackendStore;
import io.sediment.api.spi.StorageBackend;

import java.nio.file.Path;

/**
 * The {@code mmap} storage backend: segments as memory-mapped files in Kafka's layout,
 *
 * <pre>
 *   &lt;dir&gt;/&lt;topic&gt;-&lt;partition&gt;/00000000000000000000.log        segment data (appended bytes)
 *                                  00000000000000000000.index      offset index region
 *                                  00000000000000000000.timeindex  time index region
 *                                  00000000000000000000.log.deleted   a retired segment, until destroyed
 * </pre>
 *
 * so Kafka's {@code DumpLogSegments} reads a trimmed {@code .log}, and anyone who knows a Kafka data directory
 * finds their way. Appends are copies into a shared mapping (close to memcpy speed); reads hand out slices of the
 * mapping, and {@code transferTo} uses {@code sendfile}. Runs on a plain {@code java}: mappings are released on
 * close through {@code sun.misc.Unsafe#invokeCleaner}, which needs no JVM flags.
 *
 * <p>Threading: stateless; {@link #open} may be called from any thread.
 */
public final class MmapStorageBackend implements StorageBackend {
    /** The name to select this backend by ({@code log.backend=mmap}). */
    public static final String NAME = "mmap";

    public MmapStorageBackend() {
        // found by ServiceLoader
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public BackendStore open(final Path directory) {
        return MmapBackendStore.open(directory);
    }

    @Override
    public String toString() {
        return NAME;
    }
}
