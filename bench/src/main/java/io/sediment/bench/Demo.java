package io.sediment.bench;

import io.sediment.api.AppendResult;
import io.sediment.api.EngineConfig;
import io.sediment.api.Log;
import io.sediment.api.LogConfig;
import io.sediment.api.LogSlice;
import io.sediment.api.TopicPartition;
import io.sediment.api.record.RecordBatch;
import io.sediment.api.record.RecordBatchBuilder;
import io.sediment.api.record.RecordCursor;
import io.sediment.log.SegmentLogEngine;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * The engine in one minute: opens a data directory, creates {@code orders-0} if it is missing, appends
 * {@code records} records (1 KiB values, 16 per batch), reads them back checking every batch's CRC and that offsets
 * are dense, closes cleanly, and prints what it did, how fast, and the files it left on disk.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar io.sediment.bench.Demo [data-dir [records]]     (defaults: data/demo 100000)
 * </pre>
 *
 * <p>Run it twice: the second run finds the log from the first (recovered from the clean-shutdown marker) and
 * appends after it. Exits with status 1 if the read-back does not match what was appended.
 */
public final class Demo {
    static final TopicPartition ORDERS = new TopicPartition("orders", 0);
    static final int VALUE_SIZE = 1024;
    static final int RECORDS_PER_BATCH = 16;

    private Demo() {
    }

    public static void main(final String[] args) throws IOException {
        if (args.length > 2 || (args.length > 0 && (args[0].equals("-h") || args[0].equals("--help")))) {
            System.out.println("usage: Demo [data-dir [records]]   (defaults: data/demo 100000)");
            return;
        }
        final Path dir = Path.of(args.length > 0 ? args[0] : "data/demo");
        final long records = args.length > 1 ? Long.parseLong(args[1]) : 100_000L;
        if (records < 1) {
            throw new IllegalArgumentException("records must be at least 1, got " + records);
        }
        final Report report = run(dir, records);
        System.out.print(report.text);
        if (!report.verified) {
            System.exit(1);
        }
    }

    /** What {@link #run} did: a human-readable account and whether the read-back matched. */
    record Report(String text, boolean verified, long firstOffset, long recordsRead) {
    }

