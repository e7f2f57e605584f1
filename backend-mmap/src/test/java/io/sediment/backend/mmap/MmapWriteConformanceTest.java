package io.sediment.backend.mmap;

import io.sediment.api.spi.StorageBackend;
import io.sediment.tck.StorageBackendConformanceTest;

/**
 * The conformance kit again with a write threshold of 0, so every append is written with {@code write(2)} into the
 * page cache while reads, views and {@code transferTo} stay on the mapping and the file: the path large batches take
 * by default held to the same contract as the copy through the mapping.
 */
class MmapWriteConformanceTest extends StorageBackendConformanceTest {
    @Override
    protected StorageBackend backend() {
        return new MmapStorageBackend(-1, 0);
    }
}
