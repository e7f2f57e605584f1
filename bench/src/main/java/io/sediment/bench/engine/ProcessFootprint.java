package io.sediment.bench.engine;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/** Heap in use and resident set size of this JVM, for the footprint columns of the engine suite. */
final class ProcessFootprint {
    private static final Path STATUS = Path.of("/proc/self/status");

    private ProcessFootprint() {
    }

    /** Bytes of heap in use after a full GC (requested; HotSpot honours it unless disabled). */
    static long heapUsedAfterGc() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** {@code VmRSS} of {@code /proc/self/status} in bytes; -1 where there is no such file (not Linux). */
    static long residentSetBytes() {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
            return -1;
        } catch (IOException e) {
            return -1;
        }
    }
}
