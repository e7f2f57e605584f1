package io.sediment.backend.mmap;

import io.sediment.api.spi.BackendStore;
import io.sediment.api.spi.PartitionStore;
import io.sediment.api.spi.SegmentData;
import io.sediment.api.spi.SegmentFiles;
import io.sediment.api.spi.SegmentSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Mappings are released on close, deterministically, on a JVM started without {@code --add-opens} or
 * {@code --add-exports} (surefire configures none for this module), and nothing touches them afterwards.
 */
class MmapUnmapTest {
    private static final Path MAPS = Path.of("/proc/self/maps");

    @TempDir
    Path dir;

    @Test
    void thisJvmRunsWithoutModuleFlagsAndStillUnmapsDeterministically() {
        final List<String> flags = ManagementFactory.getRuntimeMXBean().getInputArguments();
        for (String flag : flags) {
            assertTrue(!flag.startsWith("--add-opens") && !flag.startsWith("--add-exports")
                    && !flag.startsWith("--illegal-access"), "unexpected JVM flag " + flag);
        }
        assertTrue(MappedMemory.releasesDeterministically(), "Unsafe.invokeCleaner found without flags");
    }

    @Test
    void closeUnmapsEveryMappingOfTheSegmentIncludingGrownOnes() throws IOException {
        assumeTrue(Files.isReadable(MAPS), "needs Linux /proc/self/maps");
        try (BackendStore store = new MmapStorageBackend().open(dir);
             PartitionStore partition = store.createPartition("unmap-0")) {
            final SegmentFiles segment = partition.createSegment(77, new SegmentSpec(4096, 4096, 4096));
            final ByteBuffer chunk = ByteBuffer.allocate(100_000);
            for (int i = 0; i < 10; i++) {
                segment.data().append(chunk.clear()); // grows several times: several mappings of the .log
            }
            final String stem = dir.resolve("unmap-0").resolve("00000000000000000077").toString();
            assertTrue(mappingsOf(stem) >= 4, "mapped: .log (grown) + .index + .timeindex");
            partition.retireSegment(77); // renaming keeps the mappings (their path follows the rename)
            assertTrue(mappingsOf(stem) >= 4);
            segment.close();
            assertEquals(0, mappingsOf(stem), "every mapping released on close");
            segment.close();
            assertEquals(0, mappingsOf(stem), "a second close is harmless");
        }
    }

    @Test
    void useAfterCloseFailsNamingTheFileInsteadOfTouchingFreedMemory() throws IOException {
        try (BackendStore store = new MmapStorageBackend().open(dir);
             PartitionStore partition = store.createPartition("t-0")) {
            final SegmentFiles segment = partition.createSegment(0, new SegmentSpec(4096, 4096, 4096));
            final SegmentData data = segment.data();
            data.append(ByteBuffer.allocate(100));
            segment.close();
            for (Runnable use : List.<Runnable>of(() -> data.read(0, ByteBuffer.allocate(10)),
                    () -> data.view(0, 10), () -> data.append(ByteBuffer.allocate(1)), data::flush,
                    () -> segment.offsetIndex().buffer(), () -> segment.timeIndex().flush(0))) {
                final IllegalStateException refused = assertThrows(IllegalStateException.class, use::run);
                assertTrue(refused.getMessage().contains("00000000000000000000"), refused.getMessage());
            }
        }
    }

    private static long mappingsOf(final String stem) throws IOException {
        return Files.readAllLines(MAPS).stream().filter(line -> line.contains(stem)).count();
    }
}
