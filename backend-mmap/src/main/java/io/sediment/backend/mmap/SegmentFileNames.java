package io.sediment.backend.mmap;

import io.sediment.api.spi.SegmentName;
import java.nio.file.Path;

/**
 * The names of a segment's files inside a partition directory, exactly Kafka's:
 *
 * <pre>
 *   00000000000000000000.log        data: the segment's bytes (record batches, to the engine)
 *   00000000000000000000.index      offset index region
 *   00000000000000000000.timeindex  time index region
 *   00000000000000000000.log.deleted (and .index.deleted, .timeindex.deleted): a retired segment
 * </pre>
 *
 * The stem is the segment id (the engine uses the base offset) zero-padded to 20 decimal digits, so names sort
 * as ids do and {@code kafka-dump-log.sh} / {@code DumpLogSegments} recognise the files.
 *
 * <p>Threading: stateless; safe from any thread.
 */
final class SegmentFileNames {
    static final String LOG = ".log";
    static final String INDEX = ".index";
    static final String TIME_INDEX = ".timeindex";
    static final String DELETED = ".deleted";

    /** The suffixes of one segment's files, {@code .log} first: retirement renames it first (see there). */
    static final String[] SUFFIXES = {LOG, INDEX, TIME_INDEX};

    private static final int DIGITS = 20;

    private SegmentFileNames() {
    }

    static String stem(final long id) {
        if (id < 0) {
            throw new IllegalArgumentException("segment id must not be negative: " + id);
        }
        return SegmentName.of(id);
    }

    static Path file(final Path partitionDir, final long id, final String suffix) {
        return partitionDir.resolve(stem(id) + suffix);
    }

    static Path retiredFile(final Path partitionDir, final long id, final String suffix) {
        return partitionDir.resolve(stem(id) + suffix + DELETED);
    }

    /**
     * The id named by {@code fileName} if it is {@code <20 digits><suffix>} exactly, else -1. Anything else in the
     * directory (checkpoints, Kafka's {@code .snapshot} or {@code .swap} files, editor droppings) is not ours.
     */
    static long idOf(final String fileName, final String suffix) {
        if (fileName.length() != DIGITS + suffix.length() || !fileName.endsWith(suffix)) {
            return -1;
        }
        long id = 0;
        for (int i = 0; i < DIGITS; i++) {
            final char c = fileName.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            final int digit = c - '0';
            if (id > (Long.MAX_VALUE - digit) / 10) {
                return -1;
            }
            id = id * 10 + digit;
        }
        return id;
    }

    /** Whether {@code fileName} is a retired segment file: {@code <20 digits>.{log,index,timeindex}.deleted}. */
    static boolean isRetired(final String fileName) {
        for (String suffix : SUFFIXES) {
            if (idOf(fileName, suffix + DELETED) >= 0) {
                return true;
            }
        }
        return false;
    }
}
