package io.sediment.cli;

import io.sediment.api.CorruptRecordException;
import io.sediment.api.EngineConfig;
import io.sediment.api.Log;
import io.sediment.api.SedimentException;
import io.sediment.api.TopicPartition;
import io.sediment.api.record.RecordBatch;
import io.sediment.api.record.RecordBatchLayout;
import io.sediment.api.record.RecordCursor;
import io.sediment.index.OffsetIndexLayout;
import io.sediment.index.TimeIndexLayout;
import io.sediment.log.SegmentLogEngine;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.zip.CRC32C;

/**
 * {@code sediment log dump|verify|recover}: offline tools on a data directory (or one partition directory), no
 * broker needed.
 *
 * <ul>
 *   <li>{@code dump} prints each segment's batches (Kafka's DumpLogSegments layout: base/last offset, count,
 *       producer fields, position, timestamp, size, crc, isvalid), with {@code --print-data-log} every record's
 *       offset, timestamp, key and value, with {@code --index} the offset and time index entries.</li>
 *   <li>{@code verify} checks every batch (header, length, magic, CRC-32C), that offsets run on without gaps
 *       within a segment and that each segment starts at its file's base offset, and that every offset-index
 *       entry points at the start of the batch whose last offset it names and every time-index entry is ordered
 *       and within its segment. Exit code 0: clean; 3: problems found (each printed).</li>
 *   <li>{@code recover} opens the directory with the engine and closes it: after an unclean shutdown this runs
 *       the engine's recovery (truncating torn or corrupt tails, rebuilding indexes) and leaves a clean
 *       shutdown marker. It needs the directory unlocked (no broker running on it).</li>
 * </ul>
 *
 * <p>dump and verify only map files read-only: they never open the engine, whose open would consume the
 * clean-shutdown marker. Threading: single-threaded.
 */
@Command(name = "log", description = "Offline tools on a data directory: dump, verify, recover.", mixinStandardHelpOptions = true)
final class LogCommand implements Callable<Integer> {
    static final int CORRUPT = 3;

    private final Terminal terminal;

    private LogCommand(final Terminal terminal) {
        this.terminal = terminal;
    }

    static CommandLine commandLine(final Terminal terminal) {
        final CommandLine cl = new CommandLine(new LogCommand(terminal));
        cl.addSubcommand("dump", new Dump(terminal));
        cl.addSubcommand("verify", new Verify(terminal));
        cl.addSubcommand("recover", new Recover(terminal));
        return cl;
    }

    @Override
    public Integer call() {
        terminal.err().println("Missing subcommand: dump, verify or recover. Run 'sediment log --help'.");
        return 2;
    }

    @Command(name = "dump", description = "Print segments, batches, offsets, timestamps and index entries.", mixinStandardHelpOptions = true)
    static final class Dump implements Callable<Integer> {
        private final Terminal terminal;

        Dump(final Terminal terminal) {
            this.terminal = terminal;
        }

        @Parameters(paramLabel = "DIR", description = "A data directory or one partition directory.")
        Path dir;

        @Option(names = {"--print-data-log", "--records"}, description = "Also print each record's offset, timestamp, key and value.")
        boolean records;

        @Option(names = "--index", description = "Also print the offset index and time index entries.")
        boolean index;

