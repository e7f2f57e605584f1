package io.sediment.broker;

import org.apache.kafka.common.message.ApiMessageType;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.RequestUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every version of every API the broker advertises is answered on the same connection with a response that
 * kafka-clients parses at that version: an empty request of each kind, as old and new clients would send it. This
 * is what catches a response field set that a version cannot carry.
 */
class EveryVersionTest {
    @TempDir
    Path dir;

    @Test
    void everyAdvertisedVersionIsAnsweredWithAParsableResponse() throws Exception {
        try (BrokerFixture f = new BrokerFixture(dir); RawClient c = new RawClient(f.broker.boundAddress())) {
            final ApiVersionsResponse versions = (ApiVersionsResponse) c.send(new ApiVersionsRequest.Builder().build((short) 3));
            int correlationId = 1000;
            int answered = 0;
            for (ApiVersionsResponseData.ApiVersion v : versions.data().apiKeys()) {
                final ApiKeys key = ApiKeys.forId(v.apiKey());
                for (short version = v.minVersion(); version <= v.maxVersion(); version++) {
                    final ApiMessage request = ApiMessageType.fromApiKey(key.id).newRequest();
                    if (request instanceof ProduceRequestData produce) {
                        produce.setAcks((short) 1); // acks=0 is never answered
                    }
                    final RequestHeader header = new RequestHeader(key, version, "every-version", correlationId++);
                    final ByteBuffer body = RequestUtils.serialize(header.data(), header.headerVersion(), request, version);
                    final ByteBuffer frame = ByteBuffer.allocate(4 + body.remaining()).putInt(body.remaining()).put(body).flip();
                    c.write(frame);
                    final AbstractResponse response = AbstractResponse.parseResponse(ByteBuffer.wrap(c.readFrame()), header);
                    assertEquals(key, response.apiKey(), key + " v" + version);
                    answered++;
                }
            }
            assertTrue(answered > 100, "answered " + answered);
        }
    }
}
