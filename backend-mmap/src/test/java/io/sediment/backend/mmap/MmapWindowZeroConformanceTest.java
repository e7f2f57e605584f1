package io.sediment.backend.mmap;

import io.sediment.api.spi.StorageBackend;
import io.sediment.tck.StorageBackendConformanceTest;

/**
 * The conformance kit again with a resident window of 0, so every whole written page is dropped at once and reads
 * take the pread path the broker's 4 MiB window uses for all but a segment's tail.
 */
class MmapWindowZeroConformanceTest extends StorageBackendConformanceTest {
    @Override
    protected StorageBackend backend() {
        return new MmapStorageBackend(0);
    }
}
