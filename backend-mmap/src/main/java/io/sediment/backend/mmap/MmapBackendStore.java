package io.sediment.backend.mmap;

import io.sediment.api.StorageException;
import io.sediment.api.spi.BackendStore;
import io.sediment.api.spi.PartitionStore;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collections;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * A data directory ({@code log.dir}) whose subdirectories are partition stores, {@code <dir>/<name>/}, as in
 * Kafka. Regular files in it (the engine's checkpoints, a lock file) are not partitions and are ignored.
 *
 * <p>Names are checked so that no partition can live outside the directory: a name must be one plain path
 * element ({@code ../x}, {@code /abs}, {@code a/b}, {@code .}, {@code ..} and the empty name are refused with
 * {@link StorageException}), and the resolved path, normalised, must be a direct child of the directory.
 *
 * <p>Deleting renames the partition's directory to {@code <name>.<nanos>-delete} (Kafka's convention for a
 * partition being deleted) before removing its files, so a crash half-way leaves a directory that is no longer
 * listed; the next {@link MmapStorageBackend#open} finishes the removal.
 *
 * <p>Threading: safe from any thread; the engine serialises create, open and delete of one name.
 */
final class MmapBackendStore implements BackendStore {
    private static final String DELETING = "-delete";

    private final Path dir;
    /** The store's resident window, shared by every segment of every partition in it. */
    private final ResidentBudget residency;
    private final long writeThreshold;
    private volatile boolean closed;

    private MmapBackendStore(final Path dir, final ResidencyPolicy residency, final long writeThreshold) {
        this.dir = dir;
        this.residency = new ResidentBudget(residency);
        this.writeThreshold = writeThreshold;
    }

    static MmapBackendStore open(final Path directory, final ResidencyPolicy residency, final long writeThreshold) {
        final Path dir = directory.toAbsolutePath().normalize();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new StorageException(dir.toString(), "cannot create data directory", e);
        }
        if (!Files.isDirectory(dir) || !Files.isWritable(dir)) {
            throw new StorageException(dir.toString(), "not a writable directory");
        }
        final MmapBackendStore store = new MmapBackendStore(dir, residency, writeThreshold);
        store.finishDeletions();
        return store;
    }

    /** The resident window shared by this store's segments (tests read its accounting). */
    ResidentBudget residentBudget() {
        return residency;
    }

    @Override
    public Path directory() {
        return dir;
    }

    @Override
    public SortedSet<String> partitions() {
        ensureOpen();
        final SortedSet<String> names = new TreeSet<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, Files::isDirectory)) {
            for (Path entry : entries) {
                final String name = entry.getFileName().toString();
                if (!name.endsWith(DELETING)) {
                    names.add(name);
                }
            }
        } catch (IOException e) {
            throw new StorageException(dir.toString(), "cannot list partitions", e);
        }
        return Collections.unmodifiableSortedSet(names);
    }

    @Override
    public PartitionStore createPartition(final String name) {
        ensureOpen();
        final Path partitionDir = resolve(name);
        try {
            Files.createDirectory(partitionDir);
        } catch (FileAlreadyExistsException e) {
            throw new StorageException(partitionDir.toString(), "partition already exists", e);
        } catch (IOException e) {
            throw new StorageException(partitionDir.toString(), "cannot create partition directory", e);
        }
        Directories.fsync(dir);
        return new MmapPartitionStore(name, partitionDir, residency, writeThreshold);
    }

    @Override
    public PartitionStore openPartition(final String name) {
        ensureOpen();
        final Path partitionDir = resolve(name);
        if (!Files.isDirectory(partitionDir)) {
            throw new StorageException(partitionDir.toString(), "no such partition");
        }
        return new MmapPartitionStore(name, partitionDir, residency, writeThreshold);
    }

    @Override
    public void deletePartition(final String name) {
        ensureOpen();
        final Path partitionDir = resolve(name);
        if (!Files.isDirectory(partitionDir)) {
            throw new StorageException(partitionDir.toString(), "no such partition");
        }
        final Path doomed = dir.resolve(name + "." + System.nanoTime() + DELETING);
        try {
            Files.move(partitionDir, doomed, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new StorageException(partitionDir.toString(), "cannot rename partition for deletion", e);
        }
        Directories.fsync(dir);
        Directories.deleteTree(doomed);
    }

    @Override
    public void close() {
        closed = true;
    }

    /** The directory of partition {@code name}, refusing any name that is not one plain element inside dir. */
    private Path resolve(final String name) {
        if (name == null || name.isEmpty() || name.equals(".") || name.equals("..") || name.endsWith(DELETING)
                || name.indexOf('/') >= 0 || name.indexOf('\\') >= 0 || name.indexOf('\0') >= 0) {
            throw new StorageException(dir.resolve(String.valueOf(name).replace('\0', '?')).toString(),
                    "invalid partition name '" + name + "'");
        }
        final Path resolved;
        try {
            resolved = dir.resolve(name).normalize();
        } catch (InvalidPathException e) {
            throw new StorageException(dir + "/" + name, "invalid partition name", e);
        }
        if (!resolved.startsWith(dir) || !dir.equals(resolved.getParent())) {
            throw new StorageException(resolved.toString(), "partition name '" + name + "' resolves outside " + dir);
        }
        return resolved;
    }

    /** Removes partitions whose deletion a crash interrupted. */
    private void finishDeletions() {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, Files::isDirectory)) {
            for (Path entry : entries) {
                if (entry.getFileName().toString().endsWith(DELETING)) {
                    Directories.deleteTree(entry);
                }
            }
        } catch (IOException e) {
            throw new StorageException(dir.toString(), "cannot list partitions", e);
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException(dir + ": store is closed");
        }
    }

    @Override
    public String toString() {
        return "mmap store in " + dir;
    }
}
