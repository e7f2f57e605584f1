package io.sediment.backend.mmap;

import io.sediment.api.StorageException;
import io.sediment.api.spi.BackendStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Partition names become directory names, so none may reach outside the data directory. */
class MmapPartitionNamesTest {
    @TempDir
    Path root;

    @Test
    void namesThatWouldResolveOutsideTheDataDirectoryAreRefusedNamingThePath() throws IOException {
        final Path dataDir = root.resolve("data");
        try (BackendStore store = new MmapStorageBackend().open(dataDir)) {
            for (String name : List.of("../x", root.resolve("abs").toString(), "/abs", "a/b", "..", ".", "",
                    "t-0/../../x", "..\\x", "a\0b", "x-delete")) {
                final StorageException refused = assertThrows(StorageException.class, () -> store.createPartition(name),
                        "'" + name + "'");
                assertTrue(refused.getMessage().contains("'" + name + "'"), refused.getMessage());
                assertThrows(StorageException.class, () -> store.openPartition(name));
                assertThrows(StorageException.class, () -> store.deletePartition(name));
            }
            try (Stream<Path> entries = Files.list(root)) {
                assertEquals(List.of(dataDir), entries.toList(), "nothing was created beside the data directory");
            }
            assertTrue(store.partitions().isEmpty());
        }
    }

    @Test
    void dotsAndDashesInsideANameAreFine() throws IOException {
        try (BackendStore store = new MmapStorageBackend().open(root)) {
            for (String name : List.of("a..b-0", "...-1", "__consumer_offsets-49", "my.topic_v2-12")) {
                store.createPartition(name).close();
                assertTrue(Files.isDirectory(root.resolve(name)), name);
            }
            assertEquals(List.of("...-1", "__consumer_offsets-49", "a..b-0", "my.topic_v2-12"),
                    List.copyOf(store.partitions()));
        }
    }
}
