package io.sediment.broker;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * The listener: one acceptor thread that hands each new connection, round robin, to one of
 * {@code num.network.threads} {@link Processor}s, which own it for its lifetime.
 *
 * <p>Plain NIO rather than Netty: kafka-clients already provides the framing-free encoders ({@code Send}) and the
 * zero-copy seam ({@code TransferableChannel.transferFrom}), which want a real {@code SocketChannel} for
 * {@code FileChannel.transferTo} (sendfile); Netty would add a dependency and an adapter for both.
 *
 * <p>Threading: {@link #start} and {@link #close} from the owner's thread; the rest runs on the threads it starts.
 */
final class SocketServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SocketServer.class);

    private final ServerSocketChannel server;
    private final Processor[] processors;
    private final Thread[] threads;
    private final Thread acceptor;
    private volatile boolean running = true;
    private boolean started;

    SocketServer(final String host, final int port, final int networkThreads, final RequestChannel channel,
                 final int maxRequestBytes, final long idleMs) throws IOException {
        this.server = ServerSocketChannel.open();
        server.socket().setReuseAddress(true);
        server.bind(new InetSocketAddress(host, port), 512);
        this.processors = new Processor[networkThreads];
        this.threads = new Thread[networkThreads];
        for (int i = 0; i < networkThreads; i++) {
            processors[i] = new Processor(i, channel, maxRequestBytes, idleMs);
            threads[i] = new Thread(processors[i], "sediment-network-" + i);
            threads[i].setDaemon(true);
        }
        this.acceptor = new Thread(this::acceptLoop, "sediment-acceptor");
        acceptor.setDaemon(true);
    }

    void start() {
        started = true;
        for (Thread t : threads) {
            t.start();
        }
        acceptor.start();
    }

    InetSocketAddress boundAddress() {
        try {
            return (InetSocketAddress) server.getLocalAddress();
        } catch (IOException e) {
            throw new IllegalStateException("listener is closed", e);
        }
    }

    int connectionCount() {
        int n = 0;
        for (Processor p : processors) {
            n += p.connectionCount();
        }
        return n;
    }

    private void acceptLoop() {
        int next = 0;
        while (running) {
            try {
                final SocketChannel ch = server.accept();
                processors[next].accept(ch);
                next = (next + 1) % processors.length;
            } catch (AsynchronousCloseException e) {
                return;
            } catch (IOException e) {
                if (running) {
                    LOG.warn("accept failed: {}", e.toString());
                }
            }
        }
    }

    @Override
    public void close() {
        running = false;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (Processor p : processors) {
            if (started) {
                p.shutdown();
            } else {
                p.closeUnstarted();
            }
        }
        try {
            acceptor.join(5000);
            for (Thread t : threads) {
                t.join(5000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
