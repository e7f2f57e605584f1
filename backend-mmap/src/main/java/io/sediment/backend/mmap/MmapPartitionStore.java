package io.sediment.backend.mmap;

import io.sediment.api.StorageException;
import io.sediment.api.spi.PartitionStore;
import io.sediment.api.spi.SegmentFiles;
import io.sediment.api.spi.SegmentSpec;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;

/**
 * One partition's directory, {@code <dir>/<topic>-<partition>/}, holding Kafka-named segment files (see
 * {@link SegmentFileNames}).
 *
 * <p>Listing: a segment is live while its {@code <id>.log} exists; every other file is ignored by
 * {@link #segmentIds()}. Retiring renames {@code .log} to {@code .log.deleted} first (one atomic rename takes the
 * segment out of the listing, as the SPI asks), then the two index files, then fsyncs the directory. A crash
 * between renames can leave an index file whose {@code .log} is gone; {@link #purgeRetiredSegments()} removes
 * those strays with the {@code .deleted} files. Renaming does not disturb open handles or mappings, so a retired
 * segment's {@link SegmentFiles} still read the same bytes until closed.
 *
 * <p>Threading: the partition's single writer calls everything here; {@link SegmentFiles} reads may come from any
 * thread (see there).
 */
final class MmapPartitionStore implements PartitionStore {
    private final String name;
    private final Path dir;
    private final ResidentBudget residency;
    private final long writeThreshold;
    private volatile boolean closed;

    MmapPartitionStore(final String name, final Path dir, final ResidentBudget residency, final long writeThreshold) {
        this.name = name;
        this.dir = dir;
        this.residency = residency;
        this.writeThreshold = writeThreshold;
    }

    @Override
    public String name() {
        return name;
    }

    /** The partition's directory. */
    Path directory() {
        return dir;
    }

    @Override
    public long[] segmentIds() {
        ensureOpen();
        long[] ids = new long[16];
        int count = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path file : files) {
                final long id = SegmentFileNames.idOf(file.getFileName().toString(), SegmentFileNames.LOG);
                if (id >= 0) {
                    if (count == ids.length) {
                        ids = Arrays.copyOf(ids, count * 2);
                    }
                    ids[count++] = id;
                }
            }
        } catch (IOException e) {
            throw new StorageException(dir.toString(), "cannot list segments", e);
        }
        final long[] result = Arrays.copyOf(ids, count);
        Arrays.sort(result);
        return result;
    }

    @Override
    public SegmentFiles createSegment(final long id, final SegmentSpec spec) {
        ensureOpen();
        return MmapSegmentFiles.create(dir, id, spec, residency, writeThreshold);
    }

    @Override
    public SegmentFiles openSegment(final long id, final SegmentSpec spec) {
        ensureOpen();
        return MmapSegmentFiles.open(dir, id, spec, residency, writeThreshold);
    }

    @Override
    public void retireSegment(final long id) {
        ensureOpen();
        final Path log = SegmentFileNames.file(dir, id, SegmentFileNames.LOG);
        if (!Files.exists(log)) {
            throw new StorageException(log.toString(), "no such segment to retire");
        }
        for (String suffix : SegmentFileNames.SUFFIXES) {
            final Path live = SegmentFileNames.file(dir, id, suffix);
            try {
                Files.move(live, SegmentFileNames.retiredFile(dir, id, suffix), StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
            } catch (NoSuchFileException e) {
                if (suffix.equals(SegmentFileNames.LOG)) {
                    throw new StorageException(live.toString(), "no such segment to retire", e);
                }
                // an index file that was never created: nothing to rename
            } catch (IOException e) {
                throw new StorageException(live.toString(), "cannot rename to " + SegmentFileNames.DELETED, e);
            }
        }
        Directories.fsync(dir);
    }

    @Override
    public void destroyRetiredSegment(final long id) {
        ensureOpen();
        for (String suffix : SegmentFileNames.SUFFIXES) {
            delete(SegmentFileNames.retiredFile(dir, id, suffix));
        }
    }

    @Override
    public void purgeRetiredSegments() {
        ensureOpen();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path file : files) {
                final String fileName = file.getFileName().toString();
                if (SegmentFileNames.isRetired(fileName) || isStrayIndex(fileName)) {
                    delete(file);
                }
            }
        } catch (IOException e) {
            throw new StorageException(dir.toString(), "cannot list retired segments", e);
        }
    }

    /** An index file whose {@code .log} is gone: left by a retirement interrupted between renames. */
    private boolean isStrayIndex(final String fileName) {
        long id = SegmentFileNames.idOf(fileName, SegmentFileNames.INDEX);
        if (id < 0) {
            id = SegmentFileNames.idOf(fileName, SegmentFileNames.TIME_INDEX);
        }
        return id >= 0 && !Files.exists(SegmentFileNames.file(dir, id, SegmentFileNames.LOG));
    }

    private static void delete(final Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new StorageException(file.toString(), "cannot delete", e);
        }
    }

    @Override
    public void close() {
        closed = true;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException(dir + ": partition store is closed");
        }
    }

    @Override
    public String toString() {
        return "partition " + name + " in " + dir;
    }
}
