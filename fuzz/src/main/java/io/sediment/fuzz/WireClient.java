package io.sediment.fuzz;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.Random;

/**
 * A blocking loopback socket that writes any bytes (fast, or slowly in small pieces) and reads size-prefixed frames
 * with a deadline, telling a frame from a close and from silence.
 *
 * <p>Threading: one thread.
 */
final class WireClient implements AutoCloseable {
    /** What a read saw: a frame, the broker closing (EOF or reset), or nothing before the deadline. */
    sealed interface Read permits Frame, Closed, Silent {
    }

    record Frame(byte[] payload) implements Read {
    }

    record Closed(String how) implements Read {
    }

    record Silent() implements Read {
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    WireClient(final InetSocketAddress address) throws IOException {
        socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(address, 10_000);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /** Writes everything; false when the broker had already closed (a write into a reset connection). */
    boolean write(final byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Writes in pieces of 1..{@code maxPiece} bytes with pauses of 0..{@code maxPauseMs}, stopping the pauses once
     * {@code budgetMs} is spent (the rest goes at once): a slow sender whose total time stays bounded.
     */
    boolean writeSlowly(final byte[] bytes, final Random random, final int maxPiece, final int maxPauseMs,
                        final long budgetMs) {
        final long deadline = System.nanoTime() + budgetMs * 1_000_000L;
        try {
            int pos = 0;
            while (pos < bytes.length) {
                final int n = System.nanoTime() - deadline < 0 ? Math.min(bytes.length - pos, 1 + random.nextInt(maxPiece))
                        : bytes.length - pos;
                out.write(bytes, pos, n);
                out.flush();
                pos += n;
                if (pos < bytes.length && System.nanoTime() - deadline < 0) {
                    Thread.sleep(random.nextInt(maxPauseMs + 1));
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Reads one frame, or reports a close or {@code timeoutMs} of silence before its first byte. */
    Read read(final int timeoutMs) throws IOException {
        try {
            socket.setSoTimeout(Math.max(1, timeoutMs));
            final int size = in.readInt();
            if (size < 0 || size > 256 * 1024 * 1024) {
                throw new IOException("the broker sent a frame size of " + size);
            }
            final byte[] b = new byte[size];
            in.readFully(b);
            return new Frame(b);
        } catch (EOFException e) {
            return new Closed("EOF");
        } catch (SocketTimeoutException e) {
            return new Silent();
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("the broker sent")) {
                throw e;
            }
            return new Closed(e.toString()); // connection reset: the broker closed with our bytes unread
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing to release beyond the socket
        }
    }
}
