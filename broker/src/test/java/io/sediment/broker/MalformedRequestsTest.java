package io.sediment.broker;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Frames no client should send. Each is answered or disconnected; afterwards the broker still serves, and what was
 * stored before is intact.
 */
class MalformedRequestsTest {
    private static final int MAX_REQUEST = 64 * 1024;

    @TempDir
    Path dir;
    BrokerFixture f;

    @BeforeEach
    void storeSomething() throws Exception {
        f = new BrokerFixture(dir, "socket.request.max.bytes", String.valueOf(MAX_REQUEST));
        try (Admin admin = f.admin()) {
            admin.createTopics(List.of(new NewTopic("keep", 1, (short) 1))).all().get();
        }
        try (KafkaProducer<byte[], byte[]> p = f.producer()) {
            for (int i = 0; i < 20; i++) {
                p.send(new ProducerRecord<>("keep", 0, null, ("v" + i).getBytes(StandardCharsets.UTF_8))).get();
            }
        }
    }

    @AfterEach
    void brokerServesAndDataIsIntact() {
        try (KafkaConsumer<byte[], byte[]> c = f.consumer()) {
            final TopicPartition tp = new TopicPartition("keep", 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            final List<ConsumerRecord<byte[], byte[]>> got = new ArrayList<>();
            final long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (got.size() < 20 && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(got::add);
            }
            assertEquals(20, got.size());
            for (int i = 0; i < 20; i++) {
                assertEquals("v" + i, new String(got.get(i).value(), StandardCharsets.UTF_8));
            }
        } finally {
            f.close();
        }
    }

    private RawClient raw() throws IOException {
        return new RawClient(f.broker.boundAddress());
    }

    @Test
    void randomGarbageIsDisconnected() throws Exception {
        final Random random = new Random(42);
        for (int i = 0; i < 20; i++) {
            try (RawClient c = raw()) {
                final byte[] junk = new byte[1 + random.nextInt(200)];
                random.nextBytes(junk);
                final int size = Math.min(junk.length, 1 + random.nextInt(MAX_REQUEST));
                c.write(ByteBuffer.allocate(4).putInt(size).array());
                c.write(junk);
                if (size <= junk.length) {
                    assertTrue(c.closedByBroker(), "garbage frame " + i + " must close the connection");
                }
            }
        }
    }

    @Test
    void oversizeAndNegativeSizesAreDisconnectedBeforeAllocation() throws Exception {
        for (int size : new int[]{MAX_REQUEST + 1, Integer.MAX_VALUE, -1, Integer.MIN_VALUE}) {
            try (RawClient c = raw()) {
                c.write(ByteBuffer.allocate(4).putInt(size).array());
                assertTrue(c.closedByBroker(), "size " + size);
            }
        }
    }

    @Test
    void truncatedFramesAndEarlyCloseLeaveTheBrokerUp() throws Exception {
        try (RawClient c = raw()) {
            final ByteBuffer frame = c.frame(new MetadataRequest.Builder(new MetadataRequestData()).build((short) 12));
            c.write(ByteBuffer.wrap(frame.array(), 0, frame.remaining() / 2));
        }
        try (RawClient c = raw()) {
            c.write(new byte[]{0, 0}); // half a size
        }
        try (RawClient c = raw()) {
            // The size says less than the header needs: the header cannot parse.
            final ByteBuffer frame = c.frame(new MetadataRequest.Builder(new MetadataRequestData()).build((short) 12));
            frame.putInt(0, 3);
            c.write(ByteBuffer.wrap(frame.array(), 0, 7));
            assertTrue(c.closedByBroker());
        }
    }

    @Test
    void unknownApiKeysAndUnsupportedVersionsAreDisconnected() throws Exception {
        try (RawClient c = raw()) {
            final ByteBuffer frame = c.frame(new MetadataRequest.Builder(new MetadataRequestData()).build((short) 12));
            frame.putShort(4, (short) 9999);
            c.write(frame);
            assertTrue(c.closedByBroker());
        }
        try (RawClient c = raw()) {
            final ByteBuffer frame = c.frame(new MetadataRequest.Builder(new MetadataRequestData()).build((short) 12));
            frame.putShort(6, (short) 14); // Metadata v14 does not exist
            c.write(frame);
            assertTrue(c.closedByBroker());
        }
        try (RawClient c = raw()) {
            // A valid API this broker does not implement (no SASL on a PLAINTEXT-only listener).
            final ByteBuffer frame = c.frame(new MetadataRequest.Builder(new MetadataRequestData()).build((short) 12));
            frame.putShort(4, ApiKeys.SASL_HANDSHAKE.id);
            frame.putShort(6, (short) 1);
            c.write(frame);
            assertTrue(c.closedByBroker());
        }
    }

    @Test
    void apiVersionsFromTheFutureIsAnsweredWithTheSupportedRanges() throws Exception {
        try (RawClient c = raw()) {
            final ByteBuffer frame = c.frame(new ApiVersionsRequest.Builder().build((short) 3));
            frame.putShort(6, (short) 99);
            c.write(frame);
            final ApiVersionsResponse r = (ApiVersionsResponse) c.receive(ApiKeys.API_VERSIONS, (short) 0, 0);
            assertEquals(Errors.UNSUPPORTED_VERSION.code(), r.data().errorCode());
            assertTrue(r.data().apiKeys().find(ApiKeys.FETCH.id) != null);
        }
    }

    @Test
    void bodyThatDoesNotParseIsDisconnected() throws Exception {
        try (RawClient c = raw()) {
            final ByteBuffer frame = c.frame(new MetadataRequest.Builder(new MetadataRequestData()).build((short) 12));
            // Keep the header, replace the body with a topic-array length that points far past the end.
            final int headerEnd = frame.remaining() - 4; // last bytes belong to the body
            for (int i = headerEnd; i < frame.remaining(); i++) {
                frame.put(i, (byte) 0x7f);
            }
            c.write(frame);
            assertTrue(c.closedByBroker());
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        try (RawClient c = raw()) {
            final ByteBuffer all = ByteBuffer.allocate(64 * 1024);
            for (int i = 0; i < 30; i++) {
                all.put(i % 2 == 0
                        ? c.frame(new ApiVersionsRequest.Builder().build((short) 3))
                        : c.frame(new MetadataRequest.Builder(new MetadataRequestData().setTopics(null)).build((short) 12)));
            }
            c.write(all.flip());
            for (int i = 0; i < 30; i++) {
                final ApiKeys key = i % 2 == 0 ? ApiKeys.API_VERSIONS : ApiKeys.METADATA;
                final var r = c.receive(key, key == ApiKeys.API_VERSIONS ? (short) 3 : (short) 12, i);
                if (r instanceof MetadataResponse m) {
                    assertEquals(1, m.topicMetadata().size());
                } else {
                    assertEquals(Errors.NONE.code(), ((ApiVersionsResponse) r).data().errorCode());
                }
            }
        }
    }
}