        @Override
        public Integer call() throws IOException {
            final PrintStream out = terminal.out();
            final RecordBatch batch = new RecordBatch();
            final RecordCursor cursor = new RecordCursor();
            final CRC32C crc = new CRC32C();
            for (Path partition : SegmentFiles.partitionDirs(dir)) {
                for (Path log : SegmentFiles.logFiles(partition)) {
                    out.println("Dumping " + log);
                    out.println("Log starting offset: " + SegmentFiles.baseOffset(log));
                    final ByteBuffer data = SegmentFiles.map(log);
                    int position = 0;
                    while (position + RecordBatchLayout.LOG_OVERHEAD <= data.limit()) {
                        batch.wrap(data, position);
                        if (batch.batchLength() == 0) {
                            break; // preallocated zeros after the written data
                        }
                        boolean valid;
                        try {
                            batch.validate(data.limit(), crc, log.toString());
                            valid = true;
                        } catch (CorruptRecordException e) {
                            out.println("Corrupt batch: " + e.getMessage());
                            break;
                        }
                        out.println("baseOffset: " + batch.baseOffset() + " lastOffset: " + batch.lastOffset()
                                + " count: " + batch.recordCount() + " baseSequence: " + batch.baseSequence()
                                + " lastSequence: " + batch.lastSequence() + " producerId: " + batch.producerId()
                                + " producerEpoch: " + batch.producerEpoch() + " partitionLeaderEpoch: "
                                + batch.partitionLeaderEpoch() + " isTransactional: " + batch.isTransactional()
                                + " isControl: " + batch.isControlBatch() + " position: " + position + " "
                                + timestampName(batch) + ": " + batch.maxTimestamp() + " size: " + batch.sizeInBytes()
                                + " magic: " + batch.magic() + " compresscodec: " + codec(batch.compressionCodec())
                                + " crc: " + batch.checksum() + " isvalid: " + valid);
                        if (records) {
                            if (batch.isCompressed()) {
                                out.println("| (compressed: records not shown)");
                            } else {
                                cursor.reset(batch, log.toString());
                                while (cursor.next()) {
                                    out.println("| offset: " + cursor.offset() + " " + timestampName(batch) + ": "
                                            + cursor.timestamp() + " keySize: " + cursor.keyLength() + " valueSize: "
                                            + cursor.valueLength() + " sequence: " + cursor.sequence() + " headerKeys: "
                                            + headerKeys(cursor) + " key: " + text(cursor.hasKey() ? cursor.keyBytes() : null)
                                            + " payload: " + text(cursor.hasValue() ? cursor.valueBytes() : null));
                                }
                            }
                        }
                        position += batch.sizeInBytes();
                    }
                    if (index) {
                        dumpIndexes(log, out);
                    }
                }
            }
            return 0;
        }

        private static void dumpIndexes(final Path log, final PrintStream out) throws IOException {
            final long base = SegmentFiles.baseOffset(log);
            final Path offsetIndex = SegmentFiles.sibling(log, ".index");
            out.println("Dumping " + offsetIndex);
            final ByteBuffer oi = SegmentFiles.map(offsetIndex);
            final int oiEntries = usedOffsetEntries(oi);
            for (int slot = 0; slot < oiEntries; slot++) {
                out.println("offset: " + (base + oi.getInt(OffsetIndexLayout.relativeOffsetOffset(slot)))
                        + " position: " + oi.getInt(OffsetIndexLayout.positionOffset(slot)));
            }
            final Path timeIndex = SegmentFiles.sibling(log, ".timeindex");
            out.println("Dumping " + timeIndex);
            final ByteBuffer ti = SegmentFiles.map(timeIndex);
            final int tiEntries = usedTimeEntries(ti);
            for (int slot = 0; slot < tiEntries; slot++) {
                out.println("timestamp: " + ti.getLong(TimeIndexLayout.timestampOffset(slot))
                        + " offset: " + (base + ti.getInt(TimeIndexLayout.relativeOffsetOffset(slot))));
            }
        }

        private static String headerKeys(final RecordCursor cursor) {
            final List<String> keys = new ArrayList<>();
            while (cursor.nextHeader()) {
                keys.add(cursor.headerKey());
            }
            return keys.toString().replace(" ", "");
        }

        private static String text(final byte[] bytes) {
            return bytes == null ? "null" : new String(bytes, StandardCharsets.UTF_8);
        }
    }

    /**
     * Entries in use in a (possibly preallocated) offset index: relative offsets strictly increase, so the first
     * entry that does not (the zeros after the last entry) ends it.
     */
    static int usedOffsetEntries(final ByteBuffer index) {
        final int slots = index.limit() / OffsetIndexLayout.ENTRY_SIZE;
        int prev = -1;
        for (int slot = 0; slot < slots; slot++) {
            final int rel = index.getInt(OffsetIndexLayout.relativeOffsetOffset(slot));
            final int pos = index.getInt(OffsetIndexLayout.positionOffset(slot));
            if (slot > 0 && rel == 0 && pos == 0) {
                return slot;
            }
            if (rel <= prev && slot > 0) {
                return slot;
            }
            prev = rel;
        }
        return slots;
    }

    /** Entries in use in a (possibly preallocated) time index: an all-zero entry ends it. */
    static int usedTimeEntries(final ByteBuffer index) {
        final int slots = index.limit() / TimeIndexLayout.ENTRY_SIZE;
        for (int slot = 0; slot < slots; slot++) {
            if (index.getLong(TimeIndexLayout.timestampOffset(slot)) == 0
                    && index.getInt(TimeIndexLayout.relativeOffsetOffset(slot)) == 0) {
                return slot;
            }
        }
        return slots;
    }

