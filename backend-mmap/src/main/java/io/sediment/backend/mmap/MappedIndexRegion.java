package io.sediment.backend.mmap;

import io.sediment.api.StorageException;
import io.sediment.api.spi.IndexRegion;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.file.Path;

/**
 * One index region in its own file ({@code <id>.index} or {@code <id>.timeindex}), mapped read-write once for the
 * region's life, as Kafka maps its index files.
 *
 * <p>File: the region's bytes from offset 0, nothing else (the entry format is the engine's). At open the file is
 * lengthened (sparse) to {@code max(storedBytes, capacity)} and mapped at that length: Kafka preallocates
 * {@code segment.index.bytes} the same way. {@link #trimTo} cuts the file to the valid entries, so after a clean
 * close the file holds exactly them; after a crash it still has its preallocated length and the engine works out
 * how many entries are valid (or rebuilds the index).
 *
 * <p>Why {@link #trimTo} may shorten the file under a live mapping: readers only read entries below the valid
 * count, which is at most the new length, and truncating a file leaves the pages below the new end mapped and
 * unchanged (the kernel only drops pages wholly past it and zeroes the tail of the last page). Remapping instead
 * would break {@link #buffer()}'s promise of one instance for the region's life and could unmap memory a reader is
 * using. The cost is a rule for the writer: after {@code trimTo(n)}, touch no byte at or past {@code n} (a page
 * wholly past the end of a file faults with SIGBUS) until a later {@code trimTo} lengthens the file again; the
 * engine trims only on roll and close, after the last entry.
 *
 * <p>Threading: writes through {@link #buffer()} and {@link #trimTo} by the partition's writer; {@link #flush} by
 * the writer or a background flusher; absolute reads of published entries through {@link #buffer()} from any
 * thread. The engine's publication of the entry count orders the writer's puts before the readers' gets.
 * {@link #trimTo}, {@link #flush} and {@link #close()} hold {@code lock}, so a flush never runs under an unmap or
 * a half-done trim. {@link #close()} unmaps, once no reader can touch the segment; afterwards the methods throw
 * {@link IllegalStateException}.
 */
final class MappedIndexRegion implements IndexRegion {
    private final String fileName;
    /** Repaired when an interrupted writer or flusher closes its channel (see {@link InterruptSafeFile}). */
    private final InterruptSafeFile file;
    private final MappedByteBuffer mapping;
    private final ByteBuffer buffer;
    private final int storedBytes;
    private volatile boolean closed;

    private final Object lock = new Object();
    /** Guarded by {@link #lock}. */
    private long fileLength;
    /** The file's length changed since metadata was last forced. Guarded by {@link #lock}. */
    private boolean lengthChanged;

    private MappedIndexRegion(final Path path, final InterruptSafeFile file, final int capacity, final boolean fresh)
            throws IOException {
        this.fileName = path.toString();
        this.file = file;
        if (fresh && file.length() != 0) {
            file.setLength(0); // a stray index left by an interrupted retirement: not this segment's
        }
        final long length = file.length();
        if (length > Integer.MAX_VALUE) {
            throw new StorageException(fileName, "index file is " + length + " bytes, more than 2 GiB");
        }
        this.storedBytes = (int) length;
        final int regionLength = Math.max(storedBytes, capacity);
        if (length < regionLength) {
            file.setLength(regionLength);
            lengthChanged = true;
        }
        this.fileLength = regionLength;
        this.mapping = file.map(regionLength);
        this.buffer = mapping.duplicate().order(ByteOrder.BIG_ENDIAN);
    }

    /**
     * Opens (creating if missing) the region in {@code path} with room for at least {@code capacity} bytes.
     *
     * @param fresh the segment is being created: whatever the file held is discarded
     */
    static MappedIndexRegion open(final Path path, final int capacity, final boolean fresh) {
        InterruptSafeFile file = null;
        try {
            file = InterruptSafeFile.open(path);
            return new MappedIndexRegion(path, file, capacity, fresh);
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
            throw new StorageException(path.toString(), "cannot open index file", e);
        }
    }

    @Override
    public int storedBytes() {
        return storedBytes;
    }

    @Override
    public ByteBuffer buffer() {
        ensureOpen();
        return buffer;
    }

    @Override
    public void trimTo(final int bytes) {
        synchronized (lock) {
            ensureOpen();
            checkLength(bytes);
            if (fileLength != bytes) {
                try {
                    file.setLength(bytes);
                } catch (IOException e) {
                    throw new StorageException(fileName, "cannot trim index to " + bytes + " bytes", e);
                }
                fileLength = bytes;
                lengthChanged = true;
            }
        }
    }

    @Override
    public void flush(final int bytes) {
        synchronized (lock) {
            ensureOpen();
            checkLength(bytes);
            final int end = (int) Math.min(bytes, fileLength);
            try {
                if (end > 0) {
                    mapping.force(0, end);
                }
                if (lengthChanged) {
                    file.force();
                    lengthChanged = false;
                }
            } catch (IOException | UncheckedIOException e) {
                throw new StorageException(fileName, "cannot flush " + end + " index bytes", e);
            }
        }
    }

    /** Unmaps and closes the file; idempotent. Writer only, once no reader can touch the segment. */
    void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            MappedMemory.release(mapping);
            try {
                file.close();
            } catch (IOException e) {
                throw new StorageException(fileName, "cannot close index file", e);
            }
        }
    }

    private void checkLength(final int bytes) {
        if (bytes < 0 || bytes > mapping.capacity()) {
            throw new IndexOutOfBoundsException(fileName + ": " + bytes + " bytes is outside the index region's "
                    + mapping.capacity() + " bytes");
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException(fileName + ": index is closed");
        }
    }

    @Override
    public String toString() {
        return fileName + "[stored=" + storedBytes + ", capacity=" + mapping.capacity() + "]";
    }
}
