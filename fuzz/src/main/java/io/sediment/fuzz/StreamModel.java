package io.sediment.fuzz;

import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.RequestHeader;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The oracle: what a Kafka broker must do with a byte stream on one connection, frame by frame. It splits the
 * stream as the broker's framing does (a 4-byte size, then that many bytes) and decodes each frame with the same
 * kafka-clients calls a broker uses ({@code RequestHeader.parse}, {@code AbstractRequest.parseRequest}):
 *
 * <ul>
 *   <li>a size that is negative or above {@code socket.request.max.bytes}, a header that does not parse, an API or
 *       version not advertised, or a body that does not parse: the connection is closed, and nothing after it is
 *       read ({@link Kind#CLOSE});</li>
 *   <li>ApiVersions at a version not advertised: answered at v0 with {@code UNSUPPORTED_VERSION} (KIP-511);</li>
 *   <li>anything else that parses: answered with the response of that API at that version and the same correlation
 *       id, with or without an error code ({@link Kind#RESPONSE}); a produce with {@code acks=0} is not answered,
 *       or the connection is closed if it failed ({@link Kind#NO_RESPONSE_OR_CLOSE});</li>
 *   <li>a frame the stream ends inside of: no answer, the connection waits ({@link Kind#INCOMPLETE}).</li>
 * </ul>
 *
 * <p>A request that may wait by design (a fetch whose {@code max.wait.ms} is long, a JoinGroup or SyncGroup waiting
 * for other members) is marked {@code mayPark}: silence past the bound is then not a hang.
 */
final class StreamModel {
    enum Kind { RESPONSE, NO_RESPONSE_OR_CLOSE, CLOSE, INCOMPLETE, OPEN }

    /**
     * @param header   for RESPONSE: the request header to parse the response with (key, version, correlation id)
     * @param why      for CLOSE: which check refuses the frame
     * @param mayPark  the broker may legitimately hold the answer longer than the bound
     */
    record Expect(Kind kind, RequestHeader header, String why, boolean mayPark) {
    }

    /** Fetches waiting longer than this may park; shorter ones must be answered within the bound. */
    static final int PARK_THRESHOLD_MS = 1000;

    private final Map<ApiKeys, short[]> ranges;
    private final int maxRequestBytes;

    StreamModel(final Map<ApiKeys, short[]> ranges, final int maxRequestBytes) {
        this.ranges = ranges;
        this.maxRequestBytes = maxRequestBytes;
    }

    /** What the broker must do with {@code stream}, in order; the list ends with CLOSE, INCOMPLETE or OPEN. */
    List<Expect> expect(final byte[] stream) {
        final List<Expect> out = new ArrayList<>();
        final ByteBuffer b = ByteBuffer.wrap(stream);
        int pos = 0;
        while (true) {
            if (stream.length - pos < 4) {
                out.add(new Expect(pos == stream.length ? Kind.OPEN : Kind.INCOMPLETE, null, null, false));
                return out;
            }
            final int size = b.getInt(pos);
            if (size < 0 || size > maxRequestBytes) {
                out.add(new Expect(Kind.CLOSE, null, "size " + size, false));
                return out;
            }
            if (stream.length - pos - 4 < size) {
                out.add(new Expect(Kind.INCOMPLETE, null, null, false));
                return out;
            }
            final Expect e = frame(ByteBuffer.wrap(stream, pos + 4, size).slice());
            out.add(e);
            if (e.kind == Kind.CLOSE) {
                return out;
            }
            pos += 4 + size;
        }
    }

    /** What the broker must do with one complete frame. */
    Expect frame(final ByteBuffer frame) {
        final RequestHeader header;
        try {
            header = RequestHeader.parse(frame);
        } catch (RuntimeException e) {
            return new Expect(Kind.CLOSE, null, "header: " + e.getClass().getSimpleName(), false);
        }
        final ApiKeys key = header.apiKey();
        final short version = header.apiVersion();
        final short[] r = ranges.get(key);
        if (r == null || version < r[0] || version > r[1]) {
            if (key == ApiKeys.API_VERSIONS) {
                return new Expect(Kind.RESPONSE, new RequestHeader(key, (short) 0, header.clientId(), header.correlationId()),
                        null, false);
            }
            return new Expect(Kind.CLOSE, null, "unsupported " + key + " v" + version, false);
        }
        final AbstractRequest body;
        try {
            body = AbstractRequest.parseRequest(key, version, new ByteBufferAccessor(frame)).request;
        } catch (RuntimeException e) {
            return new Expect(Kind.CLOSE, null, "body: " + e.getClass().getSimpleName(), false);
        }
        if (body instanceof ProduceRequest p && p.acks() == 0) {
            return new Expect(Kind.NO_RESPONSE_OR_CLOSE, header, null, false);
        }
        final boolean mayPark = switch (key) {
            case FETCH -> ((FetchRequest) body).maxWait() > PARK_THRESHOLD_MS && ((FetchRequest) body).minBytes() > 0;
            case JOIN_GROUP, SYNC_GROUP -> true;
            default -> false;
        };
        return new Expect(Kind.RESPONSE, header, null, mayPark);
    }
}
