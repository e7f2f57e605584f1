package io.sediment.bench.engine;

import io.sediment.bench.Throughput;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.concurrent.TimeUnit;

/**
 * Append throughput of every peer ({@link Peers}) with the same batches: {@code recordsPerBatch} records of
 * {@code recordSize} bytes (16-byte keys), 100 B / 1 KiB / 16 KiB by 1 / 16 / 256. One operation appends one batch
 * (Chronicle Queue: its records, one excerpt each); MB/s counts the batch's bytes for every peer, so the MB/s and
 * records/s ratios between peers are the same ratio. Each iteration starts on a {@link FreshStore}.
 */
public class EngineAppendBenchmark extends EngineBenchmark {

    /** The batch shape; the workload is built once per trial. */
    @State(Scope.Thread)
    public static class Shape {
        @Param({"100", "1024", "16384"})
        public int recordSize;

        @Param({"1", "16", "256"})
        public int recordsPerBatch;

        Workload workload;

        @Setup(Level.Trial)
        public void build() {
            workload = new Workload(recordSize, recordsPerBatch);
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public Peer append(final Shape shape, final FreshStore store, final Throughput throughput) {
        store.store.append(shape.workload);
        throughput.add(shape.workload.batchBytes);
        return store.store;
    }
}
