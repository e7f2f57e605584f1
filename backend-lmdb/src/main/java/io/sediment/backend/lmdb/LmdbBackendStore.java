package io.sediment.backend.lmdb;

import io.sediment.api.StorageException;
import io.sediment.api.spi.BackendStore;
import io.sediment.api.spi.PartitionStore;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The LMDB backend's store in one data directory: one LMDB environment per partition.
 *
 * <pre>
 *   &lt;dir&gt;/lmdb/@store.lock             held (FileLock) while the store is open
 *   &lt;dir&gt;/lmdb/&lt;partition&gt;/data.mdb     the partition's environment (see {@link LmdbLayout})
 *   &lt;dir&gt;/lmdb/&lt;partition&gt;/lock.mdb     LMDB's reader table
 *   &lt;dir&gt;/lmdb/&lt;partition&gt;.new~         a partition being created (renamed into place when complete)
 *   &lt;dir&gt;/lmdb/&lt;partition&gt;.deleted~     a partition being deleted
 * </pre>
 *
 * <p>Everything lives under {@code lmdb/}, so an mmap layout in the same directory ({@code <dir>/<topic>-<n>/}
 * with {@code .log} files) is never mistaken for LMDB partitions, and vice versa. Names ending in {@code ~} or
 * starting with {@code @} cannot be partition names ({@link #NAME}), so the bookkeeping files cannot collide with
 * one. Creation and deletion are a rename, so {@link #partitions()} never lists a half-made partition.
 *
 * <p>Why an environment per partition rather than one per directory: LMDB allows one write transaction per
 * environment at a time, and a commit fsyncs, so one shared environment would queue every partition's writer
 * behind every other's fsync; each partition's data keys are its own, so the active segment's chunks are always
 * the greatest keys and go in with {@code MDB_APPEND}; deleting a partition deletes its files and gives the space
 * back to the file system (a shared {@code data.mdb} never shrinks); and a damaged file takes one partition down,
 * not the directory. The price is a mapping and three file descriptors per open partition.
 *
 * <p>Threading: any thread; methods are synchronized. LMDB forbids opening one environment twice in a process,
 * so a partition can be open once, and the directory lock keeps a second store (in this or another JVM) out.
 */
final class LmdbBackendStore implements BackendStore {
    /** Partition names: Kafka's topic characters, and never {@code .} or {@code ..}. */
    static final Pattern NAME = Pattern.compile("[a-zA-Z0-9._-]+");
    static final String SUBDIRECTORY = "lmdb";
    private static final String LOCK_FILE = "@store.lock";
    private static final String CREATING = ".new~";
    private static final String DELETING = ".deleted~";

    private final Path directory;
    private final Path root;
    private final long initialMapBytes;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final Map<String, LmdbPartitionStore> open = new HashMap<>();
    private boolean closed;

    private LmdbBackendStore(final Path directory, final Path root, final long initialMapBytes,
                             final FileChannel lockChannel, final FileLock lock) {
        this.directory = directory;
        this.root = root;
        this.initialMapBytes = initialMapBytes;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    static LmdbBackendStore open(final Path directory, final long initialMapBytes) {
        final Path root = directory.resolve(SUBDIRECTORY);
        try {
            Files.createDirectories(root);
        } catch (final IOException e) {
            throw new StorageException(root.toString(), "cannot create the LMDB store directory: " + e, e);
        }
        final Path lockFile = root.resolve(LOCK_FILE);
        FileChannel channel = null;
        try {
            channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            final FileLock lock = channel.tryLock();
            if (lock == null) {
                throw new StorageException(lockFile.toString(), "the LMDB store is locked by another process");
            }
            final LmdbBackendStore store = new LmdbBackendStore(directory, root, initialMapBytes, channel, lock);
            store.removeLeftovers();
            return store;
        } catch (final OverlappingFileLockException e) {
            closeQuietly(channel);
            throw new StorageException(lockFile.toString(), "the LMDB store is already open in this JVM", e);
        } catch (final IOException e) {
            closeQuietly(channel);
            throw new StorageException(lockFile.toString(), "cannot lock the LMDB store: " + e, e);
        } catch (final RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    @Override
    public Path directory() {
        return directory;
    }

    @Override
    public synchronized SortedSet<String> partitions() {
        ensureOpen();
        final SortedSet<String> names = new TreeSet<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(root)) {
            for (Path p : entries) {
                final String name = p.getFileName().toString();
                if (isValidName(name) && Files.isRegularFile(p.resolve(LmdbPartitionStore.DATA_FILE))) {
                    names.add(name);
                }
            }
        } catch (final IOException e) {
            throw new StorageException(root.toString(), "cannot list partitions: " + e, e);
        }
        return names;
    }

    @Override
    public synchronized PartitionStore createPartition(final String name) {
        ensureOpen();
        final Path target = partitionDirectory(name);
        if (Files.exists(target)) {
            throw new StorageException(target.toString(), "partition " + name + " already exists");
        }
        final Path staging = root.resolve(name + CREATING);
        try {
            deleteRecursively(staging);
            Files.createDirectory(staging);
            LmdbPartitionStore.initialize(staging, initialMapBytes);
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (final IOException e) {
            throw new StorageException(target.toString(), "cannot create partition " + name + ": " + e, e);
        }
        return openExisting(name, target);
    }

    @Override
    public synchronized PartitionStore openPartition(final String name) {
        ensureOpen();
        final Path target = partitionDirectory(name);
        if (!Files.isRegularFile(target.resolve(LmdbPartitionStore.DATA_FILE))) {
            throw new StorageException(target.toString(), "no LMDB partition " + name);
        }
        return openExisting(name, target);
    }

    @Override
    public synchronized void deletePartition(final String name) {
        ensureOpen();
        final Path target = partitionDirectory(name);
        if (open.containsKey(name)) {
            throw new IllegalStateException("partition " + name + " is open: close it before deleting it");
        }
        if (!Files.isRegularFile(target.resolve(LmdbPartitionStore.DATA_FILE))) {
            throw new StorageException(target.toString(), "no LMDB partition " + name + " to delete");
        }
        final Path doomed = root.resolve(name + DELETING);
        try {
            deleteRecursively(doomed);
            Files.move(target, doomed, StandardCopyOption.ATOMIC_MOVE);
            deleteRecursively(doomed);
        } catch (final IOException e) {
            throw new StorageException(target.toString(), "cannot delete partition " + name + ": " + e, e);
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (LmdbPartitionStore partition : open.values().toArray(new LmdbPartitionStore[0])) {
            partition.close();
        }
        try {
            lock.release();
            lockChannel.close();
        } catch (final IOException e) {
            throw new StorageException(root.resolve(LOCK_FILE).toString(), "cannot release the store lock: " + e, e);
        }
    }

    private LmdbPartitionStore openExisting(final String name, final Path target) {
        if (open.containsKey(name)) {
            throw new StorageException(target.toString(), "partition " + name + " is already open");
        }
        final LmdbPartitionStore partition = LmdbPartitionStore.open(name, target, initialMapBytes,
                () -> closed(name));
        open.put(name, partition);
        return partition;
    }

    private synchronized void closed(final String name) {
        open.remove(name);
    }

    private Path partitionDirectory(final String name) {
        if (name == null || !isValidName(name)) {
            throw new StorageException(root.resolve(String.valueOf(name)).toString(),
                    "invalid partition name '" + name + "': must match [a-zA-Z0-9._-]+ and not be '.' or '..'");
        }
        return root.resolve(name);
    }

    static boolean isValidName(final String name) {
        return NAME.matcher(name).matches() && !name.equals(".") && !name.equals("..");
    }

    private void removeLeftovers() {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(root, "*~")) {
            for (Path p : entries) {
                deleteRecursively(p);
            }
        } catch (final IOException e) {
            throw new StorageException(root.toString(), "cannot remove an interrupted create or delete: " + e, e);
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("LMDB store " + root + " is closed");
        }
    }

    private static void deleteRecursively(final Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }

    private static void closeQuietly(final FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (final IOException ignored) {
                // already failing with a better error
            }
        }
    }
}
