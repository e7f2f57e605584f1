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
    /** The response being written, and what to release once it is written or the connection closes. */
    Send send;
    Runnable onSendDone;
    boolean inFlight;
    long lastActiveNanos;

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
