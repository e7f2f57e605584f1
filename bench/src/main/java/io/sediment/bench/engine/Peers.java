package io.sediment.bench.engine;

import java.util.List;

/** The peers of the engine suite by the name the benchmarks' {@code peer} parameter uses. */
final class Peers {
    static final String SEDIMENT_MMAP = "sediment-mmap";
    static final String SEDIMENT_LMDB = "sediment-lmdb";
    static final String KAFKA = "kafka";
    static final String CHRONICLE = "chronicle";
    static final String MEMCPY = "memcpy";
    static final String PWRITE = "pwrite";

    /** In the order tables and charts show them. */
    static final List<String> ALL = List.of(SEDIMENT_MMAP, SEDIMENT_LMDB, KAFKA, CHRONICLE, MEMCPY, PWRITE);

    private Peers() {
    }

    /** A new, empty peer in a fresh temp directory, with segments (or files) of {@code segmentBytes}. */
    static Peer open(final String name, final int segmentBytes, final int largestBatch) {
        switch (name) {
            case SEDIMENT_MMAP:
                return new SedimentPeer("mmap", segmentBytes, largestBatch);
            case SEDIMENT_LMDB:
                return new SedimentPeer("lmdb", segmentBytes, largestBatch);
            case KAFKA:
                return new KafkaLogPeer(segmentBytes, largestBatch);
            case CHRONICLE:
                return new ChroniclePeer();
            case MEMCPY:
                return new MemcpyPeer(segmentBytes);
            case PWRITE:
                return new PwritePeer(segmentBytes, largestBatch);
            default:
                throw new IllegalArgumentException("unknown peer " + name + "; peers are " + ALL);
        }
    }
}
