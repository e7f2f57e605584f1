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
 * {@code socket.request.max.bytes} before the request buffer is allocated. While a request is being handled or its
 * response written the connection is <em>muted</em> (not read), so pipelined requests wait in the socket buffer and
 * responses leave in request order, as Kafka does.
 *
 * <p>Threading: owned by one {@link Processor}; only that processor's thread touches it.
 */
final class Connection implements TransferableChannel {
    final String id;
    final SocketChannel socket;
    final SelectionKey key;
    final ByteBuffer sizeBuffer = ByteBuffer.allocate(4);
    ByteBuffer payload;
    /** Reused for every request up to {@link #REUSED_RECEIVE_MAX} bytes; grows to the largest such request seen. */
    private ByteBuffer receive;
    /** The response being written, and what to release once it is written or the connection closes. */
    Send send;
    Runnable onSendDone;
    boolean inFlight;
    long lastActiveNanos;

    /**
     * Requests up to this size (a producer's default {@code max.request.size} is 1 MiB) are read into one buffer kept
     * by the connection instead of a new one each: a fresh heap buffer per produce request was 80% of the broker's
     * allocation in the broker suite's JFR profile, and the churn made G1 touch ever more of the heap (RSS).
     * Larger requests get a buffer of their own, so an idle connection never holds more than this.
     */
    static final int REUSED_RECEIVE_MAX = 2 << 20;

    /**
     * The buffer to read a request of {@code size} bytes into (position 0, limit and capacity {@code size}).
     * Reusing it is safe because the connection is muted while its request is handled and answered, and nothing
     * keeps a reference to a request frame after its response: produce copies the records into the log before
     * answering (acks=0 included), and kafka-clients' message classes copy {@code bytes} fields into arrays.
     */
    ByteBuffer receiveBuffer(final int size) {
        if (size > REUSED_RECEIVE_MAX) {
            return ByteBuffer.allocate(size);
        }
        if (receive == null || receive.capacity() < size) {
            receive = ByteBuffer.allocate(size);
        }
        return receive.clear().limit(size).slice();
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
