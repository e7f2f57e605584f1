package io.sediment.backend.mmap;

import io.sediment.api.StorageException;
import io.sediment.api.spi.Uninterruptibly;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The two directory operations the backend needs beyond {@link Files}: making a directory's entries durable and
 * removing a tree.
 *
 * <p>Threading: stateless; safe from any thread.
 */
final class Directories {
    private Directories() {
    }

    /**
     * Makes the creation, rename or removal of entries in {@code dir} durable (fsync of the directory), as Kafka's
     * {@code Utils.flushDir} does: a new segment file whose data was fsynced can otherwise vanish in a power loss.
     */
    static void fsync(final Path dir) {
        // Completes on an interrupted thread (the writer's or the flusher's, see InterruptSafeFile): the channel is
        // this call's own, but an interrupt would close it before the fsync, and the entries must become durable.
        try {
            Uninterruptibly.run(() -> {
                try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
                    channel.force(true);
                }
                return null;
            });
        } catch (IOException e) {
            throw new StorageException(dir.toString(), "cannot fsync directory", e);
        }
    }

    /** Removes {@code root} and everything under it; a missing root is not an error. */
    static void deleteTree(final Path root) {
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(final Path file, final BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(final Path dir, final IOException e) throws IOException {
                    if (e != null) {
                        throw e;
                    }
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (NoSuchFileException e) {
            // already gone
        } catch (IOException e) {
            throw new StorageException(root.toString(), "cannot delete", e);
        }
    }
}
