package io.sediment.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Read-only access to a data directory as the mmap backend lays it out: partition directories
 * {@code <topic>-<partition>/} holding {@code <20-digit base offset>.log}, {@code .index} and {@code .timeindex}.
 * Files are mapped {@code READ_ONLY}; nothing here writes, renames or locks, so {@code log dump} and
 * {@code log verify} can run beside a live broker and never disturb the clean-shutdown marker.
 */
final class SegmentFiles {
    private SegmentFiles() {
    }

    /** The partition directories under {@code path}: itself if it holds {@code .log} files, else its children. */
    static List<Path> partitionDirs(final Path path) throws IOException {
        if (!Files.isDirectory(path)) {
            throw new CliException("No such directory: " + path);
        }
        if (!logFiles(path).isEmpty()) {
            return List.of(path);
        }
        final List<Path> dirs = new ArrayList<>();
        try (Stream<Path> s = Files.list(path)) {
            s.filter(Files::isDirectory).sorted().forEach(dirs::add);
        }
        final List<Path> partitions = new ArrayList<>();
        for (Path d : dirs) {
            if (d.getFileName().toString().matches(".+-\\d+") && !logFiles(d).isEmpty()) {
                partitions.add(d);
            }
        }
        return partitions;
    }

    /** The {@code .log} files of one partition directory, in base-offset order. */
    static List<Path> logFiles(final Path partitionDir) throws IOException {
        try (Stream<Path> s = Files.list(partitionDir)) {
            return s.filter(p -> p.getFileName().toString().matches("\\d{20}\\.log")).sorted().toList();
        }
    }

    static long baseOffset(final Path segmentFile) {
        final String name = segmentFile.getFileName().toString();
        return Long.parseLong(name.substring(0, name.indexOf('.')));
    }

    static Path sibling(final Path logFile, final String suffix) {
        final String name = logFile.getFileName().toString();
        return logFile.resolveSibling(name.substring(0, name.indexOf('.')) + suffix);
    }

    /** The whole file mapped read-only (an empty buffer for an empty or missing file). */
    static ByteBuffer map(final Path file) throws IOException {
        if (!Files.exists(file)) {
            return ByteBuffer.allocate(0);
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            final long size = ch.size();
            if (size == 0) {
                return ByteBuffer.allocate(0);
            }
            if (size > Integer.MAX_VALUE) {
                throw new CliException(file + " is larger than 2 GiB; segments never are");
            }
            return ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
        }
    }
}
