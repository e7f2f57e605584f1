package io.sediment.broker;

import org.apache.kafka.common.protocol.ApiKeys;

import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Handles one family of APIs (topics, configs, produce, fetch, ...). A handler declares the APIs and version ranges
 * it implements; {@link ApiRegistry} routes requests to it and advertises exactly those ranges in ApiVersions.
 * A group coordinator is one more implementation of this interface, registered beside the others.
 *
 * <p>Threading: {@link #handle} is called on an I/O thread, concurrently for different requests, or on the network
 * thread that read the request when {@link #runsOnNetworkThread} says so. It may answer at once or later (a long-poll
 * fetch), from any thread.
 */
interface ApiHandler {
    /** The APIs this handler implements and, for each, the {@code [min, max]} versions it advertises. */
    Map<ApiKeys, short[]> versions();

    CompletableFuture<Response> handle(InboundRequest request);

    /**
     * Whether {@link #handle} may run on the network thread that read the request, skipping the hand-off to an I/O
     * thread and back. Only for handlers that never wait for another request, a long-held lock or I/O beyond what
     * the network thread's own zero-copy sends already touch (mapped segment pages), and that answer in
     * microseconds or park.
     */
    default boolean runsOnNetworkThread() {
        return false;
    }
}
