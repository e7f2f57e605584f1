package io.sediment.backend.mmap;

import io.sediment.api.spi.BackendStore;
import io.sediment.api.spi.PartitionStore;
import io.sediment.api.spi.SegmentData;
import io.sediment.api.spi.SegmentFiles;
import io.sediment.api.spi.SegmentSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.channels.Pipe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A thread interrupted while it reads, sends or flushes a segment affects only itself. A {@link FileChannel} closes
 * for every thread when one thread is interrupted inside it (or enters it interrupted); the segment's main channel
 * serves {@code pread}s of dropped pages, {@code sendfile}, {@code fsync} and growth, so without repair one cancelled
 * consumer would fail every reader of the segment until the log was reopened. Window 0 throughout: every page is
 * dropped behind the writer, so {@code read} goes through {@code pread}.
 */
class MmapInterruptedReaderTest {
    private static final int MIB = 1024 * 1024;
    private static final SegmentSpec SPEC = new SegmentSpec(4 * MIB, 4096, 4096);

    @TempDir
    Path dir;

    @BeforeAll
    static void madviseIsAvailableOnLinux() throws InterruptedException {
        ResidentSet.requireMadvise(); // window 0 must drop pages, or reads would not be preads
    }

    @AfterEach
    void clearInterrupt() {
        Thread.interrupted(); // a failed assertion must not leave the runner's thread interrupted
    }

    @Test
    void aReaderInterruptedOverAndOverLeavesTheOtherReadersAndTheSegmentWorking() throws Exception {
        try (BackendStore store = new MmapStorageBackend(0).open(dir);
             PartitionStore partition = store.createPartition("interrupt-0")) {
            final SegmentFiles segment = partition.createSegment(0, SPEC);
            final SegmentData data = writtenAndDropped(segment, 4 * MIB, 3);

            final AtomicBoolean running = new AtomicBoolean(true);
            final ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
            final List<Reader> readers = new ArrayList<>();
            for (int r = 0; r < 3; r++) {
                readers.add(new Reader("reader-" + r, data, 4 * MIB, 3, 10 + r, running, failures, false));
            }
            final Reader victim = new Reader("victim", data, 4 * MIB, 3, 19, running, failures, true);
            readers.add(victim);
            readers.forEach(Thread::start);
            // Interrupts at random moments, some landing inside a pread or sendfile, some between calls.
            final SplittableRandom random = new SplittableRandom(5);
            final long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
            while (System.nanoTime() < until && failures.isEmpty()) {
                victim.interrupt();
                LockSupport.parkNanos(20_000 + random.nextInt(200_000));
            }
            running.set(false);
            for (Reader reader : readers) {
                reader.join(TimeUnit.SECONDS.toMillis(30));
            }
            if (!failures.isEmpty()) {
                final AssertionError e = new AssertionError(failures.size() + " reader failures, first: "
                        + failures.peek());
                failures.forEach(e::addSuppressed);
                throw e;
            }
            for (Reader reader : readers) {
                assertTrue(reader.checked > 0, reader.getName() + " checked ranges");
            }
            assertTrue(victim.interruptedSends > 0, "the victim's sends saw its interrupts");
            System.out.println("interrupted-reader test: " + victim.checked + " ranges checked by the victim, "
                    + victim.interruptedSends + " of its sends interrupted, " + readers.get(0).checked
                    + " by reader-0; channel repairs " + ((MappedSegmentData) data).channelRepairs());

            checkSegmentStillWorks(partition, segment, 4 * MIB, 3);
        }
    }

