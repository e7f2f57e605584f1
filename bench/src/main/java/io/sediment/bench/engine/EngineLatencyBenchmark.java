package io.sediment.bench.engine;

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
 * Latency of one append of a single small batch (default: one record of 1 KiB) on every peer. JMH's
 * {@code SampleTime} mode times individual calls with {@code System.nanoTime} into its own histogram, from which
 * the suite reports p50, p99, p99.9 and max. Each iteration starts on a {@link FreshStore}.
 */
public class EngineLatencyBenchmark extends EngineBenchmark {

    @State(Scope.Thread)
    public static class SmallBatch {
        @Param("1024")
        public int recordSize;

        @Param("1")
        public int recordsPerBatch;

        Workload workload;

        @Setup(Level.Trial)
        public void build() {
            workload = new Workload(recordSize, recordsPerBatch);
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public Peer appendLatency(final SmallBatch batch, final FreshStore store) {
        store.store.append(batch.workload);
        return store.store;
    }
}
