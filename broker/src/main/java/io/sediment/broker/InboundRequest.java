package io.sediment.broker;

import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.RequestHeader;

import java.net.InetSocketAddress;

/**
 * A decoded request and where it came from. The request's buffers (produce records in particular) are views of the
 * connection's receive buffer, which is not reused, so a handler may keep them until it answers.
 */
record InboundRequest(RequestHeader header, AbstractRequest body, String connectionId, InetSocketAddress clientAddress,
                      long receivedNanos) {
    short version() {
        return header.apiVersion();
    }
}
