package io.sediment.backend.mmap;

import io.sediment.api.StorageException;
import io.sediment.api.spi.SegmentData;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A segment's data bytes in one file ({@code <id>.log}), written by copying into a shared read-write mapping, or,
 * for appends of at least the write threshold, with positional {@code write(2)}s into the same page cache (see
 * {@link #written}: the kernel zeroes each fresh page a copy into the mapping faults in; skipping that outweighs
 * {@code write(2)}'s per-call and per-page costs only for large appends).
 *
 * <p>File: the bytes {@code [0, size())} exactly as appended, nothing else: no header, no trailer. A new segment's
 * file is preallocated to the capacity hint with a sparse {@code setLength} (a 1 GiB {@code segment.bytes} costs
 * address space, not disk), so until {@link #trim()} the file is longer than the data. {@link #size()} at open is
 * the file length: after a clean close (trimmed) that is exactly the data; after a crash it includes the
 * preallocated zeros, and the engine's recovery finds the valid end and calls {@link #truncateTo}.
 *
 * <p>Invariants (writer's view): {@code size <= mapping.capacity()}, and {@code size <= fileLength}; bytes are
 * only ever written below {@code min(mapping.capacity(), fileLength)}, so no write touches a page past the end of
 * the file (which would raise SIGBUS). Appends past the mapping grow it: the file is lengthened and mapped again,
 * larger, and the earlier mappings stay mapped until {@link #close()}, so views handed out before still point at
 * live memory; all mappings share the same page-cache pages, so every view sees the same bytes. Growth at least
 * doubles, so a segment holds O(log size) mappings. {@link #truncateTo} punches the dropped bytes out of the file
 * (shrink, then extend again: a hole reads as zeros), so a crash after it cannot resurrect them.
 *
 * <p>Resident pages: every page copied into or read through a mapping would stay mapped, and count in the process's
 * RSS, until close. {@link ResidentPages} drops written pages behind the writer, pages readers touched, and the
 * whole segment at {@link #trim()} (roll), so the store's mappings together hold about one {@link ResidencyPolicy}
 * window of written data resident ({@link ResidentBudget});
 * the bytes stay in the page cache, and a later access faults them back in unchanged.
 *
 * <p>Threading: {@link #append}, {@link #truncateTo}, {@link #trim} and {@link #close} by the partition's single
 * writer. {@link #flush} by the writer or by one background flusher, concurrently with appends: it forces
 * {@code [flushedTo, size)} through the newest mapping (msync works on file pages, whichever mapping dirtied them)
 * and holds {@code flushLock}, which {@link #truncateTo} and {@link #close} (both rare) also take, so a flush never
 * races a truncation's watermark or an unmap. Appends never take the lock.
 * {@link #read}, {@link #view}, {@link #transferTo} and {@link #size} from any thread,
 * for ranges the engine has published, concurrently with appends further on. Publication is safe because the
 * writer installs a grown mapping (volatile {@code mapping}) and copies (or writes) the bytes before it advances the
 * volatile {@code size}, and the engine publishes a range only after the append returned; a reader that saw the range
 * therefore sees a mapping that covers it, and the bytes in it. The engine calls {@link #close()} only when no
 * reader can touch the segment any more; after close every method throws {@link IllegalStateException} instead of
 * touching unmapped memory, and views handed out earlier must no longer be used.
 *
 * <p>Interrupts affect only the interrupted thread: the file's one shared descriptor is an {@link InterruptSafeFile},
 * repaired when an interrupt closes it. On an interrupted thread {@link #read}, {@link #append}, {@link #flush},
 * {@link #truncateTo} and {@link #trim} complete and leave the interrupt status set; {@link #transferTo} stops with an
 * {@link InterruptedIOException} naming the file and position (its status still set); {@link #view} never does I/O.
 * A repair runs on whichever thread found the channel closed, under the {@link InterruptSafeFile}'s own lock, which
 * nothing else takes but {@link #close()}; the read path takes no lock.
 */
final class MappedSegmentData implements SegmentData {
    /** Smallest growth step past the capacity hint: keeps tiny hints from remapping on every append. */
    private static final int MIN_GROWTH = 64 * 1024;
    private static final int PAGE = 4096;
    private static final System.Logger LOG = System.getLogger(MappedSegmentData.class.getName());

    private final String fileName;
    private final Path path;
    private final Path directory;
    /** The main descriptor: mappings, growth, {@code pread}, {@code sendfile}, {@code fsync}; survives interrupts. */
    private final InterruptSafeFile file;
    private final int capacityHint;
    /** Every mapping made, released together on close; the last is {@link #mapping}. */
    private final List<MappedByteBuffer> mappings = new ArrayList<>(4);
    /** Drops written pages from the mappings to keep the process's resident set bounded (see its javadoc). */
    private final ResidentPages resident;
    /** Appends of at least this many bytes go through {@link #writeChannel}; {@link Long#MAX_VALUE}: none. */
    private final long writeThreshold;
    /**
     * Writer only. The channel large appends are written with, opened at the first one; its own file descriptor, so
     * that a writer interrupted inside {@code write} (which closes the channel it was in) leaves {@link #file},
     * and with it reads, {@code transferTo} and {@code flush}, alone. Null before the first large append, and for
     * good once it was lost ({@link #writeChannelLost}).
     */
    private FileChannel writeChannel;
    /** Writer only. An interrupt closed {@link #writeChannel}, or it did not open: the mapping takes every append. */
    private boolean writeChannelLost;

    private volatile MappedByteBuffer mapping;
    private volatile int size;
    private volatile boolean closed;

    /** Writer only. */
    private long fileLength;
    /** Bumped by the writer at each change of the file's length; a flush forces metadata when it moved. */
    private volatile long lengthChanges;

    private final Object flushLock = new Object();
    /** Bytes below this are durable. Guarded by {@link #flushLock}. */
    private int flushedTo;
    /** {@link #lengthChanges} when metadata was last forced. Guarded by {@link #flushLock}. */
    private long lengthChangesForced;
    /** The directory entry of a new file is not durable yet. Guarded by {@link #flushLock}. */
    private boolean directoryUnsynced;

    private MappedSegmentData(final Path path, final InterruptSafeFile file, final int capacityHint,
                              final boolean created, final ResidentBudget residency, final long writeThreshold)
            throws IOException {
        this.fileName = path.toString();
        this.path = path;
        this.writeThreshold = writeThreshold;
        this.directory = path.toAbsolutePath().getParent();
        this.file = file;
        this.capacityHint = capacityHint;
        if (created) {
            file.setLength(capacityHint);
        }
        this.fileLength = file.length();
        if (fileLength > Integer.MAX_VALUE) {
            throw new StorageException(fileName, "segment file is " + fileLength + " bytes, more than 2 GiB");
        }
        this.resident = new ResidentPages(residency, created ? 0 : (int) fileLength);
        this.mapping = map((int) fileLength);
        this.size = created ? 0 : (int) fileLength;
        this.flushedTo = size;
        this.lengthChanges = created ? 1 : 0;
        this.directoryUnsynced = created;
    }

    /** Creates {@code path} (which must not exist), preallocated to {@code capacityHint} bytes. */
    static MappedSegmentData create(final Path path, final int capacityHint, final ResidentBudget residency,
                                    final long writeThreshold) {
        try {
            Files.createFile(path);
        } catch (FileAlreadyExistsException e) {
            throw new StorageException(path.toString(), "segment already exists", e);
        } catch (IOException e) {
            throw new StorageException(path.toString(), "cannot create segment file", e);
        }
        return openFile(path, capacityHint, true, residency, writeThreshold);
    }

    /** Opens the existing {@code path}; {@link #size()} is its length. */
    static MappedSegmentData open(final Path path, final int capacityHint, final ResidentBudget residency,
                                  final long writeThreshold) {
        if (!Files.isRegularFile(path)) {
            throw new StorageException(path.toString(), "no such segment");
        }
        return openFile(path, capacityHint, false, residency, writeThreshold);
    }

    private static MappedSegmentData openFile(final Path path, final int capacityHint, final boolean created,
                                              final ResidentBudget residency, final long writeThreshold) {
        InterruptSafeFile file = null;
        try {
            file = InterruptSafeFile.open(path);
            return new MappedSegmentData(path, file, capacityHint, created, residency, writeThreshold);
        } catch (IOException | RuntimeException e) {
            if (file != null) {
                try {
                    file.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            if (e instanceof StorageException) {
                throw (StorageException) e;
            }
            throw new StorageException(path.toString(), "cannot open segment file", e);
        }
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public void append(final ByteBuffer src) {
        ensureOpen();
        final int length = src.remaining();
        if (length == 0) {
            return;
        }
        final int at = size;
        final long end = (long) at + length;
        if (end > Integer.MAX_VALUE) {
            throw new StorageException(fileName, "appending " + length + " bytes at position " + at
                    + " would pass the 2 GiB limit of a segment");
        }
        final MappedByteBuffer target = writableUpTo((int) end);
        if (length < writeThreshold || !written(src, at)) {
            target.put(at, src, src.position(), length);
        }
        src.position(src.limit());
        size = (int) end;
        resident.written((int) end);
    }

    /**
     * Writes {@code src} (position to limit) at {@code at} with positional {@code write(2)}s into the page cache,
     * which the mappings share, so mapped readers see the bytes once it returns; the caller publishes them after.
     * Unlike a copy through the mapping it takes no write fault, and the kernel does not zero a fresh page-cache page
     * that the write fills whole (with the copy it zeroes every fresh page first: half the writer's time at
     * 1 × 16 KiB). {@code src}'s position is left where it was. Returns false, having written nothing the caller can
     * rely on, when the write channel is lost (an interrupt closed it, now or before, or it cannot be opened): the
     * caller copies the whole range through the mapping instead, as an append did before this path existed (the
     * mapping ignores interrupts), and the interrupt status stays set.
     */
    private boolean written(final ByteBuffer src, final int at) {
        if (writeChannelLost) {
            return false;
        }
        if (writeChannel == null) {
            try {
                writeChannel = FileChannel.open(path, StandardOpenOption.WRITE);
            } catch (IOException e) {
                // The mapping still takes the bytes (it needs no new file descriptor): slower, not broken.
                LOG.log(System.Logger.Level.WARNING, "mmap backend: cannot open " + fileName + " for write(2) ("
                        + e + "); its appends are copied through the mapping");
                writeChannelLost = true;
                return false;
            }
        }
        final int from = src.position();
        final int length = src.remaining();
        int done = 0;
        try {
            while (done < length) {
                done += writeChannel.write(src, (long) at + done);
            }
            return true;
        } catch (ClosedChannelException e) { // ClosedByInterruptException, or an earlier interrupt's close
            writeChannelLost = true;
            return false;
        } catch (IOException e) {
            throw new StorageException(fileName, "cannot write " + length + " bytes at position " + at
                    + " (" + done + " written)", e);
        } finally {
            src.position(from);
        }
    }

    /** The mapping to write {@code [size, end)} into, after growing it and the file as needed. */
    private MappedByteBuffer writableUpTo(final int end) {
        MappedByteBuffer current = mapping;
        try {
            if (end > current.capacity()) {
                long grown = Math.max(end, Math.max((long) capacityHint, 2L * current.capacity()));
                grown = Math.max(grown, (long) current.capacity() + MIN_GROWTH);
                grown = Math.min((grown + PAGE - 1) / PAGE * PAGE, Integer.MAX_VALUE);
                if (fileLength < grown) {
                    setFileLength(grown);
                }
                current = map((int) grown);
                mapping = current;
            } else if (end > fileLength) {
                // Trimmed earlier, appended again: give the mapping its file back before writing into it.
                setFileLength(current.capacity());
            }
        } catch (IOException e) {
            throw new StorageException(fileName, "cannot grow segment to " + end + " bytes", e);
        }
        return current;
    }

    @Override
    public void truncateTo(final int newSize) {
        ensureOpen();
        final int current = size;
        if (newSize < 0 || newSize > current) {
            throw new IllegalArgumentException(fileName + ": cannot truncate to " + newSize + ", size is " + current);
        }
        if (newSize == current) {
            return;
        }
        synchronized (flushLock) {
            size = newSize;
            resident.truncated(newSize);
            flushedTo = Math.min(flushedTo, newSize);
            if (fileLength > newSize) {
                // Shrink then extend: the dropped bytes become a hole, so a crash cannot bring them back as data.
                // No reader is past newSize (contract), and nothing writes between the two calls.
                final long length = fileLength;
                try {
                    setFileLength(newSize);
                    setFileLength(length);
                } catch (IOException e) {
                    throw new StorageException(fileName, "cannot truncate to " + newSize, e);
                }
            }
        }
    }

    @Override
    public void read(final int position, final ByteBuffer dst) {
        ensureOpen();
        final int length = dst.remaining();
        checkRange(position, length);
        if (resident.mapped(position)) {
            final int at = dst.position();
            dst.put(at, mapping, position, length);
            dst.position(at + length);
        } else {
            readFromFile(position, dst);
        }
    }

    /**
     * {@code pread} of bytes whose pages the writer dropped from the mappings: a copy out of the page cache, without
     * faulting a page (and, on recent kernels, its whole folio, up to 2 MiB) back into the process's resident set.
     * It costs a system call (about 1 µs) where a fault with its later drop costs several. Kafka reads its batch
     * headers the same way.
     */
    private void readFromFile(final int position, final ByteBuffer dst) {
        final int length = dst.remaining();
        int done = 0;
        try {
            while (dst.hasRemaining()) {
                final int n = file.read(dst, (long) position + done);
                if (n < 0) {
                    throw new StorageException(fileName, "file ends at " + (position + done)
                            + " inside the published range, reading from position " + position);
                }
                done += n;
            }
        } catch (IOException e) {
            throw new StorageException(fileName, "cannot read " + length + " bytes at position " + position + " ("
                    + done + " read)", e);
        }
    }

    @Override
    public ByteBuffer view(final int position, final int length) {
        ensureOpen();
        checkRange(position, length);
        resident.touched(position, length, size);
        return mapping.slice(position, length).asReadOnlyBuffer();
    }

    @Override
    public long transferTo(final int position, final long count, final WritableByteChannel target) throws IOException {
        ensureOpen();
        final int end = size;
        if (position < 0 || position > end || count < 0) {
            throw new IndexOutOfBoundsException(fileName + ": cannot transfer " + count + " bytes from position "
                    + position + ", size is " + end);
        }
        final long wanted = Math.min(count, end - position);
        long done = 0;
        while (done < wanted) {
            if (Thread.currentThread().isInterrupted()) {
                throw interruptedSend(position, wanted, done, null); // before the JDK closes the channel for nothing
            }
            final long sent;
            try {
                sent = file.transferTo(position + done, wanted - done, target);
            } catch (ClosedByInterruptException e) {
                throw interruptedSend(position, wanted, done, e);
            }
            if (sent <= 0) {
                break; // a non-blocking target is full
            }
            done += sent;
        }
        return done;
    }

    /**
     * This thread's interrupt stopped a send (see {@link InterruptSafeFile}: other threads' sends go on). Bytes sent
     * by the calls that returned are counted; the interrupted call may have sent some of its own before it stopped,
     * so the target's stream is left at an unknown point, as after the JDK's own {@code ClosedByInterruptException}.
     */
    private InterruptedIOException interruptedSend(final int position, final long count, final long done,
                                                   final ClosedByInterruptException cause) {
        final InterruptedIOException e = new InterruptedIOException(fileName + ": interrupted while sending " + count
                + " bytes from position " + position + ", " + done + " sent; the segment stays open for other"
                + " threads");
        e.bytesTransferred = (int) Math.min(done, Integer.MAX_VALUE);
        e.initCause(cause);
        return e;
    }

    @Override
    public void flush() {
        synchronized (flushLock) {
            ensureOpen();
            // Read the length counter before size: a length change after it is forced by the next flush.
            final long changes = lengthChanges;
            final int end = size;
            try {
                if (end > flushedTo) {
                    mapping.force(flushedTo, end - flushedTo);
                }
                if (changes != lengthChangesForced) {
                    file.force();
                    lengthChangesForced = changes;
                }
            } catch (IOException | UncheckedIOException e) {
                throw new StorageException(fileName, "cannot flush bytes " + flushedTo + " to " + end, e);
            }
            flushedTo = Math.max(flushedTo, end);
            if (directoryUnsynced) {
                Directories.fsync(directory);
                directoryUnsynced = false;
            }
        }
    }

    @Override
    public void trim() {
        ensureOpen();
        final int end = size;
        if (fileLength != end) {
            // The mappings stay: pages wholly past the new end are never touched (readers stay below size,
            // and append lengthens the file again before writing there).
            try {
                setFileLength(end);
            } catch (IOException e) {
                throw new StorageException(fileName, "cannot trim to " + end + " bytes", e);
            }
        }
        resident.sealed(end);
    }

    /** Unmaps every mapping and closes the file; idempotent. Writer only, once no reader can touch the segment. */
    void close() {
        synchronized (flushLock) { // waits for a flush in progress: never unmap under an msync
            if (closed) {
                return;
            }
            closed = true;
            resident.close();
            for (MappedByteBuffer m : mappings) {
                MappedMemory.release(m);
            }
            mappings.clear();
            try {
                try {
                    if (writeChannel != null) {
                        writeChannel.close();
                    }
                } finally {
                    file.close(); // even when the write channel's close failed
                }
            } catch (IOException e) {
                throw new StorageException(fileName, "cannot close", e);
            }
        }
    }

    private MappedByteBuffer map(final int length) throws IOException {
        final MappedByteBuffer m = file.map(length);
        mappings.add(m);
        resident.mapped(m);
        return m;
    }

    private void setFileLength(final long length) throws IOException {
        file.setLength(length);
        fileLength = length;
        lengthChanges++; // single writer: a plain increment of the volatile is safe
    }

    private void checkRange(final int position, final int length) {
        final int end = size;
        if (position < 0 || length < 0 || (long) position + length > end) {
            throw new IndexOutOfBoundsException(fileName + ": range [" + position + ", " + ((long) position + length)
                    + ") is outside the segment's " + end + " bytes");
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException(fileName + ": segment is closed");
        }
    }

    /** Descriptors opened to replace ones an interrupt closed (tests). */
    int channelRepairs() {
        return file.reopens();
    }

    /** The resident-page policy's state: tests read its sweep count. */
    ResidentPages residentPages() {
        return resident;
    }

    @Override
    public String toString() {
        return fileName + "[size=" + size + "]";
    }
}
