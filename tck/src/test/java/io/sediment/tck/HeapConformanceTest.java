package io.sediment.tck;

import io.sediment.api.spi.StorageBackend;

import java.nio.file.Path;

/**
 * The kit against a backend with no files: proves the kit assumes nothing about a backend beyond the SPI (file
 * sizes only through the {@link #retainedBytes} hook, overridden here).
 */
class HeapConformanceTest extends StorageBackendConformanceTest {
    @Override
    protected StorageBackend backend() {
        return new HeapStorageBackend();
    }

    @Override
    protected long retainedBytes(final Path dataDir) {
        return HeapStorageBackend.heldBytes(dataDir);
    }
}
