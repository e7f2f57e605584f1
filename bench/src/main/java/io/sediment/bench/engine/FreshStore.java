package io.sediment.bench.engine;

import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * A new, empty peer for each measurement iteration, in a new temp directory deleted after it (without an fsync),
 * so that every peer appends into files the kernel must allocate and zero, as a real log does.
 */
@State(Scope.Thread)
public class FreshStore {
    @Param({Peers.SEDIMENT_MMAP, Peers.SEDIMENT_LMDB, Peers.KAFKA, Peers.CHRONICLE, Peers.MEMCPY, Peers.PWRITE})
    public String peer;

    /** Kafka's {@code segment.bytes} default; also the baseline's file size. */
    @Param("1073741824")
    public int segmentBytes;

    Peer store;

    @Setup(Level.Iteration)
    public void open() {
        store = Peers.open(peer, segmentBytes, EngineBenchmark.LARGEST_BATCH);
    }

    @TearDown(Level.Iteration)
    public void close() {
        store.close();
    }
}
