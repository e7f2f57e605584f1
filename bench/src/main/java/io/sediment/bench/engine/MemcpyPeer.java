package io.sediment.bench.engine;

import io.sediment.bench.MappedFileSink;
import io.sediment.bench.RandomReadBenchmark;
import io.sediment.bench.ScratchDirectory;

/**
 * The physical limit: the batch bytes copied with one bulk {@code put} into fresh, sparse, memory-mapped files that
 * roll at {@code segmentBytes} ({@link MappedFileSink}), and read back by summing the mapped memory {@code maxBytes}
 * at a time. No validation, no offsets, no index: it can append and scan, nothing else.
 */
final class MemcpyPeer implements Peer {
    private final ScratchDirectory directory;
    private final MappedFileSink sink;
    private int file;
    private int position;
    private long checksum;

    MemcpyPeer(final int segmentBytes) {
        this.directory = ScratchDirectory.create("memcpy-bench-");
        this.sink = new MappedFileSink(directory.path(), segmentBytes);
    }

    @Override
    public void append(final Workload workload) {
        sink.write(workload.batch());
    }

    @Override
    public int readNext(final int maxBytes) {
        if (position >= sink.size(file)) {
            file = (file + 1) % sink.fileCount();
            position = 0;
        }
        final int to = Math.min(position + maxBytes, sink.size(file));
        checksum += RandomReadBenchmark.sumOfWords(sink.file(file), position, to);
        final int read = to - position;
        position = to;
        return read;
    }

    @Override
    public long checksum() {
        return checksum;
    }

    @Override
    public int locate(final long offset, final int maxBytes) {
        throw new UnsupportedOperationException("the baseline has no offsets");
    }

    @Override
    public long offsetForTimestamp(final long timestamp) {
        throw new UnsupportedOperationException("the baseline has no offsets");
    }

    @Override
    public void halt() {
        throw new UnsupportedOperationException("the baseline has nothing to recover");
    }

    @Override
    public long recover() {
        throw new UnsupportedOperationException("the baseline has nothing to recover");
    }

    @Override
    public void close() {
        try {
            sink.close();
        } finally {
            directory.close();
        }
    }
}