    static Report run(final Path dir, final long records) throws IOException {
        final StringBuilder out = new StringBuilder();
        Files.createDirectories(dir);
        final long firstOffset;
        final long recordsRead;
        final boolean verified;
        try (SegmentLogEngine engine = SegmentLogEngine.open(dir, EngineConfig.defaults())) {
            final boolean existed = engine.log(ORDERS).isPresent();
            final Log log = engine.getOrCreateLog(ORDERS, LogConfig.DEFAULTS);
            line(out, "Sediment demo: %s, backend %s, log %s (%s, end offset %,d)", dir.toAbsolutePath(),
                    engine.backendName(), ORDERS, existed ? "found on disk" : "created", log.logEndOffset());

            // Append: build each batch as a producer would, time only Log.append.
            final Histogram appendNanos = new Histogram(3_600_000_000_000L, 3);
            final RecordBatchBuilder builder = new RecordBatchBuilder();
            final SplittableRandom random = new SplittableRandom(1);
            final byte[] value = new byte[VALUE_SIZE];
            random.nextBytes(value);
            firstOffset = log.logEndOffset();
            long bytes = 0;
            long batches = 0;
            final long wallStart = System.nanoTime();
            for (long n = 0; n < records; ) {
                builder.clear();
                final long now = System.currentTimeMillis();
                for (int i = 0; i < RECORDS_PER_BATCH && n < records; i++, n++) {
                    final long orderId = firstOffset + n;
                    value[0] = (byte) orderId; // each value differs a little
                    builder.append(now, ("order-" + orderId).getBytes(StandardCharsets.US_ASCII), value);
                }
                final ByteBuffer batch = builder.build();
                final long t0 = System.nanoTime();
                final AppendResult result = log.append(batch);
                appendNanos.recordValue(System.nanoTime() - t0);
                bytes += result.sizeInBytes();
                batches++;
            }
            final long appendWall = System.nanoTime() - wallStart;
            final long lastOffset = log.logEndOffset() - 1;
            line(out, "appended %,d records (offsets %,d..%,d) in %,d batches, %s on disk:", records, firstOffset,
                    lastOffset, batches, megabytes(bytes));
            line(out, "  %.3f s wall (building batches included), %,.0f records/s, %.1f MB/s",
                    appendWall / 1e9, records / (appendWall / 1e9), bytes / 1e6 / (appendWall / 1e9));
            line(out, "  Log.append per batch: p50 %.1f µs, p99 %.1f µs, p99.9 %.1f µs, max %.1f µs",
                    appendNanos.getValueAtPercentile(50) / 1e3, appendNanos.getValueAtPercentile(99) / 1e3,
                    appendNanos.getValueAtPercentile(99.9) / 1e3, appendNanos.getMaxValue() / 1e3);

            // Read back: every batch CRC-checked, every record's offset the next one, every value 1 KiB.
            final long readStart = System.nanoTime();
            final ReadBack readBack = readBack(log, firstOffset, log.logEndOffset());
            final long readWall = System.nanoTime() - readStart;
            recordsRead = readBack.records;
            verified = readBack.problem == null && recordsRead == records;
            line(out, "read back %,d records, %s, in %.3f s: %,.0f records/s, %.1f MB/s — %s",
                    recordsRead, megabytes(readBack.bytes), readWall / 1e9, recordsRead / (readWall / 1e9),
                    readBack.bytes / 1e6 / (readWall / 1e9),
                    verified ? "count, offsets and CRCs verified"
                            : "MISMATCH: " + (readBack.problem != null ? readBack.problem
                            : "expected " + records + " records"));

            final long flushStart = System.nanoTime();
            log.flush();
            line(out, "flushed (fsync) in %.3f s; log now holds offsets %,d..%,d in %d segment(s), %s",
                    (System.nanoTime() - flushStart) / 1e9, log.logStartOffset(), log.logEndOffset() - 1,
                    log.segmentCount(), megabytes(log.sizeInBytes()));
        }
        line(out, "closed cleanly; files in %s:", dir);
        for (Path file : files(dir)) {
            line(out, "  %-60s %,15d bytes", dir.relativize(file), Files.size(file));
        }
        return new Report(out.toString(), verified, firstOffset, recordsRead);
    }

    private static final class ReadBack {
        long records;
        long bytes;
        String problem;
    }

    private static ReadBack readBack(final Log log, final long from, final long to) {
        final ReadBack result = new ReadBack();
        final RecordBatch batch = new RecordBatch();
        final RecordCursor cursor = new RecordCursor();
        final CRC32C crc = new CRC32C();
        long expected = from;
        long next = from;
        while (next < to) {
            try (LogSlice slice = log.read(next, 1024 * 1024)) {
                final ByteBuffer bytes = slice.buffer();
                for (int pos = 0; pos < bytes.limit(); pos += batch.sizeInBytes()) {
                    batch.wrap(bytes, pos);
                    if (!batch.isChecksumValid(crc)) {
                        result.problem = "CRC mismatch in the batch at offset " + batch.baseOffset();
                        return result;
                    }
                    cursor.reset(batch, ORDERS.toString());
                    while (cursor.next()) {
                        if (cursor.offset() < from) {
                            continue; // a slice may start below the offset asked for
                        }
                        if (cursor.offset() != expected || cursor.valueLength() != VALUE_SIZE) {
                            result.problem = "record at offset " + cursor.offset() + " (expected " + expected
                                    + ") has a value of " + cursor.valueLength() + " bytes";
                            return result;
                        }
                        expected++;
                        result.records++;
                    }
                }
                result.bytes += slice.sizeInBytes();
                next = slice.nextOffset();
            }
        }
        return result;
    }

    private static List<Path> files(final Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).sorted().collect(Collectors.toList());
        }
    }

    private static String megabytes(final long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }

    private static void line(final StringBuilder out, final String format, final Object... args) {
        out.append(String.format(Locale.ROOT, format, args)).append('\n');
    }
}
