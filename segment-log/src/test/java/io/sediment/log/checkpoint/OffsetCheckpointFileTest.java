package io.sediment.log.checkpoint;

import io.sediment.api.StorageException;
import io.sediment.api.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;

class OffsetCheckpointFileTest {
    @TempDir
    Path dir;

    private Path write(final String content) throws IOException {
        final Path path = dir.resolve("recovery-point-offset-checkpoint");
        Files.writeString(path, content, StandardCharsets.UTF_8);
        return path;
    }

    private StorageException malformed(final String content) throws IOException {
        return assertThrows(StorageException.class, () -> new OffsetCheckpointFile(write(content)).read());
    }

    @Test
    void writtenEntriesReadBackUnchanged() {
        final Path path = dir.resolve("log-start-offset-checkpoint");
        qt().withExamples(100).forAll(lists().of(integers().between(0, 30)).ofSizeBetween(0, 40),
                longs().between(-1, Long.MAX_VALUE)).checkAssert((partitions, offsetSeed) -> {
                    final Map<TopicPartition, Long> entries = new HashMap<>();
                    for (int p : partitions) {
                        entries.put(new TopicPartition(p % 3 == 0 ? "orders" : "__consumer_offsets", p),
                                offsetSeed == -1 ? -1 : (offsetSeed >>> (p % 17)) + p);
                    }
                    final OffsetCheckpointFile checkpoint = new OffsetCheckpointFile(path);
                    checkpoint.write(entries);
                    assertEquals(entries, checkpoint.read());
                    assertEquals(entries, new OffsetCheckpointFile(path).read());
                    assertFalse(Files.exists(dir.resolve("log-start-offset-checkpoint.tmp")));
                });
    }

    @Test
    void writesKafkasFormatSorted() throws IOException {
        final Path path = dir.resolve("recovery-point-offset-checkpoint");
        new OffsetCheckpointFile(path).write(Map.of(new TopicPartition("b.t", 1), 7L,
                new TopicPartition("a-t", 10), 0L, new TopicPartition("a-t", 2), 123456789012L));
        assertEquals("0\n3\na-t 2 123456789012\na-t 10 0\nb.t 1 7\n", Files.readString(path));
    }

    @Test
    void readsWhatKafkaWrites() throws IOException {
        // Kafka splits on any whitespace and writes the platform line separator.
        final Path path = write("0\r\n2\r\norders 0 15\r\nlogs\t3   9\r\n");
        assertEquals(Map.of(new TopicPartition("orders", 0), 15L, new TopicPartition("logs", 3), 9L),
                new OffsetCheckpointFile(path).read());
    }

    @Test
    void missingFileReadsAsEmpty() {
        assertEquals(Map.of(), new OffsetCheckpointFile(dir.resolve("nothing-here")).read());
    }

    @Test
    void emptyMapWritesAnEmptyCheckpoint() throws IOException {
        final Path path = dir.resolve("cp");
        new OffsetCheckpointFile(path).write(Map.of());
        assertEquals("0\n0\n", Files.readString(path));
        assertEquals(Map.of(), new OffsetCheckpointFile(path).read());
    }

    @Test
    void leftoverTempFileFromACrashIsIgnoredAndReplaced() throws IOException {
        final Path path = write("0\n1\norders 0 42\n");
        final Path temp = dir.resolve("recovery-point-offset-checkpoint.tmp");
        Files.writeString(temp, "0\n5\norders 0 9"); // a write torn by a crash before the rename
        final OffsetCheckpointFile checkpoint = new OffsetCheckpointFile(path);
        assertEquals(Map.of(new TopicPartition("orders", 0), 42L), checkpoint.read());

        checkpoint.write(Map.of(new TopicPartition("orders", 0), 43L));
        assertEquals(Map.of(new TopicPartition("orders", 0), 43L), checkpoint.read());
        assertFalse(Files.exists(temp), "the temp file was renamed over the checkpoint");
    }

    @Test
    void rewritingReplacesEveryEntry() {
        final OffsetCheckpointFile checkpoint = new OffsetCheckpointFile(dir.resolve("cp"));
        checkpoint.write(Map.of(new TopicPartition("a", 0), 1L, new TopicPartition("b", 0), 2L));
        checkpoint.write(Map.of(new TopicPartition("b", 0), 3L));
        assertEquals(Map.of(new TopicPartition("b", 0), 3L), checkpoint.read());
    }

    @Test
    void malformedFilesAreRejectedNamingTheFileAndLine() throws IOException {
        final List<String[]> cases = List.of(
                new String[] {"", "line 1"},
                new String[] {"1\n0\n", "line 1: unsupported version 1"},
                new String[] {"x\n0\n", "line 1: version 'x'"},
                new String[] {"0\n", "line 2: missing entry count"},
                new String[] {"0\n-1\n", "line 2: negative entry count"},
                new String[] {"0\n2\norders 0 1\n", "line 4: file ends after 1 of 2 entries"},
                new String[] {"0\n1\norders 0\n", "line 3: expected '<topic> <partition> <offset>'"},
                new String[] {"0\n1\norders 0 1 2\n", "line 3: expected"},
                new String[] {"0\n1\norders zero 1\n", "line 3: partition 'zero'"},
                new String[] {"0\n1\norders 0 ten\n", "line 3: offset 'ten'"},
                new String[] {"0\n1\norders -1 5\n", "line 3: "},
                new String[] {"0\n1\nord/ers 0 5\n", "line 3: "},
                new String[] {"0\n2\norders 0 5\norders 0 6\n", "line 4: second entry for orders-0"},
                new String[] {"0\n1\norders 0 5\norders 1 6\n", "line 4: unexpected line"});
        for (String[] c : cases) {
            final StorageException e = malformed(c[0]);
            assertTrue(e.getMessage().contains(c[1]), "for " + c[0].replace("\n", "\\n") + ": " + e.getMessage());
            assertEquals(dir.resolve("recovery-point-offset-checkpoint").toString(), e.file());
        }
    }

    @Test
    void aFailedWriteLeavesThePreviousCheckpoint() throws IOException {
        final Path path = write("0\n1\norders 0 42\n");
        // A directory where the temp file should go makes the write fail before the rename.
        Files.createDirectory(dir.resolve("recovery-point-offset-checkpoint.tmp"));
        final OffsetCheckpointFile checkpoint = new OffsetCheckpointFile(path);
        final StorageException e = assertThrows(StorageException.class,
                () -> checkpoint.write(Map.of(new TopicPartition("orders", 0), 50L)));
        assertTrue(e.file().endsWith(".tmp"), e.file());
        assertEquals(Map.of(new TopicPartition("orders", 0), 42L), checkpoint.read());
    }
}
