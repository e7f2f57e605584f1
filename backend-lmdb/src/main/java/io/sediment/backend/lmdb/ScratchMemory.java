package io.sediment.backend.lmdb;

import io.sediment.api.StorageException;
import io.sediment.api.spi.Uninterruptibly;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Zero-filled memory for index regions that costs nothing until touched: a shared mapping of a sparse scratch
 * file that is unlinked as soon as it is mapped.
 *
 * <p>Why not {@code ByteBuffer.allocateDirect}: the SPI asks for an index region of at least the spec's capacity
 * ({@code segment.index.bytes}, 10 MiB by default) for every open segment, sealed ones included, and
 * {@code allocateDirect} zeroes (so commits) all of it: a few dozen open segments would exhaust direct memory. A
 * mapping of a sparse file only takes the pages the index actually writes. The bytes that matter are persisted in
 * LMDB by {@link LmdbIndexRegion}; the scratch file is never read back (a crash leaves at most a
 * {@code *.scratch~} file, deleted at the next open).
 *
 * <p>Threading: {@link #map} and {@link #unmap} from any thread; the caller guarantees nobody touches a buffer
 * after unmapping it.
 */
final class ScratchMemory {
    private static final String SUFFIX = ".scratch~";
    /** {@code sun.misc.Unsafe} (module jdk.unsupported, no JVM flag needed) and its {@code invokeCleaner}. */
    private static final Object UNSAFE;
    private static final Method INVOKE_CLEANER;

    static {
        Object unsafe = null;
        Method invokeCleaner = null;
        try {
            final Class<?> type = Class.forName("sun.misc.Unsafe");
            final Field f = type.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            unsafe = f.get(null);
            invokeCleaner = type.getMethod("invokeCleaner", ByteBuffer.class);
        } catch (final ReflectiveOperationException | RuntimeException e) {
            unsafe = null; // mappings are then released by the GC
        }
        UNSAFE = unsafe;
        INVOKE_CLEANER = invokeCleaner;
    }

    private ScratchMemory() {
    }

    static ByteBuffer map(final Path directory, final int capacity) {
        if (capacity == 0) {
            return ByteBuffer.allocateDirect(0);
        }
        Path file = null;
        try {
            final Path scratch = Files.createTempFile(directory, "index-", SUFFIX);
            file = scratch;
            return Uninterruptibly.run(() -> {
                try (FileChannel channel = FileChannel.open(scratch, StandardOpenOption.READ,
                        StandardOpenOption.WRITE)) {
                    return channel.map(FileChannel.MapMode.READ_WRITE, 0, capacity);
                }
            });
        } catch (final IOException e) {
            throw new StorageException(String.valueOf(file == null ? directory : file),
                    "cannot map " + capacity + " bytes of scratch memory for an index region: " + e, e);
        } finally {
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (final IOException ignored) {
                    // left for cleanUp at the next open
                }
            }
        }
    }

    /** Unmaps now rather than at some GC; a no-op for buffers this class did not map. */
    static void unmap(final ByteBuffer buffer) {
        if (buffer instanceof MappedByteBuffer && INVOKE_CLEANER != null) {
            try {
                INVOKE_CLEANER.invoke(UNSAFE, buffer);
            } catch (final ReflectiveOperationException e) {
                // left to the GC
            }
        }
    }

    /** Deletes scratch files a crashed process left in {@code directory}. */
    static void cleanUp(final Path directory) {
        try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(directory, "*" + SUFFIX)) {
            for (Path p : leftovers) {
                Files.deleteIfExists(p);
            }
        } catch (final IOException e) {
            throw new StorageException(directory.toString(), "cannot delete leftover scratch files: " + e, e);
        }
    }
}
