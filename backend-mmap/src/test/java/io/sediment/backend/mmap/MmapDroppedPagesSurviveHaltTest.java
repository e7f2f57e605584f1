package io.sediment.backend.mmap;

import io.sediment.api.spi.BackendStore;
import io.sediment.api.spi.PartitionStore;
import io.sediment.api.spi.SegmentFiles;
import io.sediment.api.spi.SegmentSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Dropped pages are not lost pages: a child JVM writes through the mapping, drops every written page from it,
 * and halts without msync, fsync, trim or close. The bytes were only ever in the page cache (dirty, marked so as
 * their page-table entries went); this process reopens the segment and finds every one of them.
 */
class MmapDroppedPagesSurviveHaltTest {
    private static final int BYTES = 8 * 1024 * 1024 + 1234;

    @TempDir
    Path dir;

    @Test
    void bytesWrittenAndDroppedSurviveAHaltWithoutFlush() throws Exception {
        final Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        final Process child = new ProcessBuilder(List.of(java.toString(), "-Xmx64m", "-cp",
                System.getProperty("java.class.path"), HaltingWriter.class.getName(), dir.toString(),
                Integer.toString(BYTES))).redirectErrorStream(true).start();
        final String line;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8))) {
            line = out.readLine();
        }
        assertTrue(child.waitFor(120, TimeUnit.SECONDS), "child halts");
        assertEquals(0, child.exitValue(), () -> "child output: " + line);
        assertNotNull(line);
        final String[] words = line.split(" ");
        assertEquals("resident", words[0], line);
        assertTrue(Long.parseLong(words[1]) <= 2L * ResidencyPolicy.PAGE, "the child had dropped its pages: " + line);
        assertTrue(Long.parseLong(words[3]) >= BYTES / (16 * 1024), "one sweep per 16 KiB append: " + line);

        try (BackendStore store = new MmapStorageBackend().open(dir);
             PartitionStore partition = store.openPartition("halt-0")) {
            final SegmentFiles segment = partition.openSegment(0, new SegmentSpec(BYTES, 4096, 4096));
            assertEquals(BYTES, segment.data().size(), "never trimmed: the preallocated length, here exactly BYTES");
            MmapResidentPagesTest.checkPattern(segment.data(), BYTES, 5);
            segment.close();
        }
        MmapResidentPagesTest.checkPatternWithPread(dir.resolve("halt-0").resolve(SegmentFileNames.stem(0) + ".log"),
                BYTES, 5);
    }
}