    static String timestampName(final RecordBatch batch) {
        return batch.timestampType() == io.sediment.api.record.TimestampType.LOG_APPEND_TIME ? "LogAppendTime" : "CreateTime";
    }

    static String codec(final int id) {
        return switch (id) {
            case 0 -> "none";
            case 1 -> "gzip";
            case 2 -> "snappy";
            case 3 -> "lz4";
            case 4 -> "zstd";
            default -> "unknown(" + id + ")";
        };
    }

    @Command(name = "verify", description = "Check CRCs, offsets and index consistency; exit 3 if anything is wrong.", mixinStandardHelpOptions = true)
    static final class Verify implements Callable<Integer> {
        private final Terminal terminal;

        Verify(final Terminal terminal) {
            this.terminal = terminal;
        }

        @Parameters(paramLabel = "DIR", description = "A data directory or one partition directory.")
        Path dir;

        @Override
        public Integer call() throws IOException {
            final List<Path> segments = new ArrayList<>();
            long totalBytes = 0;
            for (Path partition : SegmentFiles.partitionDirs(dir)) {
                for (Path log : SegmentFiles.logFiles(partition)) {
                    segments.add(log);
                    totalBytes += Files.size(log);
                }
            }
            final List<String> problems = new ArrayList<>();
            long batches = 0;
            long records = 0;
            final ProgressBar bar = terminal.interactive() ? new ProgressBarBuilder().setTaskName("verify")
                    .setInitialMax(totalBytes).setUnit(" MiB", 1 << 20).setStyle(ProgressBarStyle.ASCII)
                    .setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(terminal.err())).build() : null;
            try {
                final Map<Path, Long> nextOffsets = new LinkedHashMap<>();
                for (Path log : segments) {
                    final long[] counts = verifySegment(log, problems, nextOffsets);
                    batches += counts[0];
                    records += counts[1];
                    if (bar != null) {
                        bar.stepBy(Files.size(log));
                    }
                }
            } finally {
                if (bar != null) {
                    bar.close();
                }
            }
            for (String p : problems) {
                terminal.out().println(p);
            }
            final long partitions = segments.stream().map(Path::getParent).distinct().count();
            terminal.out().println("Verified " + partitions + " partition(s), " + segments.size() + " segment(s), "
                    + batches + " batch(es), " + records + " record(s): "
                    + (problems.isEmpty() ? "OK" : problems.size() + " problem(s)"));
            return problems.isEmpty() ? 0 : CORRUPT;
        }

