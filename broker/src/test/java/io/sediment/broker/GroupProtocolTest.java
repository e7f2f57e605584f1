package io.sediment.broker;

import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.requests.FindCoordinatorResponse;
import org.apache.kafka.common.requests.HeartbeatRequest;
import org.apache.kafka.common.requests.HeartbeatResponse;
import org.apache.kafka.common.requests.JoinGroupRequest;
import org.apache.kafka.common.requests.JoinGroupResponse;
import org.apache.kafka.common.requests.ListGroupsRequest;
import org.apache.kafka.common.requests.ListGroupsResponse;
import org.apache.kafka.common.requests.SyncGroupRequest;
import org.apache.kafka.common.requests.SyncGroupResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The classic group protocol on raw sockets, where the error codes Kafka's coordinator returns can be seen directly:
 * MEMBER_ID_REQUIRED, ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, REBALANCE_IN_PROGRESS, FENCED_INSTANCE_ID; a member that
 * stops heartbeating is expired; the new consumer protocol is not advertised.
 */
class GroupProtocolTest {
    private static final short JOIN_V = 9;

    @TempDir
    Path dir;
    BrokerFixture f;

    @BeforeEach
    void start() {
        f = new BrokerFixture(dir, "group.initial.rebalance.delay.ms", "0", "offsets.topic.num.partitions", "5");
    }

    @AfterEach
    void stop() {
        f.close();
    }

    private RawClient client() throws Exception {
        return new RawClient(f.broker.boundAddress());
    }

    private static JoinGroupResponseData join(final RawClient c, final String memberId, final String instanceId) throws Exception {
        final JoinGroupRequestData data = new JoinGroupRequestData().setGroupId("p").setMemberId(memberId)
                .setGroupInstanceId(instanceId).setSessionTimeoutMs(6000).setRebalanceTimeoutMs(20000)
                .setProtocolType("consumer");
        data.protocols().add(new JoinGroupRequestData.JoinGroupRequestProtocol().setName("range").setMetadata(new byte[]{9}));
        return ((JoinGroupResponse) c.send(new JoinGroupRequest.Builder(data).build(JOIN_V))).data();
    }

    private static SyncGroupResponseData sync(final RawClient c, final String memberId, final int generation,
                                              final List<SyncGroupRequestData.SyncGroupRequestAssignment> assignments)
            throws Exception {
        return ((SyncGroupResponse) c.send(new SyncGroupRequest.Builder(new SyncGroupRequestData().setGroupId("p")
                .setMemberId(memberId).setGenerationId(generation).setProtocolType("consumer").setProtocolName("range")
                .setAssignments(assignments)).build((short) 5))).data();
    }

    private static Errors heartbeat(final RawClient c, final String memberId, final int generation) throws Exception {
        return ((HeartbeatResponse) c.send(new HeartbeatRequest.Builder(new HeartbeatRequestData().setGroupId("p")
                .setMemberId(memberId).setGenerationId(generation)).build((short) 4))).error();
    }

    private static SyncGroupRequestData.SyncGroupRequestAssignment assign(final String memberId, final byte... bytes) {
        return new SyncGroupRequestData.SyncGroupRequestAssignment().setMemberId(memberId).setAssignment(bytes);
    }

