package io.sediment.broker;

import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.RequestHeader;

import java.net.InetSocketAddress;

/**
 * A decoded request and where it came from. The request's buffers (produce records in particular, and a
 * {@link ProduceRequestReader} as a whole) are views of the connection's receive buffer, which the connection reuses
 * only once the request is answered, so a handler may keep them until it answers, and no longer.
 */
record InboundRequest(RequestHeader header, AbstractRequest body, String connectionId, InetSocketAddress clientAddress,
                      long receivedNanos) {
    short version() {
        return header.apiVersion();
    }
}
