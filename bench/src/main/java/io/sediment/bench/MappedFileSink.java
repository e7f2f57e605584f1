package io.sediment.bench;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The baseline the engine is measured against: bytes copied with one sequential {@code put} into fresh
 * memory-mapped files and nothing else: no validation, no offsets, no index, no publication.
 *
 * <p>It does what the mmap backend's data path does and no more: each file ({@code <20-digit number>.bin}) is
 * created sparse at {@code fileBytes} with {@code setLength}, mapped {@code READ_WRITE} whole, and written from
 * position 0; a write that would not fit starts the next file (as a segment roll does). Like the engine it keeps
 * every mapping until {@link #close()}, which unmaps them, so both pay the same page faults and hold the same address
 * space. A single write larger than {@code fileBytes} is refused.
 *
 * <p>Not thread-safe: one benchmark thread writes and reads.
 */
public final class MappedFileSink implements AutoCloseable {
    private static final MethodHandle INVOKE_CLEANER = invokeCleaner();

    private final Path directory;
    private final int fileBytes;
    private final List<MappedByteBuffer> files = new ArrayList<>();
    private final List<Integer> sizes = new ArrayList<>();
    private MappedByteBuffer current;
    private int position;

    public MappedFileSink(final Path directory, final int fileBytes) {
        if (fileBytes < 1) {
            throw new IllegalArgumentException("fileBytes " + fileBytes + " must be positive");
        }
        this.directory = directory;
        this.fileBytes = fileBytes;
    }

    /** Copies {@code src} from position to limit and moves its position to the limit. */
    public void write(final ByteBuffer src) {
        final int length = src.remaining();
        if (length > fileBytes) {
            throw new IllegalArgumentException("write of " + length + " bytes exceeds the file size " + fileBytes);
        }
        if (current == null || position + length > fileBytes) {
            startNextFile();
        }
        current.put(position, src, src.position(), length);
        src.position(src.limit());
        position += length;
    }

    public int fileCount() {
        return files.size();
    }

    /** The mapping of file {@code i}; bytes {@code [0, size(i))} hold what was written. */
    public ByteBuffer file(final int i) {
        return files.get(i);
    }

    public int size(final int i) {
        return i == files.size() - 1 ? position : sizes.get(i);
    }

    private void startNextFile() {
        if (current != null) {
            sizes.add(position);
        }
        final Path path = directory.resolve(String.format("%020d.bin", files.size()));
        try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw")) {
            file.setLength(fileBytes);
            // The mapping outlives the channel: closing the file does not unmap.
            current = file.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, fileBytes);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create and map " + path, e);
        }
        files.add(current);
        position = 0;
    }

    /** Unmaps every file (the files stay; the owner deletes its directory). */
    @Override
    public void close() {
        for (MappedByteBuffer m : files) {
            unmap(m);
        }
        files.clear();
        sizes.clear();
        current = null;
    }

    private static void unmap(final MappedByteBuffer mapping) {
        if (INVOKE_CLEANER == null) {
            return; // left to the garbage collector
        }
        try {
            INVOKE_CLEANER.invokeExact((ByteBuffer) mapping);
        } catch (Throwable t) {
            throw new IllegalStateException("unmapping failed", t);
        }
    }

    /**
     * {@code sun.misc.Unsafe.invokeCleaner}, looked up reflectively (module {@code jdk.unsupported}, no JVM flags
     * needed) because naming {@code sun.misc.Unsafe} in source draws a javac warning that cannot be suppressed.
     * Null when unavailable: then mappings are released by the garbage collector.
     */
    private static MethodHandle invokeCleaner() {
        try {
            final Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
            final Field theUnsafe = unsafeClass.getDeclaredField("theUnsafe");
            theUnsafe.setAccessible(true);
            return MethodHandles.lookup()
                    .findVirtual(unsafeClass, "invokeCleaner", MethodType.methodType(void.class, ByteBuffer.class))
                    .bindTo(theUnsafe.get(null));
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
