package io.sediment.bench.engine;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The peers answer the suite's questions correctly on the same data, so that the suite compares like with like:
 * every peer gives back every byte it stored, in order, across segment rolls; the indexed peers find the record at
 * an offset; the time-indexed peers find the first record of a timestamp; the recovering peers recover every
 * record after a halt without flush. 1 MiB segments (Kafka's minimum) so that 3.4 MB of data rolls.
 */
class PeersTest {
    private static final int SEGMENT_BYTES = 1 << 20;
    private static final int BATCHES = 200;
    private static final int RECORDS_PER_BATCH = 16;
    private static final long FIRST_TIMESTAMP = 1_700_000_000_000L;

    private static Peer filled(final String name, final Workload workload) {
        final Peer peer = Peers.open(name, SEGMENT_BYTES, EngineBenchmark.LARGEST_BATCH);
        for (int i = 0; i < BATCHES; i++) {
            workload.stamp(FIRST_TIMESTAMP + i);
            peer.append(workload);
        }
        return peer;
    }

    @Test
    void everyPeerReadsBackEveryStoredByteInOrderAndStartsAgainAtTheEnd() {
        final Workload workload = new Workload(1024, RECORDS_PER_BATCH);
        int payloadBytes = 0;
        for (int i = 0; i < RECORDS_PER_BATCH; i++) {
            payloadBytes += workload.payload(i).length;
        }
        for (String name : Peers.ALL) {
            try (Peer peer = filled(name, workload)) {
                final long stored = name.equals(Peers.CHRONICLE)
                        ? (long) BATCHES * payloadBytes : (long) BATCHES * workload.batchBytes;
                long read = 0;
                while (read < stored) {
                    final int n = peer.readNext(65536);
                    assertTrue(n > 0, name + " read nothing after " + read + " of " + stored + " bytes");
                    read += n;
                }
                assertEquals(stored, read, name + " read a different number of bytes than it stored");
                final long firstPass = peer.checksum();
                read = 0;
                while (read < stored) {
                    read += peer.readNext(65536);
                }
                assertEquals(2 * firstPass, peer.checksum(), name + ": the second pass read other bytes");
            }
        }
    }

    @Test
    void indexedPeersLocateEveryOffsetAndTheBaselineHasNone() {
        final Workload workload = new Workload(100, RECORDS_PER_BATCH);
        for (String name : List.of(Peers.SEDIMENT_MMAP, Peers.SEDIMENT_LMDB, Peers.KAFKA, Peers.CHRONICLE)) {
            try (Peer peer = filled(name, workload)) {
                for (long offset = 0; offset < (long) BATCHES * RECORDS_PER_BATCH; offset += 37) {
                    assertTrue(peer.locate(offset, 4096) > 0, name + " found nothing at " + offset);
                }
            }
        }
        try (Peer memcpy = filled(Peers.MEMCPY, workload)) {
            assertThrows(UnsupportedOperationException.class, () -> memcpy.locate(0, 4096));
        }
    }

    @Test
    void timeIndexedPeersFindTheFirstRecordOfEachBatchTimestamp() {
        final Workload workload = new Workload(100, RECORDS_PER_BATCH);
        for (String name : List.of(Peers.SEDIMENT_MMAP, Peers.SEDIMENT_LMDB, Peers.KAFKA)) {
            try (Peer peer = filled(name, workload)) {
                for (int batch = 0; batch < BATCHES; batch += 7) {
                    assertEquals((long) batch * RECORDS_PER_BATCH, peer.offsetForTimestamp(FIRST_TIMESTAMP + batch),
                            name + " at batch " + batch);
                }
                assertEquals(-1, peer.offsetForTimestamp(FIRST_TIMESTAMP + BATCHES), name + " past the end");
            }
        }
    }

    @Test
    void recoveringPeersRecoverEveryUnflushedRecordAfterAHalt() {
        final Workload workload = new Workload(1024, RECORDS_PER_BATCH);
        for (String name : List.of(Peers.SEDIMENT_MMAP, Peers.SEDIMENT_LMDB, Peers.KAFKA)) {
            try (Peer peer = filled(name, workload)) {
                peer.halt();
                assertEquals((long) BATCHES * RECORDS_PER_BATCH, peer.recover(), name);
                assertTrue(peer.locate(BATCHES * RECORDS_PER_BATCH - 1, 1) > 0, name + " lost its last record");
            }
        }
    }
}