    /**
     * A send blocked on a full pipe is inside the segment's channel when the interrupt comes: the JDK closes the
     * channel then, every time. The sender gets an {@link InterruptedIOException} naming the file and position,
     * keeps its interrupt status, and nobody else notices; no descriptor leaks.
     */
    @Test
    void anInterruptDuringABlockedSendStopsThatSendOnly() throws Exception {
        try (BackendStore store = new MmapStorageBackend(0).open(dir);
             PartitionStore partition = store.createPartition("blocked-0")) {
            final SegmentFiles segment = partition.createSegment(0, SPEC);
            final SegmentData data = writtenAndDropped(segment, 2 * MIB, 4);
            final Path log = dir.resolve("blocked-0").resolve(SegmentFileNames.stem(0) + ".log");
            final long descriptors = descriptorsOf(log);

            for (int round = 0; round < 3; round++) {
                final Pipe pipe = Pipe.open(); // nobody drains it: the send blocks once the pipe is full
                final Throwable[] outcome = new Throwable[1];
                final boolean[] stillInterrupted = new boolean[1];
                final Thread sender = new Thread(() -> {
                    try {
                        data.transferTo(4096, MIB, pipe.sink());
                    } catch (Throwable t) {
                        outcome[0] = t;
                    }
                    stillInterrupted[0] = Thread.currentThread().isInterrupted();
                }, "sender-" + round);
                sender.start();
                awaitBlocked(sender);
                sender.interrupt();
                sender.join(TimeUnit.SECONDS.toMillis(30));
                assertFalse(sender.isAlive(), "the interrupt ended the blocked send");
                final InterruptedIOException e = assertInstanceOf(InterruptedIOException.class, outcome[0]);
                assertTrue(e.getMessage().contains(log.toString()) && e.getMessage().contains("position 4096"),
                        e.getMessage());
                assertTrue(e.bytesTransferred >= 0 && e.bytesTransferred < MIB, "sent " + e.bytesTransferred);
                assertTrue(stillInterrupted[0], "the sender keeps its interrupt status");
                pipe.source().close();
                pipe.sink().close();

                MmapResidentPagesTest.checkPattern(data, 2 * MIB, 4); // preads on this thread
                MmapWritePathTest.checkTransfer(data, 2 * MIB, 4);
            }
            assertEquals(3, ((MappedSegmentData) data).channelRepairs(), "each interrupt closed the channel once");
            assertEquals(descriptors, descriptorsOf(log), "each closed descriptor was replaced by exactly one");
            checkSegmentStillWorks(partition, segment, 2 * MIB, 4);
            assertEquals(0, descriptorsOf(log), "close leaves no descriptor of the file open");
        }
    }

    /**
     * The writer and the flusher are application or engine threads too (the engine's own shutdown interrupts its
     * flusher): an interrupted flush still makes the bytes durable, an interrupted append that grows the file still
     * appends, an interrupted trim still trims, each keeping the interrupt status, and the segment keeps working.
     */
    @Test
    void anInterruptedWriterFlushesGrowsAndTrimsAndTheSegmentKeepsWorking() throws IOException {
        try (BackendStore store = new MmapStorageBackend(0).open(dir);
             PartitionStore partition = store.createPartition("writer-0")) {
            final SegmentFiles segment = partition.createSegment(0, new SegmentSpec(MIB, 4096, 4096));
            final SegmentData data = segment.data();
            MmapResidentPagesTest.appendPattern(data, MIB / 2, 6);

            Thread.currentThread().interrupt();
            data.flush(); // a new file: forces its length (fsync) and the directory
            assertTrue(Thread.interrupted(), "flush keeps the interrupt status");

            Thread.currentThread().interrupt();
            segment.offsetIndex().buffer().putLong(0, 42L);
            segment.offsetIndex().flush(8);
            segment.offsetIndex().trimTo(8);
            segment.offsetIndex().flush(8);
            assertTrue(Thread.interrupted(), "index flush and trim keep the interrupt status");

            Thread.currentThread().interrupt();
            // grows the file and the mapping past the 1 MiB hint
            MmapWritePathTest.appendPatternFrom(data, MIB / 2, 3 * MIB, 6);
            data.flush();
            data.trim();
            assertTrue(Thread.interrupted(), "appends, flush and trim keep the interrupt status");

            MmapResidentPagesTest.checkPattern(data, 3 * MIB, 6);
            MmapWritePathTest.checkTransfer(data, 3 * MIB, 6);
            assertEquals(42L, segment.offsetIndex().buffer().getLong(0));
            segment.close();
            try (SegmentFiles reopened = partition.openSegment(0, new SegmentSpec(MIB, 4096, 4096))) {
                assertEquals(3 * MIB, reopened.data().size());
                assertEquals(8, reopened.offsetIndex().storedBytes());
                MmapResidentPagesTest.checkPattern(reopened.data(), 3 * MIB, 6);
            }
        }
    }

