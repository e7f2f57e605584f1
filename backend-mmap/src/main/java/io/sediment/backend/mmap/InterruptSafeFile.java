package io.sediment.backend.mmap;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * A segment file's read-write descriptor, shared by all threads, that one thread's interrupt cannot take from the
 * others.
 *
 * <p>Why: a {@link FileChannel} is an {@link java.nio.channels.InterruptibleChannel}. A thread interrupted inside
 * one of its blocking calls ({@code read}, {@code transferTo}, {@code force}, {@code map}, {@code truncate}), or
 * entering one with its interrupt status set, makes the JDK close the channel, and with it the descriptor, for
 * every thread. Sediment is embedded: application threads read segments directly, and
 * applications interrupt threads (executor {@code shutdownNow}, cancelled futures; the engine's own shutdown
 * interrupts its flusher). One interrupted consumer would fail every later {@code pread}, {@code sendfile},
 * {@code fsync} and growth of the segment, for all threads, until the log was reopened. (Lucene's
 * {@code NIOFSDirectory} has the same flaw; Kafka avoids it by never interrupting its threads, which an embedded
 * engine cannot promise.) The JDK has no public way to make a {@code FileChannel} ignore interrupts (only
 * {@code sun.nio.ch} internals, which would need {@code --add-exports}), so this class repairs instead: a thread that
 * finds the channel closed while this file is not opens the same file again and installs the new descriptor; one
 * thread at a time does that, under this object's lock, and the others retry on what it installed. The JDK already
 * closed the old descriptor when it closed the channel, so none leaks. {@link #close()} takes the same lock and
 * marks the file closed for good, so it wins any race with a repair.
 *
 * <p>The same file: segment files are renamed while open (retired to {@code *.deleted}), and a new segment may be
 * created under the old name meanwhile. A repair opens the live name or the retired one, whichever has the file key
 * (device and inode) taken at open, checked before and after opening: reading another segment's bytes would be far
 * worse than failing. Where the file system has no file key, the live name is trusted, then the retired one. A
 * repair never creates a file (a {@code RandomAccessFile} {@code "rw"} open would, under a name the writer
 * just renamed away, and the partition would list a bogus empty segment): so the descriptor is a bare
 * {@link FileChannel}, and {@link #setLength} lengthens by writing the last byte rather than by
 * {@code RandomAccessFile.setLength}.
 *
 * <p>What an interrupt does to the interrupted thread, per call:
 * <ul>
 *   <li>{@link #read}, {@link #force}, {@link #map}, {@link #setLength}, {@link #length}: nothing. They complete and
 *       the interrupt status stays set for the caller to act on. A {@code pread} of page-cache pages takes
 *       microseconds and cannot wait on anyone; {@code read} of the kept tail, served from the mapping, ignores
 *       interrupts anyway, so failing the {@code pread}s would make a read's outcome depend on the resident window;
 *       and the writer's and flusher's calls must not leave an append or a flush half done. A pending interrupt is
 *       cleared for the call and set again after it, so the common case closes nothing; one that arrives inside
 *       the call closes the channel, which is repaired and the call retried.</li>
 *   <li>{@link #transferTo}: the interrupt stops it. A send can block for as long as the target's reader pleases
 *       (a full socket or pipe), and an interrupt is how Java cancels that. The channel is repaired for the others,
 *       and the caller gets the JDK's {@link java.nio.channels.ClosedByInterruptException}, its status still set.</li>
 * </ul>
 *
 * <p>Threading: {@link #read}, {@link #transferTo}, {@link #force}, {@link #length} from any thread;
 * {@link #setLength} and {@link #map} by the file's single writer; {@link #close()} by the owner, when no other call
 * can come.
 * Cost on the hot paths ({@link #read}, {@link #transferTo}): one volatile read and one check of the interrupt
 * status; no lock, no allocation unless an interrupt closed the channel.
 */
final class InterruptSafeFile implements AutoCloseable {
    private final Path path;
    private final Path retiredPath;
    /** The file's identity (device and inode on Unix) at open; null where the file system has none. */
    private final Object fileKey;
    private volatile FileChannel current;
    /** Guarded by {@code this}. */
    private boolean closed;
    /** Guarded by {@code this}. */
    private int reopens;

    /** A writer/flusher call, rare enough to allocate its lambda. */
    private interface Call<T> {
        T on(FileChannel channel) throws IOException;
    }

    private InterruptSafeFile(final Path path, final FileChannel descriptor, final Object fileKey) {
        this.path = path;
        this.retiredPath = path.resolveSibling(path.getFileName() + SegmentFileNames.DELETED);
        this.current = descriptor;
        this.fileKey = fileKey;
    }

    /** Opens {@code path} read-write, creating it if missing. */
    static InterruptSafeFile open(final Path path) throws IOException {
        final FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE,
                StandardOpenOption.CREATE);
        try {
            return new InterruptSafeFile(path, channel, fileKeyOf(path));
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /**
     * {@code pread} into {@code dst} at {@code position}: as {@link FileChannel#read(ByteBuffer, long)}, completing
     * on an interrupted thread. The same loop as {@link #uninterruptibly}, written out: a lambda capturing
     * {@code dst} and {@code position} would allocate on every read.
     */
    int read(final ByteBuffer dst, final long position) throws IOException {
        final int start = dst.position();
        boolean interrupted = false;
        try {
            while (true) {
                final FileChannel d = current;
                if (Thread.interrupted()) {
                    interrupted = true;
                }
                try {
                    return d.read(dst, position);
                } catch (ClosedChannelException e) {
                    reopen(d, e);
                    if (dst.position() != start) {
                        // The JDK throws ClosedByInterruptException even after a pread that completed, with dst's
                        // position already advanced past the bytes read: they are good (the channel closes only
                        // once the call left the kernel), and reading them again would shift them.
                        return dst.position() - start;
                    }
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * {@code sendfile}: as {@link FileChannel#transferTo}, but a channel closed by another thread's interrupt is
     * repaired and the call retried, and this thread's interrupt stops it with a
     * {@link java.nio.channels.ClosedByInterruptException} after the repair. Exceptions of {@code target} (closed,
     * or closed by this thread's interrupt) pass through untouched: the file's channel is still open then.
     */
    long transferTo(final long position, final long count, final WritableByteChannel target) throws IOException {
        while (true) {
            final FileChannel d = current;
            try {
                return d.transferTo(position, count, target);
            } catch (ClosedChannelException e) {
                reopen(d, e);
                if (e instanceof java.nio.channels.ClosedByInterruptException) {
                    throw e;
                }
            }
        }
    }

    /** {@code fsync} of data and metadata; completes even on an interrupted thread. */
    void force() throws IOException {
        uninterruptibly(d -> {
            d.force(true);
            return null;
        });
    }

    /** A read-write mapping of {@code [0, length)}, lengthening the file if needed; completes even if interrupted. */
    MappedByteBuffer map(final long length) throws IOException {
        return uninterruptibly(d -> d.map(FileChannel.MapMode.READ_WRITE, 0, length));
    }

    /**
     * Sets the file's length; completes even on an interrupted thread. Shortening truncates; lengthening writes one
     * zero byte at {@code length - 1}, leaving a hole before it (reads as zeros, takes no disk but the last block),
     * as {@code RandomAccessFile.setLength} would leave all of it. Writer only: the bytes past the old length are
     * nobody's yet.
     */
    void setLength(final long length) throws IOException {
        uninterruptibly(d -> {
            final long was = d.size();
            if (length < was) {
                d.truncate(length);
            } else if (length > was) {
                final ByteBuffer zero = ByteBuffer.allocate(1);
                while (zero.hasRemaining()) {
                    d.write(zero, length - 1);
                }
            }
            return null;
        });
    }

    /** The file's length. */
    long length() throws IOException {
        return uninterruptibly(FileChannel::size);
    }

    /** Descriptors opened to replace ones an interrupt closed (tests). */
    synchronized int reopens() {
        return reopens;
    }

    /** Closes the file for good: later calls throw {@link IllegalStateException}, and no repair reopens it. */
    @Override
    public synchronized void close() throws IOException {
        if (!closed) {
            closed = true;
            current.close();
        }
    }

    /**
     * Runs {@code call} with this thread's interrupt status cleared (set again after), so it cannot close the
     * channel on entry; an interrupt arriving inside the call closes it, and the call is retried on the repaired
     * one, as is a call that failed because another thread's interrupt closed it.
     */
    private <T> T uninterruptibly(final Call<T> call) throws IOException {
        boolean interrupted = false;
        try {
            while (true) {
                final FileChannel d = current;
                if (Thread.interrupted()) {
                    interrupted = true;
                }
                try {
                    return call.on(d);
                } catch (IOException e) {
                    reopen(d, e);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * After {@code failed} threw {@code cause}: rethrows it if the channel is still open (a real I/O error, or the
     * target's); throws {@link IllegalStateException} if this file was closed; else makes sure a new descriptor
     * replaced {@code failed} (this thread opens it unless another already did) and returns for a retry.
     */
    private void reopen(final FileChannel failed, final IOException cause) throws IOException {
        if (failed.isOpen()) {
            throw cause;
        }
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException(path + ": closed");
            }
            if (current != failed) {
                return;
            }
            try {
                current = openSameFile();
            } catch (IOException e) {
                e.addSuppressed(cause);
                throw e;
            }
            reopens++;
        }
    }

    /**
     * Opens this file again: under its live name, else under its retired one. Renames only go live to retired (on
     * the writer's thread, concurrently with this), so trying them in that order finds it even if it moves between
     * the two looks; the file key before and after the open proves the descriptor is this file's.
     */
    private FileChannel openSameFile() throws IOException {
        for (Path candidate : new Path[] {path, retiredPath}) {
            if (fileKey == null ? Files.exists(candidate) : fileKey.equals(fileKeyOf(candidate))) {
                final FileChannel d;
                try {
                    d = FileChannel.open(candidate, StandardOpenOption.READ, StandardOpenOption.WRITE); // no CREATE
                } catch (NoSuchFileException e) {
                    continue; // renamed since the look: the next name has it
                }
                if (fileKey == null || fileKey.equals(fileKeyOf(candidate))) {
                    return d;
                }
                d.close();
            }
        }
        throw new IOException(path + ": an interrupt closed the file's channel, and the file is no longer there to"
                + " reopen (neither under its name nor retired as " + retiredPath.getFileName() + ")");
    }

    private static Object fileKeyOf(final Path candidate) throws IOException {
        try {
            return Files.readAttributes(candidate, BasicFileAttributes.class).fileKey();
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    @Override
    public String toString() {
        return path.toString();
    }
}
