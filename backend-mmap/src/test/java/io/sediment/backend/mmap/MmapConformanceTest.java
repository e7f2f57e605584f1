package io.sediment.backend.mmap;

import io.sediment.api.spi.StorageBackend;
import io.sediment.tck.StorageBackendConformanceTest;

/** The mmap backend against the shared SPI conformance kit, unchanged. */
class MmapConformanceTest extends StorageBackendConformanceTest {
    @Override
    protected StorageBackend backend() {
        return new MmapStorageBackend();
    }
}
