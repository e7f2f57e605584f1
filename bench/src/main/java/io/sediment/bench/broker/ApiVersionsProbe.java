package io.sediment.bench.broker;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * Asks a broker for its API versions the way every Kafka client's first request does, on a raw socket so that no
 * client reconnect backoff sits between "the broker can answer" and "we noticed".
 *
 * <p>Request: size, then header v1 ({@code api_key} 18, {@code api_version} 0, {@code correlation_id}, null
 * {@code client_id}) and the empty v0 body. Response: size, {@code correlation_id} (ApiVersions always answers
 * with header v0), {@code error_code}, {@code api_keys} count.
 */
final class ApiVersionsProbe {
    private static final short API_VERSIONS = 18;
    private static final int CORRELATION_ID = 0x5ED1;

    private ApiVersionsProbe() {
    }

    /** True when the broker on {@code port} answered ApiVersions v0 with no error and at least one API. */
    static boolean answers(final int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            socket.setSoTimeout(2_000);
            final DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            out.writeInt(2 + 2 + 4 + 2);
            out.writeShort(API_VERSIONS);
            out.writeShort(0);
            out.writeInt(CORRELATION_ID);
            out.writeShort(-1);
            out.flush();
            final DataInputStream in = new DataInputStream(socket.getInputStream());
            final int size = in.readInt();
            return size >= 4 + 2 + 4 && in.readInt() == CORRELATION_ID && in.readShort() == 0 && in.readInt() > 0;
        } catch (IOException e) {
            return false;
        }
    }
}
