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
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

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

    /**
     * With window 0 every read below the tail is a {@code pread} through the segment's {@link InterruptSafeFile}, and
     * every send a {@code sendfile} through it: neither allocates (the repair after an interrupt may; nothing
     * interrupts here).
     */
    @Test
    void readsByPreadAndSendsAllocateNothing() throws Exception {
        ResidentSet.requireMadvise();
        final com.sun.management.ThreadMXBean counter = allocationCounter();
        final long thread = Thread.currentThread().getId();
        final int calls = 20_000;

        try (BackendStore store = new MmapStorageBackend(0).open(dir);
             PartitionStore partition = store.createPartition("t-0");
             SegmentFiles segment = partition.createSegment(0, new SegmentSpec(64 * calls, 64, 64));
             FileChannel target = FileChannel.open(dir.resolve("sent"), StandardOpenOption.CREATE,
                     StandardOpenOption.WRITE)) {
            final SegmentData data = segment.data();
            final ByteBuffer src = ByteBuffer.allocateDirect(61);
            for (int i = 0; i < calls; i++) {
                data.append(src.clear());
            }
            assertTrue(!((MappedSegmentData) data).residentPages().mapped(61 * (calls - 1000)), "reads are preads");
            final ByteBuffer dst = ByteBuffer.allocateDirect(61);
            for (int round = 0; round < 2; round++) { // the first round warms up
                final long before = counter.getThreadAllocatedBytes(thread);
                for (int i = 0; i < calls - 1000; i++) {
                    data.read(i * 61, dst.clear());
                    data.transferTo(i * 61, 61, target.position(0));
                }
                final long allocated = counter.getThreadAllocatedBytes(thread) - before;
                if (round == 1) {
                    assertTrue(allocated < calls, allocated + " bytes allocated by " + calls + " preads and sends");
                }
            }
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
