package io.sediment.broker;

import org.apache.kafka.common.protocol.ApiMessage;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * What a handler answers: the response message, or a frame the handler encoded itself (produce, see
 * {@link ProduceResponseWriter}), or nothing (acks=0 produce); whether to close the connection instead of
 * answering; and resources to close once the response has been written to the socket or the connection has closed
 * (the {@link io.sediment.api.LogSlice}s a fetch response sends zero-copy).
 */
record Response(ApiMessage data, ByteBuffer frame, List<? extends AutoCloseable> resources, boolean closeConnection) {
    private static final Response NONE = new Response(null, null, List.of(), false);
    private static final Response HANG_UP = new Response(null, null, List.of(), true);

    Response(final ApiMessage data, final List<? extends AutoCloseable> resources) {
        this(data, null, resources, false);
    }

    static Response of(final ApiMessage data) {
        return new Response(data, List.of());
    }

    /** A response already encoded: the whole frame, its size prefix and response header included. */
    static Response of(final ByteBuffer frame) {
        return new Response(null, frame, List.of(), false);
    }

    /** No response at all: a produce with acks=0 that succeeded. */
    static Response none() {
        return NONE;
    }

    /**
     * No response, and the connection is closed: a produce with acks=0 that failed, which is how Kafka tells a
     * fire-and-forget producer that something went wrong (it refreshes metadata on reconnect).
     */
    static Response hangUp() {
        return HANG_UP;
    }

    /** Whether there is something to send. */
    boolean answers() {
        return data != null || frame != null;
    }

    void release() {
        for (AutoCloseable r : resources) {
            try {
                r.close();
            } catch (Exception e) {
                // closing a slice only releases a pin; nothing a client can act on
            }
        }
    }
}
