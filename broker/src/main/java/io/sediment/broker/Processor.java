package io.sediment.broker;

import org.apache.kafka.common.network.Send;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * A network thread: one selector over many connections. It reads size-prefixed frames, hands each complete frame
 * to the {@link RequestChannel} and writes back the responses the I/O threads complete, in order per connection.
 *
 * <p>Invariants: a connection has at most one request in flight (it is muted from the moment a frame is complete
 * until its response is written); a frame larger than {@code socket.request.max.bytes}, or with a negative size,
 * closes the connection before anything is allocated; a frame's buffer grows with the bytes received (from
 * {@link Connection#INITIAL_RECEIVE_BYTES}, doubling), so a connection holds at most about twice what it has sent,
 * plus the one buffer of at most {@link Connection#REUSED_RECEIVE_MAX} it keeps between requests; a connection idle longer than {@code connections.max.idle.ms} with nothing in flight is closed.
 *
 * <p>Threading: {@link #accept} and {@link #complete} may be called from any thread (they queue and, from another
 * thread, wake the selector; a completion queued by this thread itself is written before it next selects);
 * everything else runs on this processor's own thread.
 */
final class Processor implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(Processor.class);
    private final int index;
    private final Selector selector;
    private final RequestChannel requests;
    private final int maxRequestBytes;
    private final long idleNanos;
    private final Queue<SocketChannel> accepted = new ConcurrentLinkedQueue<>();
    private final Queue<Completion> completed = new ConcurrentLinkedQueue<>();
    private final Map<String, Connection> connections = new HashMap<>();
    private volatile boolean running = true;
    /** This processor's own thread, once it runs: completions queued from it need no selector wake-up. */
    private volatile Thread thread;
    private long nextConnectionId;
    private long nextIdleCheckNanos;

    private record Completion(Connection connection, Send send, Runnable release) {
    }

    Processor(final int index, final RequestChannel requests, final int maxRequestBytes, final long idleMs) throws IOException {
        this.index = index;
        this.selector = Selector.open();
        this.requests = requests;
        this.maxRequestBytes = maxRequestBytes;
        this.idleNanos = TimeUnit.MILLISECONDS.toNanos(idleMs);
    }

    void accept(final SocketChannel channel) {
        accepted.add(channel);
        selector.wakeup();
    }

    /**
     * Queues the response to a request read from {@code connection}: {@code send == null} means no response (acks=0),
     * and the connection simply reads its next request. {@code release} runs once the send is written or dropped.
     */
    void complete(final Connection connection, final Send send, final Runnable release) {
        completed.add(new Completion(connection, send, release));
        if (Thread.currentThread() != thread) {
            selector.wakeup();
        }
    }

    /** Closes the connection after the current request (a protocol error the client cannot recover from). */
    void completeWithClose(final Connection connection) {
        completed.add(new Completion(connection, null, null));
        selector.wakeup();
    }

    void shutdown() {
        running = false;
        selector.wakeup();
    }

    /** Releases the selector of a processor whose thread never ran (the broker failed to start). */
    void closeUnstarted() {
        try {
            selector.close();
        } catch (IOException ignored) {
            // nothing was registered
        }
    }

    int connectionCount() {
        return connections.size();
    }

    @Override
    public void run() {
        thread = Thread.currentThread();
        try {
            while (running) {
                selector.select(300);
                final long now = System.nanoTime();
                registerAccepted(now);
                processCompletions(now);
                final Iterator<SelectionKey> it = selector.selectedKeys().iterator();
                while (it.hasNext()) {
                    final SelectionKey key = it.next();
                    it.remove();
                    final Connection c = (Connection) key.attachment();
                    try {
                        if (key.isValid() && key.isReadable()) {
                            read(c, now);
                        }
                        if (key.isValid() && key.isWritable()) {
                            write(c, now);
                        }
                    } catch (IOException | RuntimeException e) {
                        LOG.debug("closing {}: {}", c, e.toString());
                        close(c);
                    } catch (OutOfMemoryError e) {
                        // A receive buffer the heap cannot hold: this connection's request. Dropping it frees the
                        // memory; letting the error end this thread would drop every connection it serves.
                        LOG.warn("closing {}: no heap for its request ({})", c, e.toString());
                        close(c);
                    }
                }
                // Requests answered on this thread while reading (fetch): written now, without a selector wake-up.
                processCompletions(now);
                if (now - nextIdleCheckNanos >= 0) {
                    closeIdle(now);
                    nextIdleCheckNanos = now + Math.min(idleNanos, TimeUnit.SECONDS.toNanos(1));
                }
            }
        } catch (IOException | ClosedSelectorException e) {
            LOG.error("network thread {} failed", index, e);
        } finally {
            for (Connection c : connections.values().toArray(new Connection[0])) {
                close(c);
            }
            try {
                selector.close();
            } catch (IOException ignored) {
                // shutting down
            }
            for (Completion c; (c = completed.poll()) != null; ) {
                if (c.release != null) {
                    c.release.run();
                }
            }
        }
    }

    private void registerAccepted(final long now) {
        for (SocketChannel ch; (ch = accepted.poll()) != null; ) {
            try {
                ch.configureBlocking(false);
                ch.socket().setTcpNoDelay(true);
                final SelectionKey key = ch.register(selector, SelectionKey.OP_READ);
                final String id = ch.getLocalAddress() + "-" + ch.getRemoteAddress() + "-" + index + "-" + nextConnectionId++;
                final Connection c = new Connection(id, ch, key, now);
                key.attach(c);
                connections.put(id, c);
            } catch (IOException e) {
                LOG.debug("could not register accepted socket: {}", e.toString());
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // nothing to do
                }
            }
        }
    }

    private void processCompletions(final long now) {
        for (Completion done; (done = completed.poll()) != null; ) {
            final Connection c = done.connection;
            if (!c.socket.isOpen()) {
                if (done.release != null) {
                    done.release.run();
                }
                continue;
            }
            if (done.send == null && done.release == null) {
                close(c);
                continue;
            }
            c.inFlight = false;
            c.lastActiveNanos = now;
            if (done.send == null) {
                done.release.run();
                c.key.interestOps(SelectionKey.OP_READ);
                continue;
            }
            c.send = done.send;
            c.onSendDone = done.release;
            try {
                write(c, now);
            } catch (IOException | RuntimeException e) {
                LOG.debug("closing {}: {}", c, e.toString());
                close(c);
            }
        }
    }

    private void read(final Connection c, final long now) throws IOException {
        if (c.payload == null) {
            if (c.socket.read(c.sizeBuffer) < 0) {
                close(c);
                return;
            }
            if (c.sizeBuffer.hasRemaining()) {
                return;
            }
            final int size = c.sizeBuffer.getInt(0);
            if (size < 0 || size > maxRequestBytes) {
                LOG.info("closing {}: request of {} bytes is outside [0, socket.request.max.bytes={}]", c, size,
                        maxRequestBytes);
                close(c);
                return;
            }
            c.startFrame(size);
        }
        while (true) {
            if (!c.payload.hasRemaining()) {
                if (c.payload.position() == c.frameSize) {
                    break;
                }
                c.growPayload();
            }
            final int n = c.socket.read(c.payload);
            if (n < 0) {
                close(c);
                return;
            }
            if (n == 0) {
                break;
            }
            c.lastActiveNanos = now;
        }
        if (c.payload.position() < c.frameSize) {
            return;
        }
        final ByteBuffer frame = c.takeFrame();
        c.inFlight = true;
        c.key.interestOps(0);
        requests.submit(this, c, (InetSocketAddress) c.socket.getRemoteAddress(), frame);
    }

    private void write(final Connection c, final long now) throws IOException {
        final Send send = c.send;
        if (send == null) {
            return;
        }
        send.writeTo(c);
        c.lastActiveNanos = now;
        if (send.completed()) {
            c.releaseSend();
            c.key.interestOps(SelectionKey.OP_READ);
        } else {
            c.key.interestOps(SelectionKey.OP_WRITE);
        }
    }

    private void closeIdle(final long now) {
        for (Connection c : connections.values().toArray(new Connection[0])) {
            if (!c.inFlight && c.send == null && now - c.lastActiveNanos > idleNanos) {
                LOG.debug("closing idle connection {}", c);
                close(c);
            }
        }
    }

    private void close(final Connection c) {
        connections.remove(c.id);
        c.key.cancel();
        try {
            c.socket.close();
        } catch (IOException ignored) {
            // already broken
        }
        c.releaseSend();
    }
}
