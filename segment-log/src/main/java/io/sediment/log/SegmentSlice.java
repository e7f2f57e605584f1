package io.sediment.log;

import io.sediment.api.LogSlice;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Whole batches {@code [position, position + length)} of one pinned segment. Holds one reference on the segment
 * until {@link #close()}.
 */
final class SegmentSlice implements LogSlice {
    private final Segment segment;
    private final int position;
    private final int length;
    private final long firstOffset;
    private final long nextOffset;
    private final AtomicBoolean closed = new AtomicBoolean();
    private ByteBuffer view;

    /** Takes over one reference the caller already holds on {@code segment}. */
    SegmentSlice(final Segment segment, final int position, final int length, final long firstOffset,
                 final long nextOffset) {
        this.segment = segment;
        this.position = position;
        this.length = length;
        this.firstOffset = firstOffset;
        this.nextOffset = nextOffset;
    }

    @Override
    public long firstOffset() {
        return firstOffset;
    }

    @Override
    public long nextOffset() {
        return nextOffset;
    }

    @Override
    public int sizeInBytes() {
        return length;
    }

    @Override
    public long transferTo(final WritableByteChannel target, final long offsetInSlice, final long count)
            throws IOException {
        ensureOpen();
        if (offsetInSlice < 0 || offsetInSlice > length || count < 0) {
            throw new IllegalArgumentException("position " + offsetInSlice + " / count " + count
                    + " outside a slice of " + length + " bytes");
        }
        final long n = Math.min(count, length - offsetInSlice);
        if (n == 0) {
            return 0;
        }
        return segment.data.transferTo(position + (int) offsetInSlice, n, target);
    }

    @Override
    public ByteBuffer buffer() {
        ensureOpen();
        if (view == null) {
            view = segment.data.view(position, length).asReadOnlyBuffer();
        }
        return view.duplicate();
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new IllegalStateException("slice of segment " + segment.baseOffset + " is closed");
        }
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            segment.release();
        }
    }

    @Override
    public String toString() {
        return "LogSlice{segment=" + segment.baseOffset + ", position=" + position + ", length=" + length
                + ", offsets=[" + firstOffset + ", " + nextOffset + ")}";
    }
}