        /** Returns {batches, records}; adds one line per problem. */
        private static long[] verifySegment(final Path log, final List<String> problems, final Map<Path, Long> nextOffsets)
                throws IOException {
            final long base = SegmentFiles.baseOffset(log);
            final ByteBuffer data = SegmentFiles.map(log);
            final RecordBatch batch = new RecordBatch();
            final CRC32C crc = new CRC32C();
            final Map<Integer, Long> batchStarts = new LinkedHashMap<>(); // position -> last offset
            long expected = base;
            long batches = 0;
            long records = 0;
            long maxTimestamp = -1;
            int position = 0;
            final Long previousEnd = nextOffsets.get(log.getParent());
            if (previousEnd != null && previousEnd > base) {
                problems.add(log + ": base offset " + base + " is below the previous segment's next offset " + previousEnd);
            }
            while (position + RecordBatchLayout.LOG_OVERHEAD <= data.limit()) {
                batch.wrap(data, position);
                if (batch.batchLength() == 0 && allZero(data, position)) {
                    break;
                }
                try {
                    batch.validate(data.limit(), crc, log.toString());
                } catch (CorruptRecordException e) {
                    problems.add(e.getMessage()); // names the file and position
                    return new long[] {batches, records};
                }
                if (batch.baseOffset() != expected) {
                    problems.add(log + ": position " + position + ": batch base offset " + batch.baseOffset()
                            + ", expected " + expected);
                }
                batchStarts.put(position, batch.lastOffset());
                maxTimestamp = Math.max(maxTimestamp, batch.maxTimestamp());
                expected = batch.nextOffset();
                batches++;
                records += batch.recordCount();
                position += batch.sizeInBytes();
            }
            nextOffsets.put(log.getParent(), expected);
            final long lastOffset = expected - 1;

            final Path offsetIndex = SegmentFiles.sibling(log, ".index");
            final ByteBuffer oi = SegmentFiles.map(offsetIndex);
            final int used = usedOffsetEntries(oi);
            for (int slot = 0; slot < used; slot++) {
                final int rel = oi.getInt(OffsetIndexLayout.relativeOffsetOffset(slot));
                final int pos = oi.getInt(OffsetIndexLayout.positionOffset(slot));
                if (used == 1 && rel == 0 && pos == 0 && batches == 0) {
                    break; // an empty index of an empty segment
                }
                final Long last = batchStarts.get(pos);
                if (last == null) {
                    problems.add(offsetIndex + ": entry " + slot + " (offset " + (base + rel) + ", position " + pos
                            + ") does not point at the start of a batch");
                } else if (last != base + rel) {
                    problems.add(offsetIndex + ": entry " + slot + " names offset " + (base + rel)
                            + " but the batch at position " + pos + " ends at offset " + last);
                }
            }
            final Path timeIndex = SegmentFiles.sibling(log, ".timeindex");
            final ByteBuffer ti = SegmentFiles.map(timeIndex);
            final int tiUsed = usedTimeEntries(ti);
            long prevTs = Long.MIN_VALUE;
            for (int slot = 0; slot < tiUsed; slot++) {
                final long ts = ti.getLong(TimeIndexLayout.timestampOffset(slot));
                final long offset = base + ti.getInt(TimeIndexLayout.relativeOffsetOffset(slot));
                if (ts < prevTs) {
                    problems.add(timeIndex + ": entry " + slot + " timestamp " + ts + " is before the previous entry's " + prevTs);
                }
                if (offset > lastOffset || offset < base) {
                    problems.add(timeIndex + ": entry " + slot + " offset " + offset + " is outside the segment ["
                            + base + ", " + lastOffset + "]");
                }
                if (ts > maxTimestamp) {
                    problems.add(timeIndex + ": entry " + slot + " timestamp " + ts
                            + " is above the segment's largest batch timestamp " + maxTimestamp);
                }
                prevTs = ts;
            }
            return new long[] {batches, records};
        }

        private static boolean allZero(final ByteBuffer data, final int from) {
            for (int i = from; i < data.limit(); i++) {
                if (data.get(i) != 0) {
                    return false;
                }
            }
            return true;
        }
    }

    @Command(name = "recover", description = "Run the engine's recovery on a directory (no broker may be running on it).", mixinStandardHelpOptions = true)
    static final class Recover implements Callable<Integer> {
        private final Terminal terminal;

        Recover(final Terminal terminal) {
            this.terminal = terminal;
        }

        @Parameters(paramLabel = "DIR", description = "The data directory (log.dirs).")
        Path dir;

        @Option(names = "--backend", paramLabel = "mmap|lmdb", description = "The storage backend (default: the one recorded in the directory, else mmap).")
        String backend;

        @Override
        public Integer call() throws IOException {
            if (!Files.isDirectory(dir)) {
                throw new CliException("No such directory: " + dir);
            }
            final boolean clean = Files.exists(dir.resolve(".kafka_cleanshutdown"));
            String name = backend;
            final Path recorded = dir.resolve(".sediment-backend");
            if (name == null && Files.exists(recorded)) {
                name = Files.readString(recorded, StandardCharsets.UTF_8).trim();
            }
            final EngineConfig config = name == null || name.isEmpty() ? EngineConfig.defaults() : EngineConfig.defaults().withBackend(name);
            try (SegmentLogEngine engine = SegmentLogEngine.open(dir, config)) {
                terminal.out().println(clean ? "Clean shutdown marker found: segments trusted, indexes checked."
                        : "No clean shutdown marker: recovered every log from its recovery point.");
                for (TopicPartition tp : engine.logs()) {
                    final Log log = engine.log(tp).orElseThrow();
                    terminal.out().println(tp + ": log start offset " + log.logStartOffset() + ", log end offset "
                            + log.logEndOffset() + ", " + log.segmentCount() + " segment(s)");
                }
            } catch (SedimentException e) {
                throw new CliException("Cannot recover " + dir + ": " + e.getMessage());
            }
            terminal.out().println("Recovered " + dir + "; it now has a clean shutdown marker.");
            return 0;
        }
    }
}
