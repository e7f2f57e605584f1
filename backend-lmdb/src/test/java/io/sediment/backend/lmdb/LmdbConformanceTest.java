package io.sediment.backend.lmdb;

import io.sediment.api.spi.StorageBackend;
import io.sediment.tck.StorageBackendConformanceTest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** The shared SPI conformance kit, run unchanged against the LMDB backend (with a small map, so growth happens). */
class LmdbConformanceTest extends StorageBackendConformanceTest {
    @Override
    protected StorageBackend backend() {
        return new LmdbStorageBackend(1024 * 1024);
    }

    /**
     * {@code data.mdb} never shrinks: LMDB puts freed pages on its free list and reuses them. What a partition
     * retains is the pages its B-trees hold, which a destroyed segment gives back.
     */
    @Override
    protected long retainedBytes(final Path dataDir) throws IOException {
        long total = 0;
        try (Stream<Path> files = Files.walk(dataDir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                if (p.getFileName().toString().equals(LmdbPartitionStore.DATA_FILE)) {
                    total += LmdbPartitionStore.usedBytes(p.getParent());
                }
            }
        }
        return total;
    }
}
