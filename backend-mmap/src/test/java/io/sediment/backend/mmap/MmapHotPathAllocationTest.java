package io.sediment.backend.mmap;

import io.sediment.api.spi.BackendStore;
import io.sediment.api.spi.PartitionStore;
import io.sediment.api.spi.SegmentData;
import io.sediment.api.spi.SegmentFiles;
import io.sediment.api.spi.SegmentSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code append} (within the reserved capacity) and {@code read} allocate nothing: the append path and the read
 * path's header scan call them per batch. Counted with the JVM's per-thread allocation counter after a warm-up,
 * so it measures what the compiled code allocates (objects that escape analysis removes do not count); 100 000
 * calls that allocated even one small object each would show megabytes.
 */
class MmapHotPathAllocationTest {
    private static final int CALLS = 100_000;

    @TempDir
    Path dir;

    @Test
    void appendAndReadAllocateNothing() {
        final com.sun.management.ThreadMXBean counter = allocationCounter();
        final long thread = Thread.currentThread().getId();

        try (BackendStore store = new MmapStorageBackend().open(dir);
             PartitionStore partition = store.createPartition("t-0");
             SegmentFiles segment = partition.createSegment(0, new SegmentSpec(2 * 64 * CALLS, 64, 64))) {
            final SegmentData data = segment.data();
            final ByteBuffer src = ByteBuffer.allocateDirect(61); // a batch header's worth
            final ByteBuffer dst = ByteBuffer.allocateDirect(61);
            for (int i = 0; i < CALLS; i++) { // warm up: let the JIT compile both paths
                data.append(src.clear());
                data.read(i * 61, dst.clear());
            }

            final long beforeAppends = counter.getThreadAllocatedBytes(thread);
            for (int i = 0; i < CALLS; i++) {
                data.append(src.clear());
            }
            final long appended = counter.getThreadAllocatedBytes(thread) - beforeAppends;

            final long beforeReads = counter.getThreadAllocatedBytes(thread);
            for (int i = 0; i < CALLS; i++) {
                data.read(i * 61, dst.clear());
            }
            final long read = counter.getThreadAllocatedBytes(thread) - beforeReads;

            assertTrue(appended < CALLS, appended + " bytes allocated by " + CALLS + " appends");
            assertTrue(read < CALLS, read + " bytes allocated by " + CALLS + " reads");
        }
    }

    /**
     * Appends through {@code write(2)} (threshold 0) from a heap buffer, as a produce request's batch arrives: the
     * JDK copies it into its per-thread cached temporary direct buffer, allocating nothing after the first call.
     */
    @Test
    void appendsThroughWriteAllocateNothing() {
        final com.sun.management.ThreadMXBean counter = allocationCounter();
        final long thread = Thread.currentThread().getId();
        final int calls = 20_000;
        final ByteBuffer src = ByteBuffer.allocate(1024);

        try (BackendStore store = new MmapStorageBackend(-1, 0).open(dir);
             PartitionStore partition = store.createPartition("t-0");
             SegmentFiles segment = partition.createSegment(0, new SegmentSpec(2 * 1024 * calls, 64, 64))) {
            final SegmentData data = segment.data();
            for (int i = 0; i < calls; i++) { // warm up
                data.append(src.clear());
            }
            final long before = counter.getThreadAllocatedBytes(thread);
            for (int i = 0; i < calls; i++) {
                data.append(src.clear());
            }
            final long appended = counter.getThreadAllocatedBytes(thread) - before;
            assertTrue(appended < calls, appended + " bytes allocated by " + calls + " appends through write(2)");
        }
    }

    /** HotSpot's per-thread allocation counter; the test is skipped where there is none. */
    private static com.sun.management.ThreadMXBean allocationCounter() {
        final java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        assumeTrue(threads instanceof com.sun.management.ThreadMXBean, "needs HotSpot's allocation counter");
        final com.sun.management.ThreadMXBean counter = (com.sun.management.ThreadMXBean) threads;
        assumeTrue(counter.isThreadAllocatedMemorySupported() && counter.isThreadAllocatedMemoryEnabled());
        return counter;
    }
}
