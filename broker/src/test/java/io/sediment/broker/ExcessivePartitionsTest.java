package io.sediment.broker;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.PolicyViolationException;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.CreatePartitionsRequest;
import org.apache.kafka.common.requests.CreatePartitionsResponse;
import org.apache.kafka.common.requests.CreateTopicsRequest;
import org.apache.kafka.common.requests.CreateTopicsResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Seen while writing the protocol fuzzer's CreateTopics templates, reproduced here before the fix (the fuzzer then
 * reaches it through a damaged {@code numPartitions} or {@code count}): a request for millions of partitions made
 * the broker create a log per partition until it ran out of mappings, holding the catalogue lock throughout. Kafka's controller refuses more than 10,000 partitions per request with {@code POLICY_VIOLATION}
 * (CreateTopics: "Excessively large number of partitions per request."; CreatePartitions: "Unable to perform
 * excessively large batch operation."), before creating anything; so does the broker now.
 */
class ExcessivePartitionsTest {
    @TempDir
    Path dir;

    @Test
    @Timeout(60)
    void createTopicsAboveTheLimitIsAPolicyViolationAndCreatesNothing() throws Exception {
        try (BrokerFixture f = new BrokerFixture(dir); RawClient c = new RawClient(f.broker.boundAddress())) {
            final CreateTopicsRequestData d = new CreateTopicsRequestData().setTimeoutMs(5000);
            d.topics().add(new CreateTopicsRequestData.CreatableTopic().setName("huge").setNumPartitions(2_000_000_000)
                    .setReplicationFactor((short) 1));
            d.topics().add(new CreatableTopicOf("small", 1).topic);
            final CreateTopicsResponse r = (CreateTopicsResponse) c.send(new CreateTopicsRequest.Builder(d).build((short) 7));
            for (var t : r.data().topics()) {
                assertEquals(Errors.POLICY_VIOLATION.code(), t.errorCode(), t.name());
                assertEquals("Excessively large number of partitions per request.", t.errorMessage());
            }
            try (Admin admin = f.admin()) {
                assertEquals(Set.of(), admin.listTopics().names().get());
                // The limit is on the sum over the request, as in Kafka; exactly 10,000 in one request is allowed
                // by the rule, so check just above it through the Admin client.
                final ExecutionException e = assertThrows(ExecutionException.class, () -> admin.createTopics(List.of(
                        new NewTopic("a", 5_000, (short) 1), new NewTopic("b", 5_001, (short) 1))).all().get());
                assertInstanceOf(PolicyViolationException.class, e.getCause());
                assertEquals(Set.of(), admin.listTopics().names().get());
            }
        }
    }

    @Test
    @Timeout(60)
    void createPartitionsAboveTheLimitIsAPolicyViolationAndAddsNothing() throws Exception {
        try (BrokerFixture f = new BrokerFixture(dir); Admin admin = f.admin()) {
            admin.createTopics(List.of(new NewTopic("t", 1, (short) 1))).all().get();
            final ExecutionException e = assertThrows(ExecutionException.class, () -> admin.createPartitions(
                    Map.of("t", NewPartitions.increaseTo(Integer.MAX_VALUE))).all().get());
            assertInstanceOf(PolicyViolationException.class, e.getCause());
            assertEquals("Unable to perform excessively large batch operation.", e.getCause().getMessage());
            assertEquals(1, admin.describeTopics(List.of("t")).allTopicNames().get().get("t").partitions().size());
            try (RawClient c = new RawClient(f.broker.boundAddress())) {
                final CreatePartitionsRequestData d = new CreatePartitionsRequestData().setTimeoutMs(5000).setValidateOnly(true);
                d.topics().add(new CreatePartitionsRequestData.CreatePartitionsTopic().setName("t").setCount(10_002)
                        .setAssignments(null));
                final CreatePartitionsResponse r = (CreatePartitionsResponse) c.send(
                        new CreatePartitionsRequest.Builder(d).build((short) 3));
                assertEquals(Errors.POLICY_VIOLATION.code(), r.data().results().get(0).errorCode());
            }
            assertFalse(f.dir.resolve("t-1").toFile().exists());
        }
    }

    /** A small valid topic to put beside a huge one: the whole request is refused, as Kafka's controller does. */
    private record CreatableTopicOf(CreateTopicsRequestData.CreatableTopic topic) {
        CreatableTopicOf(final String name, final int partitions) {
            this(new CreateTopicsRequestData.CreatableTopic().setName(name).setNumPartitions(partitions)
                    .setReplicationFactor((short) 1));
        }
    }
}
