package io.sediment.backend.lmdb;

import io.sediment.api.StorageException;
import io.sediment.api.spi.BackendStore;
import io.sediment.api.spi.StorageBackend;
import org.lmdbjava.Env;

import java.nio.file.Path;

/**
 * The storage SPI on LMDB (lmdbjava 0.9.3, bundled native liblmdb), selected with {@code log.backend=lmdb}.
 *
 * <p>Needs the JVM flags {@value #REQUIRED_FLAGS} (lmdbjava's ByteBuffer proxy reads a direct buffer's address
 * field); {@link #open} checks for them first and fails with a {@link StorageException} that names them, instead of
 * an {@code InaccessibleObjectException} deep inside lmdbjava.
 *
 * <p>Threading: stateless; {@link #open} from any thread.
 */
public final class LmdbStorageBackend implements StorageBackend {
    /** The flags lmdbjava's ByteBuffer proxy needs. */
    public static final String REQUIRED_FLAGS =
            "--add-opens java.base/java.nio=ALL-UNNAMED --add-exports java.base/sun.nio.ch=ALL-UNNAMED";
    /** A new environment's map size; the map grows on demand, so this only sets the first step. */
    public static final long DEFAULT_INITIAL_MAP_BYTES = 64L * 1024 * 1024;

    private final long initialMapBytes;

    public LmdbStorageBackend() {
        this(DEFAULT_INITIAL_MAP_BYTES);
    }

    /** @param initialMapBytes the map size each partition's environment starts with (at least 1 MiB) */
    public LmdbStorageBackend(final long initialMapBytes) {
        if (initialMapBytes < 1024 * 1024) {
            throw new IllegalArgumentException("initial map size " + initialMapBytes + " is below 1 MiB");
        }
        this.initialMapBytes = initialMapBytes;
    }

    @Override
    public String name() {
        return "lmdb";
    }

    @Override
    public BackendStore open(final Path directory) {
        checkJvmAccess(directory);
        return LmdbBackendStore.open(directory, initialMapBytes);
    }

    private static void checkJvmAccess(final Path directory) {
        final Module javaBase = Object.class.getModule();
        final Module lmdbjava = Env.class.getModule();
        if (!javaBase.isOpen("java.nio", lmdbjava) || !javaBase.isExported("sun.nio.ch", lmdbjava)) {
            throw new StorageException(directory.toString(), "the LMDB backend needs the JVM flags " + REQUIRED_FLAGS
                    + " (lmdbjava reads direct buffers' addresses); start the JVM with them or use log.backend=mmap");
        }
    }
}
