package io.sediment.bench.engine;

import io.sediment.bench.Throughput;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Reads from a store filled once per trial with {@code records} records (default 262,144 x 1 KiB in batches of 16,
 * 276 MB, all in the page cache), batch {@code i} stamped with timestamp {@code first + i} ms:
 *
 * <ul>
 *   <li>{@link #sequentialRead}: MB/s reading front to back about {@code maxBytes} at a time, every 8-byte word
 *       summed (every peer); with the process's heap and RSS after the fill ({@link Footprint});</li>
 *   <li>{@link #randomRead}: latency of locating a uniformly random offset and getting its view, bytes untouched
 *       (every peer with offsets: not the memcpy baseline);</li>
 *   <li>{@link #offsetForTimestamp}: latency of finding the first offset at or after a uniformly random timestamp
 *       (peers with a time index: Sediment and Kafka).</li>
 * </ul>
 */
public class EngineReadBenchmark extends EngineBenchmark {

    @State(Scope.Benchmark)
    public static class Shape {
        @Param("262144")
        public int records;

        @Param("1024")
        public int recordSize;

        @Param("16")
        public int recordsPerBatch;

        @Param("1073741824")
        public int segmentBytes;

        @Param("65536")
        public int maxBytes;

        Workload workload;

        @Setup(Level.Trial)
        public void build() {
            workload = new Workload(recordSize, recordsPerBatch);
        }
    }

    /** A peer filled once per trial; subclasses choose which peers a benchmark runs on. */
    public abstract static class Filled {
        Peer store;
        double heapMB;
        double rssMB;
        long firstTimestamp;
        long batches;
        long records;

        abstract String peerName();

        @Setup(Level.Trial)
        public void fill(final Shape shape) {
            store = Peers.open(peerName(), shape.segmentBytes, LARGEST_BATCH);
            batches = (shape.records + shape.recordsPerBatch - 1) / shape.recordsPerBatch;
            records = batches * shape.recordsPerBatch;
            // in the past, so that no peer's future-timestamp check can object
            firstTimestamp = System.currentTimeMillis() - batches - 60_000;
            for (long i = 0; i < batches; i++) {
                shape.workload.stamp(firstTimestamp + i);
                store.append(shape.workload);
            }
            heapMB = ProcessFootprint.heapUsedAfterGc() / 1e6;
            rssMB = ProcessFootprint.residentSetBytes() / 1e6;
        }

        @TearDown(Level.Trial)
        public void delete() {
            store.close();
        }
    }

    @State(Scope.Benchmark)
    public static class AnyPeer extends Filled {
        @Param({Peers.SEDIMENT_MMAP, Peers.SEDIMENT_LMDB, Peers.KAFKA, Peers.CHRONICLE, Peers.MEMCPY})
        public String peer;

        @Override
        String peerName() {
            return peer;
        }
    }

    @State(Scope.Benchmark)
    public static class IndexedPeer extends Filled {
        @Param({Peers.SEDIMENT_MMAP, Peers.SEDIMENT_LMDB, Peers.KAFKA, Peers.CHRONICLE})
        public String peer;

        @Override
        String peerName() {
            return peer;
        }
    }

    @State(Scope.Benchmark)
    public static class TimeIndexedPeer extends Filled {
        @Param({Peers.SEDIMENT_MMAP, Peers.SEDIMENT_LMDB, Peers.KAFKA})
        public String peer;

        @Override
        String peerName() {
            return peer;
        }
    }

    @State(Scope.Thread)
    public static class Random {
        final SplittableRandom random = new SplittableRandom(7);
    }

    /**
     * The process's footprint with the filled store open, measured right after the fill (after a GC) and handed to
     * JMH as per-iteration values: heap in use, and resident set size (which counts the mapped pages a peer has
     * touched, so a peer that reads through {@code read(2)} shows less RSS for the same page cache). Copied on every
     * operation, two field stores, because JMH collects auxiliary counters at the end of the iteration.
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Footprint {
        public double heapMB;
        public double rssMB;
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public long sequentialRead(final Shape shape, final AnyPeer filled, final Throughput throughput,
                               final Footprint footprint) {
        throughput.add(filled.store.readNext(shape.maxBytes));
        footprint.heapMB = filled.heapMB;
        footprint.rssMB = filled.rssMB;
        return filled.store.checksum();
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public int randomRead(final Shape shape, final IndexedPeer filled, final Random random) {
        return filled.store.locate(random.random.nextLong(filled.records), shape.maxBytes);
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public long offsetForTimestamp(final TimeIndexedPeer filled, final Random random) {
        return filled.store.offsetForTimestamp(filled.firstTimestamp + random.random.nextLong(filled.batches));
    }
}
