package io.sediment.bench.engine;

import io.sediment.bench.RandomReadBenchmark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The other physical limit: the batch bytes written with {@code FileChannel.write(batch, position)} into fresh, empty
 * files that roll at {@code segmentBytes}, as Kafka's {@code FileRecords.append} writes a segment (a heap buffer, so
 * the JDK copies it into its per-thread temporary direct buffer and calls {@code pwrite(2)}; the file grows with each
 * write, nothing is preallocated). It shows what {@code write(2)} into the page cache can do on the machine, next to
 * {@link MemcpyPeer}'s copy into a mapping: {@code write(2)} does not make the kernel zero a fresh page it overwrites
 * whole, a write fault into a mapping does. Read back with {@code pread} into a direct buffer, summed as the other
 * peers sum. No validation, no offsets, no index: it can append and scan, nothing else.
 */
final class PwritePeer extends BaselinePeer {
    private final int segmentBytes;
    private final List<FileChannel> files = new ArrayList<>();
    private final List<Integer> sizes = new ArrayList<>();
    private final ByteBuffer readBuffer;
    private FileChannel current;
    private int written;
    private int file;
    private int position;

    PwritePeer(final int segmentBytes, final int largestBatch) {
        super("pwrite-bench-");
        this.segmentBytes = segmentBytes;
        this.readBuffer = ByteBuffer.allocateDirect(Math.max(1 << 20, largestBatch));
    }

    @Override
    public void append(final Workload workload) {
        final ByteBuffer batch = workload.batch();
        final int length = batch.remaining();
        if (length > segmentBytes) {
            throw new IllegalArgumentException("batch of " + length + " bytes exceeds the file size " + segmentBytes);
        }
        try {
            if (current == null || written + length > segmentBytes) {
                startNextFile();
            }
            while (batch.hasRemaining()) {
                written += current.write(batch, written);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write file " + files.size() + " at " + written, e);
        }
    }

    private void startNextFile() throws IOException {
        if (current != null) {
            sizes.add(written);
        }
        final Path path = directory.path().resolve(String.format("%020d.log", files.size()));
        current = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        files.add(current);
        written = 0;
    }

    private int size(final int i) {
        return i == files.size() - 1 ? written : sizes.get(i);
    }

    @Override
    public int readNext(final int maxBytes) {
        if (position >= size(file)) {
            file = (file + 1) % files.size();
            position = 0;
        }
        final int to = Math.min(position + Math.min(maxBytes, readBuffer.capacity()), size(file));
        readBuffer.clear().limit(to - position);
        try {
            while (readBuffer.hasRemaining()) {
                if (files.get(file).read(readBuffer, (long) position + readBuffer.position()) < 0) {
                    throw new IllegalStateException("file " + file + " ends before " + to);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read file " + file + " at " + position, e);
        }
        checksum += RandomReadBenchmark.sumOfWords(readBuffer, 0, to - position);
        final int read = to - position;
        position = to;
        return read;
    }

    @Override
    protected void release() {
        try {
            for (FileChannel f : files) {
                f.close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close a file in " + directory.path(), e);
        } finally {
            files.clear();
        }
    }
}