    @Test
    void membershipFollowsKafkasRulesAndErrors() throws Exception {
        try (RawClient a = client(); RawClient b = client()) {
            final FindCoordinatorResponse found = (FindCoordinatorResponse) a.send(new FindCoordinatorRequest.Builder(
                    new FindCoordinatorRequestData().setKeyType((byte) 0).setCoordinatorKeys(List.of("p"))).build((short) 4));
            assertEquals(f.broker.boundAddress().getPort(), found.coordinators().get(0).port());

            final JoinGroupResponseData first = join(a, "", null);
            assertEquals(Errors.MEMBER_ID_REQUIRED.code(), first.errorCode());
            final String idA = first.memberId();
            assertTrue(idA.startsWith("raw-test-"), idA);
            final JoinGroupResponseData gen1 = join(a, idA, null);
            assertEquals(Errors.NONE.code(), gen1.errorCode());
            assertEquals(1, gen1.generationId());
            assertEquals(idA, gen1.leader());
            assertEquals("range", gen1.protocolName());
            assertEquals(1, gen1.members().size());
            assertArrayEquals(new byte[]{7}, sync(a, idA, 1, List.of(assign(idA, (byte) 7))).assignment());

            assertEquals(Errors.NONE, heartbeat(a, idA, 1));
            assertEquals(Errors.ILLEGAL_GENERATION, heartbeat(a, idA, 0));
            assertEquals(Errors.UNKNOWN_MEMBER_ID, heartbeat(a, "nobody", 1));

            final String idB = join(b, "", null).memberId();
            final CompletableFuture<JoinGroupResponseData> parked = CompletableFuture.supplyAsync(() -> {
                try {
                    return join(b, idB, null);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            // The new member's join starts a rebalance: the leader learns it from its heartbeat.
            Errors e;
            do {
                e = heartbeat(a, idA, 1);
            } while (e == Errors.NONE);
            assertEquals(Errors.REBALANCE_IN_PROGRESS, e);
            final JoinGroupResponseData gen2 = join(a, idA, null);
            final JoinGroupResponseData gen2b = parked.get();
            assertEquals(2, gen2.generationId());
            assertEquals(2, gen2b.generationId());
            assertEquals(idA, gen2.leader());
            assertEquals(2, gen2.members().size(), "the leader gets every member's metadata");
            assertEquals(0, gen2b.members().size(), "followers get none");

            assertEquals(Errors.ILLEGAL_GENERATION.code(), sync(b, idB, 1, List.of()).errorCode());
            final CompletableFuture<SyncGroupResponseData> followerSync = CompletableFuture.supplyAsync(() -> {
                try {
                    return sync(b, idB, 2, List.of());
                } catch (Exception ex) {
                    throw new RuntimeException(ex);
                }
            });
            assertArrayEquals(new byte[]{1}, sync(a, idA, 2, List.of(assign(idA, (byte) 1), assign(idB, (byte) 2))).assignment());
            assertArrayEquals(new byte[]{2}, followerSync.get().assignment(), "the leader's assignment handed out");

            // B goes silent: after its session it is expired, and A is told to rejoin.
            do {
                e = heartbeat(a, idA, 2);
                Thread.sleep(200);
            } while (e == Errors.NONE);
            assertEquals(Errors.REBALANCE_IN_PROGRESS, e);
            final JoinGroupResponseData gen3 = join(a, idA, null);
            assertEquals(3, gen3.generationId());
            assertEquals(1, gen3.members().size());
            assertEquals(Errors.UNKNOWN_MEMBER_ID, heartbeat(b, idB, 2));

            final ListGroupsResponse classic = (ListGroupsResponse) a.send(new ListGroupsRequest.Builder(
                    new ListGroupsRequestData().setTypesFilter(List.of("classic"))).build((short) 5));
            assertEquals("CompletingRebalance", classic.data().groups().get(0).groupState());
            assertEquals("consumer", classic.data().groups().get(0).protocolType());
            final ListGroupsResponse consumerType = (ListGroupsResponse) a.send(new ListGroupsRequest.Builder(
                    new ListGroupsRequestData().setTypesFilter(List.of("consumer"))).build((short) 5));
            assertEquals(0, consumerType.data().groups().size(), "no KIP-848 groups here");
        }
    }

    @Test
    void aRestartedStaticMemberFencesItsOldSelf() throws Exception {
        try (RawClient a = client(); RawClient b = client()) {
            final JoinGroupResponseData first = join(a, "", "instance-1");
            assertEquals(Errors.NONE.code(), first.errorCode(), "static members need no MEMBER_ID_REQUIRED round");
            sync(a, first.memberId(), first.generationId(), List.of(assign(first.memberId(), (byte) 1)));
            final JoinGroupResponseData again = join(b, "", "instance-1");
            assertTrue(!again.memberId().equals(first.memberId()));
            final HeartbeatResponse fenced = (HeartbeatResponse) a.send(new HeartbeatRequest.Builder(new HeartbeatRequestData()
                    .setGroupId("p").setMemberId(first.memberId()).setGroupInstanceId("instance-1")
                    .setGenerationId(again.generationId())).build((short) 4));
            assertEquals(Errors.FENCED_INSTANCE_ID, fenced.error());
        }
    }

    @Test
    void theNewConsumerProtocolIsNotAdvertised() throws Exception {
        try (RawClient a = client()) {
            final ApiVersionsResponse v = (ApiVersionsResponse) a.send(new ApiVersionsRequest.Builder().build((short) 3));
            assertNull(v.apiVersion(ApiKeys.CONSUMER_GROUP_HEARTBEAT.id));
            assertNull(v.apiVersion(ApiKeys.CONSUMER_GROUP_DESCRIBE.id));
            assertEquals(9, v.apiVersion(ApiKeys.JOIN_GROUP.id).maxVersion());
            assertEquals(9, v.apiVersion(ApiKeys.OFFSET_COMMIT.id).maxVersion());
        }
    }
}
