package io.sediment.broker;

import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;

/**
 * A blocking socket that speaks raw frames, for tests that must send what no well-behaved client would: it builds
 * valid requests with kafka-clients' classes and also writes arbitrary bytes.
 */
final class RawClient implements AutoCloseable {
    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private int correlationId;

    RawClient(final InetSocketAddress address) throws IOException {
        socket = new Socket();
        socket.connect(address, 10_000);
        socket.setSoTimeout(15_000);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /** Frames a request (size prefix, header, body) without sending it; returns its correlation id in the header. */
    ByteBuffer frame(final AbstractRequest request) {
        final RequestHeader header = new RequestHeader(request.apiKey(), request.version(), "raw-test", correlationId++);
        final ByteBuffer body = request.serializeWithHeader(header);
        final ByteBuffer framed = ByteBuffer.allocate(4 + body.remaining());
        framed.putInt(body.remaining()).put(body).flip();
        return framed;
    }

    void write(final ByteBuffer bytes) throws IOException {
        final byte[] b = new byte[bytes.remaining()];
        bytes.duplicate().get(b);
        out.write(b);
        out.flush();
    }

    void write(final byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Sends a request and parses its response. */
    AbstractResponse send(final AbstractRequest request) throws IOException {
        final int id = correlationId;
        write(frame(request));
        return receive(request.apiKey(), request.version(), id);
    }

    AbstractResponse receive(final ApiKeys key, final short version, final int expectedCorrelationId) throws IOException {
        final ByteBuffer payload = ByteBuffer.wrap(readFrame());
        final RequestHeader header = new RequestHeader(key, version, "raw-test", expectedCorrelationId);
        return AbstractResponse.parseResponse(payload, header);
    }

    byte[] readFrame() throws IOException {
        final int size = in.readInt();
        final byte[] b = new byte[size];
        in.readFully(b);
        return b;
    }

    java.net.Socket socket() {
        return socket;
    }

    /** True when the broker closed the connection (EOF) before the read timeout. */
    boolean closedByBroker() throws IOException {
        try {
            return in.read() == -1;
        } catch (EOFException e) {
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // connection reset
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
