package io.sediment.broker;

import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.network.ByteBufferSend;
import org.apache.kafka.common.network.Send;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.SendBuilder;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;

/**
 * Between the network threads and the handlers: decodes a frame with kafka-clients' generated classes (a Produce
 * request's body with {@link ProduceRequestReader}, which reads it in place), refuses what
 * the {@link ApiRegistry} does not advertise, runs the handler on an I/O thread and turns its answer into a
 * {@link Send} for the network thread to write.
 *
 * <p>Protocol errors close only the offending connection, as Kafka does: a header that does not parse, an unknown
 * API key, a version outside the advertised range (except ApiVersions, which is answered with
 * {@code UNSUPPORTED_VERSION} and the supported ranges so the client can pick), or a body that does not parse.
 *
 * <p>Threading: {@link #submit} runs on a network thread; handlers and response encoding run on I/O threads, except
 * for handlers that {@linkplain ApiHandler#runsOnNetworkThread run on the network thread} (fetch) when they answer
 * at once.
 */
final class RequestChannel {
    private static final Logger LOG = LoggerFactory.getLogger(RequestChannel.class);

    private static final Runnable NOTHING_TO_RELEASE = () -> { };

    private final CompletableFuture<ApiRegistry> ready;
    private final ExecutorService ioThreads;

    /** @param ready completes with the registry once every handler is registered (see {@link SedimentBroker}) */
    RequestChannel(final CompletableFuture<ApiRegistry> ready, final ExecutorService ioThreads) {
        this.ready = ready;
        this.ioThreads = ioThreads;
    }

    void submit(final Processor processor, final Connection connection, final InetSocketAddress client,
                final ByteBuffer frame) {
        final RequestHeader header;
        final AbstractRequest body;
        final ApiRegistry registry;
        try {
            registry = ready.join();
        } catch (RuntimeException e) {
            LOG.error("closing {}: the broker's handlers failed to register", connection, e);
            processor.completeWithClose(connection);
            return;
        }
        try {
            header = RequestHeader.parse(frame);
        } catch (RuntimeException e) {
            LOG.info("closing {}: request header does not parse: {}", connection, e.toString());
            processor.completeWithClose(connection);
            return;
        }
        final ApiKeys key = header.apiKey();
        final short version = header.apiVersion();
        if (!registry.supports(key, version)) {
            if (key == ApiKeys.API_VERSIONS) {
                // KIP-511: answer an ApiVersions the broker cannot parse with v0 and the ranges it does support.
                final ApiVersionsResponseData data = new ApiVersionsResponseData()
                        .setErrorCode(Errors.UNSUPPORTED_VERSION.code())
                        .setApiKeys(registry.apiVersions());
                respond(processor, connection, header, (short) 0, Response.of(data));
                return;
            }
            LOG.info("closing {}: {} version {} is not supported (client {})", connection, key, version,
                    header.clientId());
            processor.completeWithClose(connection);
            return;
        }
        try {
            // Produce, by far the most frequent request, is read in place rather than into kafka-clients' tree.
            body = key == ApiKeys.PRODUCE ? ProduceRequestReader.read(frame, version)
                    : AbstractRequest.parseRequest(key, version, new ByteBufferAccessor(frame)).request;
        } catch (RuntimeException e) {
            LOG.info("closing {}: {} v{} body does not parse: {}", connection, key, version, e.toString());
            processor.completeWithClose(connection);
            return;
        }
        final InboundRequest request = new InboundRequest(header, body, connection.id, client, System.nanoTime());
        if (registry.handler(key).runsOnNetworkThread()) {
            // A fetch is a header walk and a zero-copy send (FetchHandler.runsOnNetworkThread): handing it to an I/O
            // thread and back cost two thread wake-ups per fetch, which on a busy machine were most of a fetch's
            // latency. Answered here, its response is written in this same turn of the network thread's loop.
            handle(registry, processor, connection, request);
            return;
        }
        try {
            ioThreads.execute(() -> handle(registry, processor, connection, request));
        } catch (RejectedExecutionException e) {
            processor.completeWithClose(connection);
        }
    }

    private static void handle(final ApiRegistry registry, final Processor processor, final Connection connection,
                               final InboundRequest request) {
        CompletableFuture<Response> answer;
        try {
            answer = registry.handler(request.header().apiKey()).handle(request);
        } catch (RuntimeException e) {
            answer = CompletableFuture.failedFuture(e);
        }
        if (answer.isDone() && !answer.isCompletedExceptionally()) {
            // Answered at once (produce, admin requests): no completion stage to allocate and run.
            answered(processor, connection, request, answer.join(), null);
        } else {
            answer.whenComplete((response, failure) -> answered(processor, connection, request, response, failure));
        }
    }

    private static void answered(final Processor processor, final Connection connection, final InboundRequest request,
                                 final Response response, final Throwable failure) {
        Response r = response;
        if (failure != null) {
            final Errors error = ErrorMapping.error(failure);
            if (error == Errors.UNKNOWN_SERVER_ERROR) {
                LOG.error("{} from {} failed", request.header().apiKey(), connection, failure);
            }
            final AbstractResponse errorResponse = request.body().getErrorResponse(ErrorMapping.toApiException(failure));
            // A request that is never answered (produce with acks=0) has no error response: hang up instead.
            r = errorResponse == null ? Response.hangUp() : Response.of(errorResponse.data());
        }
        respond(processor, connection, request.header(), request.version(), r);
    }

    private static void respond(final Processor processor, final Connection connection, final RequestHeader header,
                                final short version, final Response response) {
        // Most responses hold nothing to release: no method reference to allocate for them.
        final Runnable release = response.resources().isEmpty() ? NOTHING_TO_RELEASE : response::release;
        if (!response.answers()) {
            if (response.closeConnection()) {
                release.run();
                processor.completeWithClose(connection);
            } else {
                processor.complete(connection, null, release);
            }
            return;
        }
        if (response.frame() != null) {
            processor.complete(connection, new ByteBufferSend(response.frame()), release);
            return;
        }
        final Send send;
        try {
            send = SendBuilder.buildResponseSend(header.toResponseHeader(), response.data(), version);
        } catch (RuntimeException e) {
            LOG.error("cannot encode {} v{} response for {}", header.apiKey(), version, connection, e);
            release.run();
            processor.completeWithClose(connection);
            return;
        }
        processor.complete(connection, send, release);
    }
}