    /**
     * A retired segment (renamed to {@code .deleted}) is still read through open handles; when an interrupt closes
     * its channel, the repair opens the renamed file, creates nothing under the old name, and does not open a new
     * segment created there.
     */
    @Test
    void aRetiredSegmentRecoversFromAnInterruptWithItsOwnFile() throws Exception {
        try (BackendStore store = new MmapStorageBackend(0).open(dir);
             PartitionStore partition = store.createPartition("retired-0")) {
            final SegmentFiles old = partition.createSegment(0, SPEC);
            MmapResidentPagesTest.appendPattern(old.data(), MIB, 7);
            old.data().trim();
            assertFalse(((MappedSegmentData) old.data()).residentPages().mapped(MIB - 1), "all reads are preads");
            partition.retireSegment(0);

            interruptABlockedSend(old.data()); // only the retired name exists
            assertEquals(1, ((MappedSegmentData) old.data()).channelRepairs());
            MmapResidentPagesTest.checkPattern(old.data(), MIB, 7);
            assertEquals(0, partition.segmentIds().length, "the repair created no file under the live name");

            final SegmentFiles replacement = partition.createSegment(0, SPEC); // same name, other bytes
            MmapResidentPagesTest.appendPattern(replacement.data(), MIB, 8);
            interruptABlockedSend(old.data());
            assertEquals(2, ((MappedSegmentData) old.data()).channelRepairs());
            MmapResidentPagesTest.checkPattern(old.data(), MIB, 7);
            MmapWritePathTest.checkTransfer(old.data(), MIB, 7);
            MmapResidentPagesTest.checkPattern(replacement.data(), MIB, 8);
            old.close();
            replacement.close();
            final IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> old.data().read(0, ByteBuffer.allocate(1)));
            assertTrue(e.getMessage().contains(SegmentFileNames.stem(0)), e.getMessage());
        }
    }

    /** Sends from {@code data} into a pipe nobody drains, interrupts the sender once it blocks, waits for it. */
    private static void interruptABlockedSend(final SegmentData data) throws Exception {
        final Pipe pipe = Pipe.open();
        final Thread sender = new Thread(() -> {
            try {
                data.transferTo(0, MIB, pipe.sink());
            } catch (IOException expected) {
                // the interrupt: checked by the test above; here only its effect on the segment matters
            }
        }, "sender");
        sender.start();
        awaitBlocked(sender);
        sender.interrupt();
        sender.join(TimeUnit.SECONDS.toMillis(30));
        assertFalse(sender.isAlive());
        pipe.source().close();
        pipe.sink().close();
    }

    /**
     * Waits (30 s at most) until {@code thread} sits in native code under the segment's {@code transferTo}: blocked
     * in {@code sendfile} on the full pipe, so that an interrupt now lands inside the channel's call.
     */
    private static void awaitBlocked(final Thread thread) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            final StackTraceElement[] stack = thread.getStackTrace();
            if (stack.length > 0 && stack[0].isNativeMethod() && Stream.of(stack).anyMatch(
                    frame -> frame.getClassName().equals(InterruptSafeFile.class.getName())
                            && frame.getMethodName().equals("transferTo"))) {
                Thread.sleep(20); // and still there: not a native call on the way in
                if (thread.getStackTrace().length > 0 && thread.getStackTrace()[0].isNativeMethod()) {
                    return;
                }
            }
            Thread.sleep(5);
        }
        fail("the sender did not block in transferTo: " + java.util.Arrays.toString(thread.getStackTrace()));
    }

    /** After the interrupts: reads, sends, appends, flush, trim, close and reopen all work, no byte changed. */
    private static void checkSegmentStillWorks(final PartitionStore partition, final SegmentFiles segment,
                                               final int bytes, final int seed) throws IOException {
        final SegmentData data = segment.data();
        MmapResidentPagesTest.checkPattern(data, bytes, seed);
        MmapResidentPagesTest.checkPatternThroughViews(data, bytes, seed);
        MmapWritePathTest.checkTransfer(data, bytes, seed);
        // past the 4 MiB hint: the file and the mapping grow
        MmapWritePathTest.appendPatternFrom(data, bytes, bytes + 5 * MIB, seed);
        data.flush();
        data.trim();
        MmapResidentPagesTest.checkPattern(data, bytes + 5 * MIB, seed);
        segment.close();
        try (SegmentFiles reopened = partition.openSegment(segment.id(), SPEC)) {
            assertEquals(bytes + 5 * MIB, reopened.data().size());
            MmapResidentPagesTest.checkPattern(reopened.data(), bytes + 5 * MIB, seed);
        }
    }

    /** Open descriptors of this process on {@code file}, from {@code /proc/self/fd}. */
    private static long descriptorsOf(final Path file) throws IOException {
        final Path real = file.toRealPath();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).equals(real);
                } catch (IOException gone) {
                    return false; // the directory stream's own descriptor, closed meanwhile
                }
            }).count();
        }
    }

    /** Appends {@code bytes} of the pattern; window 0 dropped them all, so reads of them are {@code pread}s. */
    private static SegmentData writtenAndDropped(final SegmentFiles segment, final int bytes, final int seed) {
        final SegmentData data = segment.data();
        MmapResidentPagesTest.appendPattern(data, bytes, seed);
        assertFalse(((MappedSegmentData) data).residentPages().mapped(0), "reads below the tail are preads");
        return data;
    }

    /**
     * Reads random ranges with {@code read} and sends others with {@code transferTo} into a scratch file, checking
     * every byte. A plain reader fails on any exception. The victim is interrupted from outside: its reads must
     * still return the right bytes, its sends may stop with an {@link InterruptedIOException}, and after either its
     * interrupt status must still be set (it then clears it and goes on).
     */
    private static final class Reader extends Thread {
        private final SegmentData data;
        private final int bytes;
        private final int seed;
        private final AtomicBoolean running;
        private final ConcurrentLinkedQueue<Throwable> failures;
        private final boolean victim;
        private final SplittableRandom random;
        int checked;
        int interruptedSends;

        Reader(final String name, final SegmentData data, final int bytes, final int seed, final long randomSeed,
               final AtomicBoolean running, final ConcurrentLinkedQueue<Throwable> failures, final boolean victim) {
            super(name);
            this.data = data;
            this.bytes = bytes;
            this.seed = seed;
            this.running = running;
            this.failures = failures;
            this.victim = victim;
            this.random = new SplittableRandom(randomSeed);
        }

        @Override
        public void run() {
            final ByteBuffer dst = ByteBuffer.allocateDirect(64 * 1024);
            Path scratch = null;
            try {
                scratch = Files.createTempFile("send-" + getName(), ".bin");
                FileChannel out = FileChannel.open(scratch, StandardOpenOption.READ, StandardOpenOption.WRITE);
                try {
                    while (running.get()) {
                        final int position = random.nextInt(bytes);
                        final int length = Math.min(bytes - position, 1 + random.nextInt(dst.capacity()));
                        if (random.nextInt(3) == 0) {
                            out = send(out, scratch, position, length, dst);
                        } else {
                            dst.clear().limit(length);
                            data.read(position, dst);
                            check(dst.flip(), position);
                        }
                        if (victim) {
                            Thread.interrupted(); // whatever came: the read above was right, go on
                        }
                    }
                } finally {
                    out.close();
                }
            } catch (Throwable t) {
                failures.add(new AssertionError(getName() + " failed after " + checked + " checks: " + t, t));
            } finally {
                Thread.interrupted();
                if (scratch != null) {
                    try {
                        Files.deleteIfExists(scratch);
                    } catch (IOException e) {
                        failures.add(e);
                    }
                }
            }
        }

        /** Sends the range into {@code out} and checks it; returns the channel to use next. */
        private FileChannel send(final FileChannel out, final Path scratch, final int position, final int length,
                                 final ByteBuffer dst) throws IOException {
            try {
                out.position(0);
                long done = 0;
                while (done < length) {
                    done += data.transferTo(position + (int) done, length - done, out);
                }
                dst.clear().limit(length);
                while (dst.hasRemaining()) {
                    if (out.read(dst, dst.position()) < 0) {
                        throw new AssertionError("scratch file ends at " + dst.position() + " of " + length);
                    }
                }
                check(dst.flip(), position);
                return out;
            } catch (InterruptedIOException e) { // the segment's answer to an interrupted send
                if (!victim) {
                    throw e;
                }
                if (!Thread.currentThread().isInterrupted()) {
                    fail("an interrupted send cleared the interrupt status: " + e);
                }
                interruptedSends++;
                return out;
            } catch (ClosedByInterruptException e) {
                // the victim's scratch channel, closed by its interrupt in position() or read(): not under test
                if (!victim || out.isOpen()) {
                    throw e;
                }
                return FileChannel.open(scratch, StandardOpenOption.READ, StandardOpenOption.WRITE);
            }
        }

        private void check(final ByteBuffer range, final int position) {
            for (int i = 0; i < range.limit(); i++) {
                if (range.get(i) != MmapResidentPagesTest.patternByte(position + i, seed)) {
                    throw new AssertionError(getName() + ": byte " + (position + i) + " is " + range.get(i)
                            + ", wrote " + MmapResidentPagesTest.patternByte(position + i, seed));
                }
            }
            checked++;
        }
    }
}
