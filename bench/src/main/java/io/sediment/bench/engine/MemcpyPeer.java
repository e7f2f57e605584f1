package io.sediment.bench.engine;

import io.sediment.bench.MappedFileSink;
import io.sediment.bench.RandomReadBenchmark;

/**
 * The physical limit: the batch bytes copied with one bulk {@code put} into fresh, sparse, memory-mapped files that
 * roll at {@code segmentBytes} ({@link MappedFileSink}), and read back by summing the mapped memory {@code maxBytes}
 * at a time. No validation, no offsets, no index: it can append and scan, nothing else.
 */
final class MemcpyPeer extends BaselinePeer {
    private final MappedFileSink sink;
    private int file;
    private int position;

    MemcpyPeer(final int segmentBytes) {
        super("memcpy-bench-");
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
    protected void release() {
        sink.close();
    }
}
