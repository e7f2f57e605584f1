package io.sediment.broker;

import org.apache.kafka.common.protocol.ApiMessage;

import java.util.List;

/**
 * What a handler answers: the response message (or none, for acks=0 produce), whether to close the connection
 * instead of answering, and resources to close once the
 * response has been written to the socket or the connection has closed (the {@link io.sediment.api.LogSlice}s a
 * fetch response sends zero-copy).
 */
record Response(ApiMessage data, List<? extends AutoCloseable> resources, boolean closeConnection) {
    Response(final ApiMessage data, final List<? extends AutoCloseable> resources) {
        this(data, resources, false);
    }

    static Response of(final ApiMessage data) {
        return new Response(data, List.of());
    }

    /** No response at all: a produce with acks=0 that succeeded. */
    static Response none() {
        return new Response(null, List.of());
    }

    /**
     * No response, and the connection is closed: a produce with acks=0 that failed, which is how Kafka tells a
     * fire-and-forget producer that something went wrong (it refreshes metadata on reconnect).
     */
    static Response hangUp() {
        return new Response(null, List.of(), true);
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
