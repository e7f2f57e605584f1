package io.sediment.backend.mmap;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Reads how much of one file this process has mapped resident, from {@code /proc/self/smaps}. Tests only. */
final class ResidentSet {
    static final Path SMAPS = Path.of("/proc/self/smaps");

    private ResidentSet() {
    }

    /**
     * For tests that measure drops: skipped where there is no {@code /proc/self/smaps} (not Linux); on Linux,
     * madvise must load (through jffi), or pages would silently stay mapped.
     */
    static void requireMadvise() throws InterruptedException {
        assumeTrue(Files.isReadable(SMAPS), "needs Linux /proc/self/smaps");
        assertTrue(PageDropper.awaitAvailable(60, TimeUnit.SECONDS), "madvise through jffi loads on Linux");
    }

    /** Sum of {@code Rss} over every mapping of {@code file}, in bytes (its path as the kernel prints it). */
    static long ofFile(final Path file) throws IOException {
        final String name = file.toRealPath().toString();
        final List<String> lines = Files.readAllLines(SMAPS);
        long kb = 0;
        boolean inFile = false;
        for (String line : lines) {
            if (isHeader(line)) {
                inFile = line.endsWith(" " + name) || line.endsWith(" " + name + " (deleted)");
            } else if (inFile && line.startsWith("Rss:")) {
                kb += Long.parseLong(line.substring(4).trim().split("\\s+")[0]);
            }
        }
        return kb * 1024;
    }

    /** A mapping's first line: {@code start-end perms offset dev inode [path]}. */
    private static boolean isHeader(final String line) {
        final int dash = line.indexOf('-');
        final int space = line.indexOf(' ');
        return dash > 0 && space > dash && line.substring(0, dash).chars().allMatch(c -> Character.digit(c, 16) >= 0);
    }
}
