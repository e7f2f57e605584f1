package io.sediment.bench.engine;

import io.sediment.api.Log;
import io.sediment.api.LogSlice;
import io.sediment.api.TimestampedOffset;
import io.sediment.bench.RandomReadBenchmark;
import io.sediment.bench.ScratchLog;

import java.nio.ByteBuffer;
import java.util.Optional;

/** Sediment through its public {@link Log} API, on the backend named ({@code mmap} or {@code lmdb}). */
final class SedimentPeer implements Peer {
    private final ScratchLog scratch;
    private Log log;
    private long nextOffset;
    private long checksum;

    SedimentPeer(final String backend, final int segmentBytes, final int largestBatch) {
        this.scratch = ScratchLog.open(backend, segmentBytes, largestBatch);
        this.log = scratch.log();
    }

    @Override
    public void append(final Workload workload) {
        log.append(workload.batch());
    }

    @Override
    public int locate(final long offset, final int maxBytes) {
        try (LogSlice slice = log.read(offset, maxBytes)) {
            return slice.sizeInBytes();
        }
    }

    @Override
    public int readNext(final int maxBytes) {
        if (nextOffset >= log.logEndOffset()) {
            nextOffset = log.logStartOffset();
        }
        try (LogSlice slice = log.read(nextOffset, maxBytes)) {
            final ByteBuffer bytes = slice.buffer();
            checksum += RandomReadBenchmark.sumOfWords(bytes, 0, bytes.limit());
            nextOffset = slice.nextOffset();
            return slice.sizeInBytes();
        }
    }

    @Override
    public long checksum() {
        return checksum;
    }

    @Override
    public long offsetForTimestamp(final long timestamp) {
        final Optional<TimestampedOffset> found = log.offsetForTimestamp(timestamp);
        return found.isPresent() ? found.get().offset() : -1;
    }

    @Override
    public void halt() {
        scratch.halt();
    }

    @Override
    public long recover() {
        final long end = scratch.recover();
        log = scratch.log();
        return end;
    }

    @Override
    public void close() {
        scratch.close();
    }
}
