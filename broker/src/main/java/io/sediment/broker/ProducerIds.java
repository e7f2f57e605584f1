package io.sediment.broker;

import io.sediment.api.StorageException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Hands out producer ids that are never reused, across restarts: ids are reserved in blocks, and the end of the
 * current block is made durable before any id from it is given out. A restart skips the rest of the block.
 *
 * <p>File {@code <log.dir>/sediment-producer-ids}: one line, the first id not yet reserved, in decimal. Written
 * to a {@code .tmp} file, fsynced and renamed over.
 *
 * <p>Threading: {@link #next} is synchronized; any thread.
 */
final class ProducerIds {
    static final String FILE_NAME = "sediment-producer-ids";
    private static final long BLOCK = 1000;

    private final Path file;
    private long next;
    private long reservedEnd;

    ProducerIds(final Path logDir) {
        this.file = logDir.resolve(FILE_NAME);
        long start = 0;
        if (Files.exists(file)) {
            try {
                start = Long.parseLong(Files.readString(file, StandardCharsets.UTF_8).trim());
            } catch (IOException | NumberFormatException e) {
                throw new StorageException(file.toString(), "cannot read the next producer id", e);
            }
        }
        this.next = start;
        this.reservedEnd = start;
    }

    synchronized long next() {
        if (next == reservedEnd) {
            reservedEnd = next + BLOCK;
            write(reservedEnd);
        }
        return next++;
    }

    private void write(final long value) {
        final Path tmp = file.resolveSibling(FILE_NAME + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(ByteBuffer.wrap((value + "\n").getBytes(StandardCharsets.UTF_8)));
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new StorageException(file.toString(), "cannot reserve producer ids", e);
        }
    }
}
