package io.sediment.broker;

import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Seen while designing the protocol fuzzer's slow-sender phase, then reproduced here: the broker allocated a
 * connection's whole request buffer as soon as it read the 4-byte size, so clients that announce large frames
 * (each within {@code socket.request.max.bytes}) and then send nothing more held that much heap each, until an
 * {@code OutOfMemoryError} ended a network thread and with it every connection it served. The buffer now grows
 * with the bytes that actually arrive, so an announced size costs nothing until it is sent.
 */
class SlowSendersTest {
    private static final int MAX_REQUEST = 64 * 1024 * 1024;
    private static final int CONNECTIONS = 24; // 24 x 64 MiB is more than the test JVM's 1 GiB heap

    @TempDir
    Path dir;

    @Test
    @Timeout(120)
    void announcedButUnsentFramesHoldNoMemoryAndOthersAreServed() throws Exception {
        try (BrokerFixture f = new BrokerFixture(dir, "socket.request.max.bytes", String.valueOf(MAX_REQUEST))) {
            final List<RawClient> slow = new ArrayList<>();
            try {
                for (int i = 0; i < CONNECTIONS; i++) {
                    final RawClient c = new RawClient(f.broker.boundAddress());
                    slow.add(c);
                    final byte[] start = new byte[4 + 100];
                    ByteBuffer.wrap(start).putInt(MAX_REQUEST - i);
                    c.write(start);
                }
                // every network thread still serves new connections
                for (int i = 0; i < 4; i++) {
                    try (RawClient c = new RawClient(f.broker.boundAddress())) {
                        final ApiVersionsResponse r = (ApiVersionsResponse) c.send(new ApiVersionsRequest.Builder().build((short) 3));
                        assertEquals(Errors.NONE.code(), r.data().errorCode());
                    }
                }
                System.gc();
                final Runtime rt = Runtime.getRuntime();
                final long used = rt.totalMemory() - rt.freeMemory();
                assertTrue(used < 256L << 20, "heap in use with " + CONNECTIONS + " announced frames: " + (used >> 20) + " MiB");
                // and the slow senders are still waited for, not dropped
                for (RawClient c : slow) {
                    c.socket().setSoTimeout(50);
                    assertFalse(c.closedByBroker());
                }
            } finally {
                for (RawClient c : slow) {
                    c.close();
                }
            }
        }
    }
}
