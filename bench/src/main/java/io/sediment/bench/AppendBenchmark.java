package io.sediment.bench;

import io.sediment.api.AppendResult;
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
import java.util.concurrent.TimeUnit;

/**
 * Append throughput and latency of one log, against a baseline that only copies the same bytes into fresh
 * memory-mapped files ({@link MappedFileSink}). Issue #2 asks for the engine to reach 60% of that baseline.
 *
 * <p>Every operation appends one batch of {@code recordsPerBatch} records of {@code recordSize} bytes (default
 * 16 &times; 1 KiB, 16.8 KB on disk) to the page cache; nothing is flushed. Each measurement iteration starts
 * from a fresh log (or fresh baseline files) in a new directory under {@code java.io.tmpdir}, deleted after the
 * iteration, so every byte appended lands on pages the kernel must fault in and zero, the cost a real log pays,
 * and files roll every {@code segmentBytes} (Kafka's 1 GiB by default).
 *
 * <ul>
 *   <li>{@link #append} / {@link #appendBaseline}: ops/s and MB/s ({@code Mode.Throughput}).</li>
 *   <li>{@link #appendLatency} / {@link #appendLatencyBaseline}: the time of single appends, sampled
 *       ({@code Mode.SampleTime}: p50, p99, p99.9).</li>
 * </ul>
 *
 * <p>A method {@code xBaseline} is the baseline of method {@code x}; {@link BenchTable} pairs them by that name.
 */
// The two flags are lmdbjava's (backend=lmdb); the engine and the mmap backend neither need nor notice them.
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "--add-opens=java.base/java.nio=ALL-UNNAMED",
        "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
public class AppendBenchmark {

    /** The batch appended by every operation; built once per trial. */
    @State(Scope.Thread)
    public static class Payload {
        @Param("1024")
        public int recordSize;

        @Param("16")
        public int recordsPerBatch;

        ByteBuffer batch;
        int batchBytes;

        @Setup(Level.Trial)
        public void build() {
            batch = SampleBatch.build(recordSize, recordsPerBatch);
            batchBytes = batch.remaining();
        }
    }

    /** A fresh engine and log per iteration. */
    @State(Scope.Thread)
    public static class EngineLog {
        @Param({"mmap", "lmdb"})
        public String backend;

        @Param("1073741824")
        public int segmentBytes;

        ScratchLog scratch;

        @Setup(Level.Iteration)
        public void open(final Payload payload) {
            scratch = ScratchLog.open(backend, segmentBytes, payload.batchBytes);
        }

        @TearDown(Level.Iteration)
        public void close() {
            scratch.close();
        }
    }

    /** Fresh baseline files per iteration, rolled at the same size as segments. */
    @State(Scope.Thread)
    public static class BaselineFiles {
        @Param("1073741824")
        public int segmentBytes;

        ScratchDirectory directory;
        MappedFileSink sink;

        @Setup(Level.Iteration)
        public void open() {
            directory = ScratchDirectory.create("sediment-baseline-");
            sink = new MappedFileSink(directory.path(), segmentBytes);
        }

        @TearDown(Level.Iteration)
        public void close() {
            try {
                sink.close();
            } finally {
                directory.close();
            }
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public AppendResult append(final Payload payload, final EngineLog log, final Throughput throughput) {
        final AppendResult result = log.scratch.log().append(payload.batch.rewind());
        throughput.add(payload.batchBytes);
        return result;
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public int appendBaseline(final Payload payload, final BaselineFiles files, final Throughput throughput) {
        files.sink.write(payload.batch.rewind());
        throughput.add(payload.batchBytes);
        return payload.batch.position();
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public AppendResult appendLatency(final Payload payload, final EngineLog log) {
        return log.scratch.log().append(payload.batch.rewind());
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public int appendLatencyBaseline(final Payload payload, final BaselineFiles files) {
        files.sink.write(payload.batch.rewind());
        return payload.batch.position();
    }
}
