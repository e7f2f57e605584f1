package io.sediment.bench.engine;

/**
 * One store under test in the engine suite, driven through the same few calls with the same data, so that a JMH
 * benchmark method is one line whatever the peer. Implementations: {@link SedimentPeer} (both backends),
 * {@link KafkaLogPeer} (Apache Kafka's log layer), {@link ChroniclePeer} (Chronicle Queue), {@link MemcpyPeer}
 * and {@link PwritePeer} (the physical limits: a copy into mapped files, a {@code write(2)} into files).
 *
 * <p>Offsets are record offsets counted from 0, dense, in the order records were appended; every peer stores the
 * same records ({@link Workload}). A peer that cannot answer a question (the baseline has no index, Chronicle Queue
 * no time index, neither recovers a log) throws {@link UnsupportedOperationException}; the suite does not ask it.
 *
 * <p>Durability is the same for all: page cache only, nothing is ever fsynced (Sediment's and Kafka's defaults,
 * {@code flush.messages} and {@code flush.ms} unset; Chronicle Queue's default). Not thread-safe: one benchmark
 * thread drives a peer.
 */
interface Peer extends AutoCloseable {
    /** Appends the workload's batch once: its {@code recordsPerBatch} records. */
    void append(Workload workload);

    /**
     * Finds the record at {@code offset} and returns the number of bytes the peer would hand a reader (at most
     * about {@code maxBytes}, at least the one record or batch), without touching them: the cost of locating data.
     */
    int locate(long offset, int maxBytes);

    /**
     * Reads the next about {@code maxBytes} in offset order from a cursor the peer keeps, reading every 8-byte word as
     * a consumer would, and returns the bytes read; after the last record it starts again from the first.
     */
    int readNext(int maxBytes);

    /** What {@link #readNext} summed so far, so that the reads cannot be optimised away. */
    long checksum();

    /** The first offset whose record's timestamp is at or after {@code timestamp}, or -1 when none is. */
    long offsetForTimestamp(long timestamp);

    /** Releases every file without flushing, as a killed process would, and keeps them for {@link #recover()}. */
    void halt();

    /** Opens the files {@link #halt()} left, recovering whatever was not flushed; returns the records recovered. */
    long recover();

    /** Releases everything (without flushing) and deletes the peer's directory. */
    @Override
    void close();
}
