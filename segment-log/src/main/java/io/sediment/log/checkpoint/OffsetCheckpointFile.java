package io.sediment.log.checkpoint;

import io.sediment.api.InvalidTopicException;
import io.sediment.api.StorageException;
import io.sediment.api.TopicPartition;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One offset checkpoint file in a log directory, in Kafka's format ({@link OffsetCheckpointLayout}): the recovery
 * point or the log start offset of every partition, so a directory Kafka wrote reads here and the other way round.
 *
 * <p>Crash safety. {@link #write} never modifies the checkpoint in place. It writes the whole content to
 * {@code <file>.tmp}, fsyncs it, renames it over {@code <file>} with an atomic rename, then fsyncs the directory.
 * At every instant the name {@code <file>} therefore refers either to the complete previous content or to the
 * complete new content, never to a torn mix:
 * <ul>
 *   <li>a crash before the rename leaves the old file (or none) and a stray, possibly partial {@code .tmp}, which
 *       {@link #read} never looks at and the next write truncates and replaces;</li>
 *   <li>the temp file is fsynced before the rename, so once the rename is durable the data behind the new name is
 *       too (without that fsync, a file system may persist the rename before the data and leave an empty file);</li>
 *   <li>the directory fsync makes the rename itself durable before {@code write} returns, so a caller that acts on
 *       a written checkpoint (deleting segments below a log start offset) cannot lose it to a crash afterwards.
 *       Some platforms refuse to open a directory (Windows); there the directory fsync is skipped, as Kafka does.</li>
 * </ul>
 * A checkpoint that is missing reads as empty (a new directory); the engine then recovers from the data, which is
 * always safe. A malformed one is an error naming the file and line: the engine must not guess offsets.
 *
 * <p>Threading: {@code read} and {@code write} are synchronized on the instance; use one instance per file.
 * Neither is on a hot path (the engine writes checkpoints periodically and when the log start offset moves).
 */
public final class OffsetCheckpointFile {
    private static final Pattern WHITESPACE = Pattern.compile("\\s+");

    private final Path file;
    private final Path tempFile;

    public OffsetCheckpointFile(final Path file) {
        this.file = file;
        this.tempFile = file.resolveSibling(file.getFileName() + OffsetCheckpointLayout.TEMP_SUFFIX);
    }

    public Path file() {
        return file;
    }

    /**
     * Reads the checkpoint.
     *
     * @return every entry; empty if the file does not exist
     * @throws StorageException naming the file (and the line, for a malformed file) if it cannot be read or parsed
     */
    public synchronized Map<TopicPartition, Long> read() {
        final BufferedReader reader;
        try {
            reader = Files.newBufferedReader(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return new HashMap<>();
        } catch (IOException e) {
            throw new StorageException(file.toString(), "cannot open checkpoint: " + e, e);
        }
        try (reader) {
            final String versionLine = reader.readLine();
            if (versionLine == null) {
                throw malformed(OffsetCheckpointLayout.VERSION_LINE, "file is empty, expected the version");
            }
            final int version = parseInt(versionLine.trim(), OffsetCheckpointLayout.VERSION_LINE, "version");
            if (version != OffsetCheckpointLayout.VERSION) {
                throw malformed(OffsetCheckpointLayout.VERSION_LINE, "unsupported version " + version + ", expected "
                        + OffsetCheckpointLayout.VERSION);
            }
            final String countLine = reader.readLine();
            if (countLine == null) {
                throw malformed(OffsetCheckpointLayout.COUNT_LINE, "missing entry count");
            }
            final int count = parseInt(countLine.trim(), OffsetCheckpointLayout.COUNT_LINE, "entry count");
            if (count < 0) {
                throw malformed(OffsetCheckpointLayout.COUNT_LINE, "negative entry count " + count);
            }
            final Map<TopicPartition, Long> entries = new HashMap<>();
            for (int i = 0; i < count; i++) {
                final int lineNumber = OffsetCheckpointLayout.FIRST_ENTRY_LINE + i;
                final String line = reader.readLine();
                if (line == null) {
                    throw malformed(lineNumber, "file ends after " + i + " of " + count + " entries");
                }
                parseEntry(line, lineNumber, entries);
            }
            final String extra = reader.readLine();
            if (extra != null) {
                throw malformed(OffsetCheckpointLayout.FIRST_ENTRY_LINE + count, "unexpected line after the "
                        + count + " entries the header announces: '" + extra + "'");
            }
            return entries;
        } catch (IOException e) {
            throw new StorageException(file.toString(), "cannot read checkpoint: " + e, e);
        }
    }

    private void parseEntry(final String line, final int lineNumber, final Map<TopicPartition, Long> entries) {
        final String[] fields = WHITESPACE.split(line.trim());
        if (fields.length != OffsetCheckpointLayout.ENTRY_FIELDS) {
            throw malformed(lineNumber, "expected '<topic> <partition> <offset>', found '" + line + "'");
        }
        final int partition = parseInt(fields[1], lineNumber, "partition");
        final long offset;
        try {
            offset = Long.parseLong(fields[2]);
        } catch (NumberFormatException e) {
            throw malformed(lineNumber, "offset '" + fields[2] + "' is not a number");
        }
        final TopicPartition tp;
        try {
            tp = new TopicPartition(fields[0], partition);
        } catch (InvalidTopicException e) {
            throw malformed(lineNumber, e.getMessage());
        }
        if (entries.put(tp, offset) != null) {
            throw malformed(lineNumber, "second entry for " + tp);
        }
    }

    private int parseInt(final String text, final int lineNumber, final String what) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw malformed(lineNumber, what + " '" + text + "' is not a number");
        }
    }

    private StorageException malformed(final int lineNumber, final String message) {
        return new StorageException(file.toString(), "malformed checkpoint at line " + lineNumber + ": " + message);
    }

    /**
     * Replaces the checkpoint with {@code entries} (sorted by topic and partition, so equal content gives equal
     * bytes), atomically and durably: see the class comment.
     *
     * @throws StorageException naming the file if any step fails; the previous checkpoint is then still intact
     */
    public synchronized void write(final Map<TopicPartition, Long> entries) {
        final List<TopicPartition> partitions = new ArrayList<>(entries.keySet());
        Collections.sort(partitions);
        final StringBuilder text = new StringBuilder(16 + partitions.size() * 32);
        text.append(OffsetCheckpointLayout.VERSION).append('\n').append(partitions.size()).append('\n');
        for (TopicPartition tp : partitions) {
            final Long offset = entries.get(tp);
            if (offset == null) {
                throw new IllegalArgumentException(file + ": no offset for " + tp);
            }
            text.append(tp.topic()).append(OffsetCheckpointLayout.FIELD_SEPARATOR).append(tp.partition())
                    .append(OffsetCheckpointLayout.FIELD_SEPARATOR).append(offset.longValue()).append('\n');
        }
        final ByteBuffer bytes = ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8));
        try (FileChannel channel = FileChannel.open(tempFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            channel.force(true);
        } catch (IOException e) {
            throw new StorageException(tempFile.toString(), "cannot write checkpoint: " + e, e);
        }
        try {
            Files.move(tempFile, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new StorageException(file.toString(), "the file system cannot rename atomically, so the checkpoint"
                    + " cannot be replaced crash-safely: " + e, e);
        } catch (IOException e) {
            throw new StorageException(file.toString(), "cannot rename " + tempFile.getFileName() + " over it: " + e, e);
        }
        syncDirectory();
    }

    /** Makes the rename durable; skipped where the platform will not open a directory (see the class comment). */
    private void syncDirectory() {
        final Path directory = file.toAbsolutePath().getParent();
        final FileChannel channel;
        try {
            channel = FileChannel.open(directory, StandardOpenOption.READ);
        } catch (IOException | UnsupportedOperationException e) {
            return; // Windows cannot open a directory as a channel; Kafka skips the directory fsync there too
        }
        try (channel) {
            channel.force(true);
        } catch (IOException e) {
            throw new StorageException(directory.toString(), "cannot fsync the directory after replacing "
                    + file.getFileName() + ": " + e, e);
        }
    }

    @Override
    public String toString() {
        return "OffsetCheckpointFile(" + file + ")";
    }
}
