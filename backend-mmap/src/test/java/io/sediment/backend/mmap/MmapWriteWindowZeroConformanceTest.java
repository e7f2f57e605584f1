package io.sediment.backend.mmap;

import io.sediment.api.spi.StorageBackend;
import io.sediment.tck.StorageBackendConformanceTest;

/**
 * The conformance kit with every append written by {@code write(2)} and a resident window of 0 (reads below the
 * tail by {@code pread}): the broker's configuration for large batches.
 */
class MmapWriteWindowZeroConformanceTest extends StorageBackendConformanceTest {
    @Override
    protected StorageBackend backend() {
        return new MmapStorageBackend(0, 0);
    }
}
