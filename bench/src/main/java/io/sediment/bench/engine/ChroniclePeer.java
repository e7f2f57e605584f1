package io.sediment.bench.engine;

import io.sediment.bench.ScratchDirectory;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.BytesStore;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * Chronicle Queue (single-file-per-cycle queue, default roll cycle, default block size) in a fresh directory: the
 * appender writes each record's payload (key then value, the same bytes the batch holds) as one excerpt, the tailer
 * reads them back. Chronicle Queue has no batches, so one append of the workload is {@code recordsPerBatch}
 * excerpts; records/s and payload MB/s compare, batch-for-batch.
 *
 * <p>Locating record {@code n} is {@link ExcerptTailer#moveToIndex} to sequence {@code n} of the queue's first cycle
 * (the suite never runs across a cycle boundary, midnight UTC). Chronicle Queue keeps no time index and has no
 * recovery step for unflushed data (its files are memory-mapped and read back as they are), so
 * {@link #offsetForTimestamp}, {@link #halt} and {@link #recover} are not supported and the suite does not ask.
 *
 * <p>Chronicle's usage-analytics client is excluded from the build (bench/pom.xml); the property set below is a
 * second lock should it ever come back, and must be set before any Chronicle class initialises.
 */
final class ChroniclePeer implements Peer {
    static {
        System.setProperty("chronicle.analytics.disable", "true");
    }

    private final ScratchDirectory directory;
    private final ChronicleQueue queue;
    private final ExcerptAppender appender;
    private ExcerptTailer tailer;
    private BytesStore<?, ?>[] payloads;
    private long checksum;

    ChroniclePeer() {
        this.directory = ScratchDirectory.create("chronicle-bench-");
        this.queue = ChronicleQueue.singleBuilder(directory.path()).build();
        this.appender = queue.createAppender();
    }

    @Override
    public void append(final Workload workload) {
        if (payloads == null) {
            payloads = new BytesStore<?, ?>[workload.recordsPerBatch];
            for (int i = 0; i < payloads.length; i++) {
                payloads[i] = BytesStore.wrap(workload.payload(i));
            }
        }
        for (BytesStore<?, ?> payload : payloads) {
            appender.writeBytes(payload);
        }
    }

    private ExcerptTailer tailer() {
        if (tailer == null) {
            tailer = queue.createTailer();
        }
        return tailer;
    }

    @Override
    public int locate(final long offset, final int maxBytes) {
        final ExcerptTailer t = tailer();
        final long index = queue.rollCycle().toIndex(queue.rollCycle().toCycle(queue.firstIndex()), offset);
        if (!t.moveToIndex(index)) {
            throw new IllegalStateException("no excerpt at sequence " + offset);
        }
        try (DocumentContext dc = t.readingDocument()) {
            return (int) dc.wire().bytes().readRemaining();
        }
    }

    @Override
    public int readNext(final int maxBytes) {
        final ExcerptTailer t = tailer();
        int read = 0;
        while (read < maxBytes) {
            try (DocumentContext dc = t.readingDocument()) {
                if (!dc.isPresent()) {
                    t.toStart();
                    break;
                }
                final Bytes<?> bytes = dc.wire().bytes();
                long p = bytes.readPosition();
                final long end = bytes.readLimit();
                long sum = 0;
                for (; p + Long.BYTES <= end; p += Long.BYTES) {
                    sum += bytes.readLong(p);
                }
                for (; p < end; p++) {
                    sum += bytes.readByte(p);
                }
                checksum += sum;
                read += (int) (end - bytes.readPosition());
            }
        }
        return read;
    }

    @Override
    public long checksum() {
        return checksum;
    }

    @Override
    public long offsetForTimestamp(final long timestamp) {
        throw new UnsupportedOperationException("Chronicle Queue keeps no time index");
    }

    @Override
    public void halt() {
        throw new UnsupportedOperationException("Chronicle Queue has no recovery of unflushed data to measure");
    }

    @Override
    public long recover() {
        throw new UnsupportedOperationException("Chronicle Queue has no recovery of unflushed data to measure");
    }

    @Override
    public void close() {
        try {
            if (tailer != null) {
                tailer.close();
            }
            appender.close();
            queue.close();
        } finally {
            directory.close();
        }
    }
}
