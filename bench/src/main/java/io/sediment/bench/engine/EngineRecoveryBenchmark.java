package io.sediment.bench.engine;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
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

import java.util.concurrent.TimeUnit;

/**
 * Recovery after a crash: before each (single-shot) operation a fresh store is filled with {@code logBytes} of
 * 16 x 1 KiB batches, none of it flushed, and halted as a killed process would be; the operation opens the files
 * again, which scans, CRC-checks and re-indexes everything past the recovery point (here: all of it). The suite
 * reports seconds per GiB of unflushed log. Sediment and Kafka only: the baseline has nothing to recover and
 * Chronicle Queue no such step.
 */
@Warmup(iterations = 1)
@Measurement(iterations = 3)
public class EngineRecoveryBenchmark extends EngineBenchmark {

    @State(Scope.Thread)
    public static class Crashed {
        @Param({Peers.SEDIMENT_MMAP, Peers.SEDIMENT_LMDB, Peers.KAFKA})
        public String peer;

        @Param("268435456")
        public long logBytes;

        @Param("1073741824")
        public int segmentBytes;

        private final Workload workload = new Workload(1024, 16);
        Peer store;

        @Setup(Level.Invocation)
        public void crash() {
            store = Peers.open(peer, segmentBytes, LARGEST_BATCH);
            for (long written = 0; written < logBytes; written += workload.batchBytes) {
                store.append(workload);
            }
            store.halt();
        }

        @TearDown(Level.Invocation)
        public void delete() {
            store.close();
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public long recover(final Crashed crashed) {
        return crashed.store.recover();
    }
}
