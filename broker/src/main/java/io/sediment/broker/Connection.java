package io.sediment.broker;

import org.apache.kafka.common.network.Send;
import org.apache.kafka.common.network.TransferableChannel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * One client connection: the frame being read, the response being written, and the socket as the
 * {@link TransferableChannel} kafka-clients' {@link Send}s write to.
 *
 * <p>Framing: a 4-byte big-endian size, then that many bytes of request. The size is checked against
 * {@code socket.request.max.bytes} before the request buffer is allocated, and the buffer grows as bytes arrive.
 * While a request is being handled or its response written the connection is <em>muted</em> (not read), so
 * pipelined requests wait in the socket buffer and responses leave in request order, as Kafka does.
 *
 * <p>Threading: owned by one {@link Processor}; only that processor's thread touches it.
 */
final class Connection implements TransferableChannel {
    final String id;
    final SocketChannel socket;
    final SelectionKey key;
    final ByteBuffer sizeBuffer = ByteBuffer.allocate(4);
    /** The frame being received (null between frames) and the size its 4-byte prefix announced. */
    ByteBuffer payload;
    int frameSize;
    /** Kept between requests when at most {@link #REUSED_RECEIVE_MAX} bytes; null until a request was received. */
    private ByteBuffer reusable;
    /** The response being written, and what to release once it is written or the connection closes. */
    Send send;
    Runnable onSendDone;
    boolean inFlight;
    long lastActiveNanos;

    /**
     * A frame's first receive buffer; it doubles as bytes arrive, up to the frame's size, so a client that announces
     * a large frame and sends it slowly, or never, holds only about twice what it has sent.
     */
    static final int INITIAL_RECEIVE_BYTES = 64 * 1024;

    /**
     * A receive buffer up to this size is kept by the connection for its next request instead of a new one each: a
     * fresh heap buffer per produce request was 80% of the broker's allocation in the broker suite's JFR profile,
     * and the churn made G1 touch ever more of the heap (RSS). 256 KiB holds a default producer's requests (16 KiB
     * batches, a few partitions) and bounds what an idle connection keeps; larger frames get buffers of their own.
     */
    static final int REUSED_RECEIVE_MAX = 256 * 1024;

    /**
     * Starts receiving a frame of {@code size} bytes into {@link #payload}, whose limit is always
     * {@code min(capacity, frameSize)}. Reusing the kept buffer is safe because the connection is muted while its
     * request is handled and answered, and nothing keeps a reference to a request frame after its response: produce
     * copies the records into the log before answering (acks=0 included), and kafka-clients' message classes copy
     * {@code bytes} fields into arrays.
     */
    void startFrame(final int size) {
        frameSize = size;
        payload = reusable != null
                ? reusable.clear().limit(Math.min(size, reusable.capacity()))
                : ByteBuffer.allocate(Math.min(size, INITIAL_RECEIVE_BYTES));
    }

    /** The payload is full but the frame is not: double it, up to the frame's size. */
    void growPayload() {
        final ByteBuffer bigger = ByteBuffer.allocate((int) Math.min(frameSize, 2L * payload.capacity()));
        payload = bigger.put(payload.flip());
    }

    /** The complete frame (position 0, limit its size); the connection is ready for the next size prefix. */
    ByteBuffer takeFrame() {
        final ByteBuffer frame = payload.flip();
        if (frame.capacity() <= REUSED_RECEIVE_MAX) {
            reusable = frame;
        }
        payload = null;
        sizeBuffer.clear();
        return frame;
    }

    Connection(final String id, final SocketChannel socket, final SelectionKey key, final long nowNanos) {
        this.id = id;
        this.socket = socket;
        this.key = key;
        this.lastActiveNanos = nowNanos;
    }

    /** The raw socket, so zero-copy record sends can hand it to {@code FileChannel.transferTo} (sendfile). */
    SocketChannel socket() {
        return socket;
    }

    void releaseSend() {
        final Runnable done = onSendDone;
        send = null;
        onSendDone = null;
        if (done != null) {
            done.run();
        }
    }

    @Override
    public boolean hasPendingWrites() {
        return false;
    }

    @Override
    public long transferFrom(final FileChannel fileChannel, final long position, final long count) throws IOException {
        return fileChannel.transferTo(position, count, socket);
    }

    @Override
    public long write(final ByteBuffer[] srcs, final int offset, final int length) throws IOException {
        return socket.write(srcs, offset, length);
    }

    @Override
    public long write(final ByteBuffer[] srcs) throws IOException {
        return socket.write(srcs);
    }

    @Override
    public int write(final ByteBuffer src) throws IOException {
        return socket.write(src);
    }

    @Override
    public boolean isOpen() {
        return socket.isOpen();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    @Override
    public String toString() {
        return id;
    }
}
