package io.sediment.bench;

import io.sediment.api.Log;
import io.sediment.api.LogSlice;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Reads from a log pre-filled with {@code records} records (default 1M &times; 1 KiB in batches of 16, about
 * 1.07 GB in two segments), all in the page cache.
 *
 * <ul>
 *   <li>{@link #randomRead}: latency of {@code read(offset, maxBytes)} at a uniformly random offset, the slice
 *       closed without touching its bytes: what the engine adds to a fetch (segment floor, index lookup, header
 *       scan, pinning the segment).</li>
 *   <li>{@link #sequentialRead}: MB/s of reading the log front to back, {@code maxBytes} at a time, summing every
 *       8-byte word of each slice's {@code buffer()} (a consumer touches every byte).</li>
 *   <li>{@link #sequentialReadBaseline}: the same loop over the same bytes in plain mapped files
 *       ({@link MappedFileSink}), {@code maxBytes} at a time: reading memory with no engine in between.</li>
 * </ul>
 *
 * <p>The log (or, for the baseline, the plain files) is filled once per trial, before warm-up, and deleted in the
 * trial's tear-down.
 */
// The two flags are lmdbjava's (backend=lmdb); the engine and the mmap backend neither need nor notice them.
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "--add-opens=java.base/java.nio=ALL-UNNAMED",
        "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
public class RandomReadBenchmark {

    /** What the log (and the baseline) holds, and how much one read asks for. */
    @State(Scope.Benchmark)
    public static class Shape {
        @Param("1000000")
        public int records;

        @Param("1024")
        public int recordSize;

        @Param("16")
        public int recordsPerBatch;

        @Param("1073741824")
        public int segmentBytes;

        @Param("65536")
        public int maxBytes;

        ByteBuffer batch;

        @Setup(Level.Trial)
        public void build() {
            batch = SampleBatch.build(recordSize, recordsPerBatch);
        }
    }

    /** The filled log. */
    @State(Scope.Benchmark)
    public static class FilledLog {
        @Param({"mmap", "lmdb"})
        public String backend;

        ScratchLog scratch;
        Log log;

        @Setup(Level.Trial)
        public void fill(final Shape shape) {
            scratch = ScratchLog.open(backend, shape.segmentBytes, shape.batch.remaining());
            log = scratch.log();
            for (long appended = 0; appended < shape.records; appended += shape.recordsPerBatch) {
                log.append(shape.batch.rewind());
            }
        }

        @TearDown(Level.Trial)
        public void delete() {
            scratch.close();
        }
    }

    /** The same bytes in plain mapped files. */
    @State(Scope.Benchmark)
    public static class FilledFiles {
        ScratchDirectory directory;
        MappedFileSink files;

        @Setup(Level.Trial)
        public void fill(final Shape shape) {
            directory = ScratchDirectory.create("sediment-baseline-");
            files = new MappedFileSink(directory.path(), shape.segmentBytes);
            for (long appended = 0; appended < shape.records; appended += shape.recordsPerBatch) {
                files.write(shape.batch.rewind());
            }
        }

        @TearDown(Level.Trial)
        public void delete() {
            try {
                files.close();
            } finally {
                directory.close();
            }
        }
    }

    /** Per-thread read position and random source. */
    @State(Scope.Thread)
    public static class Cursor {
        final SplittableRandom random = new SplittableRandom(7);
        long nextOffset;
        int file;
        int position;
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public int randomRead(final Shape shape, final FilledLog filled, final Cursor cursor) {
        final Log log = filled.log;
        final long offset = cursor.random.nextLong(log.logEndOffset());
        try (LogSlice slice = log.read(offset, shape.maxBytes)) {
            return slice.sizeInBytes();
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public long sequentialRead(final Shape shape, final FilledLog filled, final Cursor cursor,
                               final Throughput throughput) {
        final Log log = filled.log;
        if (cursor.nextOffset >= log.logEndOffset()) {
            cursor.nextOffset = log.logStartOffset();
        }
        try (LogSlice slice = log.read(cursor.nextOffset, shape.maxBytes)) {
            final ByteBuffer bytes = slice.buffer();
            final long sum = sumOfWords(bytes, 0, bytes.limit());
            cursor.nextOffset = slice.nextOffset();
            throughput.add(slice.sizeInBytes());
            return sum;
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public long sequentialReadBaseline(final Shape shape, final FilledFiles filled, final Cursor cursor,
                                       final Throughput throughput) {
        final MappedFileSink files = filled.files;
        if (cursor.position >= files.size(cursor.file)) {
            cursor.file = (cursor.file + 1) % files.fileCount();
            cursor.position = 0;
        }
        final int from = cursor.position;
        final int to = Math.min(from + shape.maxBytes, files.size(cursor.file));
        final long sum = sumOfWords(files.file(cursor.file), from, to);
        cursor.position = to;
        throughput.add(to - from);
        return sum;
    }

    /** Sums the big-endian 8-byte words in {@code [from, to)}: reads every byte, as a consumer would. */
    public static long sumOfWords(final ByteBuffer bytes, final int from, final int to) {
        long sum = 0;
        int i = from;
        for (; i + Long.BYTES <= to; i += Long.BYTES) {
            sum += bytes.getLong(i);
        }
        for (; i < to; i++) {
            sum += bytes.get(i);
        }
        return sum;
    }
}
