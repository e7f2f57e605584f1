package io.sediment.broker;

import io.sediment.broker.ConsumerOffsetsRecords.OffsetValue;
import io.sediment.broker.GroupCoordinator.Summary;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DeleteGroupsRequest;
import org.apache.kafka.common.requests.DescribeGroupsRequest;
import org.apache.kafka.common.requests.DescribeGroupsResponse;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.requests.HeartbeatRequest;
import org.apache.kafka.common.requests.JoinGroupRequest;
import org.apache.kafka.common.requests.JoinGroupResponse;
import org.apache.kafka.common.requests.LeaveGroupRequest;
import org.apache.kafka.common.requests.LeaveGroupResponse;
import org.apache.kafka.common.requests.ListGroupsRequest;
import org.apache.kafka.common.requests.OffsetCommitRequest;
import org.apache.kafka.common.requests.OffsetDeleteRequest;
import org.apache.kafka.common.requests.OffsetFetchRequest;
import org.apache.kafka.common.requests.SyncGroupRequest;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

/**
 * The consumer group APIs (classic protocol) on the wire: decodes each request's version-specific shape, asks the
 * {@link GroupCoordinator}, and encodes the answer for the request's version. This node is the coordinator of every
 * group. The new consumer protocol (KIP-848: ConsumerGroupHeartbeat, ConsumerGroupDescribe) is not advertised, so
 * 4.x clients and tools use the classic APIs. OffsetCommit and OffsetFetch stop at v9 (v10 names topics by id).
 *
 * <p>Threading: I/O threads call {@link #handle}; JoinGroup and SyncGroup answers may complete later on the
 * coordinator's timer thread or on the I/O thread of another member's request.
 */
final class GroupCoordinatorHandler implements ApiHandler {
    private static final String CLASSIC = "classic";

    private final Node node;
    private final GroupCoordinator coordinator;

    GroupCoordinatorHandler(final Node node, final GroupCoordinator coordinator) {
        this.node = node;
        this.coordinator = coordinator;
    }

    @Override
    public Map<ApiKeys, short[]> versions() {
        final Map<ApiKeys, short[]> v = new HashMap<>();
        for (ApiKeys k : List.of(ApiKeys.FIND_COORDINATOR, ApiKeys.JOIN_GROUP, ApiKeys.SYNC_GROUP, ApiKeys.HEARTBEAT,
                ApiKeys.LEAVE_GROUP, ApiKeys.LIST_GROUPS, ApiKeys.DESCRIBE_GROUPS, ApiKeys.DELETE_GROUPS,
                ApiKeys.OFFSET_DELETE)) {
            v.put(k, new short[]{k.oldestVersion(), k.latestVersion()});
        }
        // v10 of both addresses topics by id, which only the new consumer protocol needs.
        v.put(ApiKeys.OFFSET_COMMIT, new short[]{ApiKeys.OFFSET_COMMIT.oldestVersion(), (short) Math.min(9, ApiKeys.OFFSET_COMMIT.latestVersion())});
        v.put(ApiKeys.OFFSET_FETCH, new short[]{ApiKeys.OFFSET_FETCH.oldestVersion(), (short) Math.min(9, ApiKeys.OFFSET_FETCH.latestVersion())});
        return v;
    }

    @Override
    public CompletableFuture<Response> handle(final InboundRequest request) {
        final short version = request.version();
        return switch (request.header().apiKey()) {
            case FIND_COORDINATOR -> done(findCoordinator(((FindCoordinatorRequest) request.body()).data(), version));
            case JOIN_GROUP -> coordinator.join(((JoinGroupRequest) request.body()).data(), version,
                            request.header().clientId(), clientHost(request))
                    .thenApply(d -> Response.of(joinResponse(d, version)));
            case SYNC_GROUP -> coordinator.sync(((SyncGroupRequest) request.body()).data())
                    .thenApply(d -> Response.of(syncResponse(d, version)));
            case HEARTBEAT -> done(heartbeat(((HeartbeatRequest) request.body()).data()));
            case LEAVE_GROUP -> done(leave((LeaveGroupRequest) request.body(), version));
            case OFFSET_COMMIT -> done(commit(((OffsetCommitRequest) request.body()).data()));
            case OFFSET_FETCH -> done(fetch(((OffsetFetchRequest) request.body()).data(), version));
            case LIST_GROUPS -> done(list(((ListGroupsRequest) request.body()).data()));
            case DESCRIBE_GROUPS -> done(describe(((DescribeGroupsRequest) request.body()).data(), version));
            case DELETE_GROUPS -> done(deleteGroups(((DeleteGroupsRequest) request.body()).data()));
            case OFFSET_DELETE -> done(deleteOffsets(((OffsetDeleteRequest) request.body()).data()));
            default -> throw new IllegalArgumentException(request.header().apiKey().toString());
        };
    }

    private static CompletableFuture<Response> done(final ApiMessage data) {
        return CompletableFuture.completedFuture(Response.of(data));
    }

    private static String clientHost(final InboundRequest request) {
        return request.clientAddress() == null ? "" : "/" + request.clientAddress().getAddress().getHostAddress();
    }

    // ------------------------------------------------------------------------------------- FindCoordinator

    private FindCoordinatorResponseData findCoordinator(final FindCoordinatorRequestData req, final short version) {
        final FindCoordinatorResponseData data = new FindCoordinatorResponseData();
        final Errors error;
        final String message;
        if (req.keyType() == FindCoordinatorRequest.CoordinatorType.GROUP.id()) {
            error = Errors.NONE;
            message = null;
        } else {
            // Transactions and share groups do not exist on this broker.
            error = Errors.COORDINATOR_NOT_AVAILABLE;
            message = "Sediment has no " + (req.keyType() == 1 ? "transaction" : "share group") + " coordinator";
        }
        if (version < 4) {
            if (error == Errors.NONE) {
                data.setNodeId(node.id()).setHost(node.host()).setPort(node.port());
            } else {
                data.setErrorCode(error.code()).setErrorMessage(version >= 1 ? message : null)
                        .setNodeId(-1).setHost("").setPort(-1);
            }
            return data;
        }
        for (String key : req.coordinatorKeys()) {
            final FindCoordinatorResponseData.Coordinator c = new FindCoordinatorResponseData.Coordinator().setKey(key);
            if (error == Errors.NONE) {
                c.setNodeId(node.id()).setHost(node.host()).setPort(node.port());
            } else {
                c.setErrorCode(error.code()).setErrorMessage(message).setNodeId(-1).setHost("").setPort(-1);
            }
            data.coordinators().add(c);
        }
        return data;
    }

    // --------------------------------------------------------------------------------- membership APIs

    private static JoinGroupResponseData joinResponse(final JoinGroupResponseData d, final short version) {
        if (version < 7) {
            d.setProtocolType(null);
        }
        if (version < 9) {
            d.setSkipAssignment(false);
        }
        return new JoinGroupResponse(d, version).data();
    }

    private static SyncGroupResponseData syncResponse(final SyncGroupResponseData d, final short version) {
        if (version < 5) {
            d.setProtocolType(null).setProtocolName(null);
        }
        return d;
    }

    private HeartbeatResponseData heartbeat(final HeartbeatRequestData req) {
        return new HeartbeatResponseData().setErrorCode(coordinator.heartbeat(req.groupId(), req.memberId(),
                req.groupInstanceId(), req.generationId()).code());
    }

    private ApiMessage leave(final LeaveGroupRequest req, final short version) {
        try {
            return new LeaveGroupResponse(coordinator.leave(req.data().groupId(), req.members()), Errors.NONE, 0, version).data();
        } catch (RuntimeException e) {
            return new LeaveGroupResponse(List.of(), ErrorMapping.error(e), 0, version).data();
        }
    }

    // ------------------------------------------------------------------------------------------- offsets

    private OffsetCommitResponseData commit(final OffsetCommitRequestData req) {
        final List<GroupCoordinator.Commit> commits = new ArrayList<>();
        for (OffsetCommitRequestData.OffsetCommitRequestTopic t : req.topics()) {
            for (OffsetCommitRequestData.OffsetCommitRequestPartition p : t.partitions()) {
                commits.add(new GroupCoordinator.Commit(new TopicPartition(t.name(), p.partitionIndex()),
                        p.committedOffset(), p.committedLeaderEpoch(), p.committedMetadata()));
            }
        }
        final Map<TopicPartition, Errors> result = coordinator.commit(req.groupId(), req.generationIdOrMemberEpoch(),
                req.memberId(), req.groupInstanceId(), commits);
        final OffsetCommitResponseData data = new OffsetCommitResponseData();
        for (OffsetCommitRequestData.OffsetCommitRequestTopic t : req.topics()) {
            final OffsetCommitResponseData.OffsetCommitResponseTopic rt =
                    new OffsetCommitResponseData.OffsetCommitResponseTopic().setName(t.name());
            for (OffsetCommitRequestData.OffsetCommitRequestPartition p : t.partitions()) {
                rt.partitions().add(new OffsetCommitResponseData.OffsetCommitResponsePartition()
                        .setPartitionIndex(p.partitionIndex())
                        .setErrorCode(result.get(new TopicPartition(t.name(), p.partitionIndex())).code()));
            }
            data.topics().add(rt);
        }
        return data;
    }

    private OffsetFetchResponseData fetch(final OffsetFetchRequestData req, final short version) {
        final OffsetFetchResponseData data = new OffsetFetchResponseData();
        if (version < 8) {
            final List<TopicPartition> wanted = req.topics() == null ? null : req.topics().stream()
                    .flatMap(t -> t.partitionIndexes().stream().map(p -> new TopicPartition(t.name(), p)))
                    .collect(Collectors.toList());
            final Map<String, List<OffsetFetchResponseData.OffsetFetchResponsePartition>> byTopic = new LinkedHashMap<>();
            answer(req.groupId(), wanted).forEach((tp, v) -> byTopic.computeIfAbsent(tp.topic(), k -> new ArrayList<>())
                    .add(new OffsetFetchResponseData.OffsetFetchResponsePartition().setPartitionIndex(tp.partition())
                            .setCommittedOffset(v.offset()).setCommittedLeaderEpoch(v.leaderEpoch())
                            .setMetadata(v.metadata())));
            byTopic.forEach((t, ps) -> data.topics().add(
                    new OffsetFetchResponseData.OffsetFetchResponseTopic().setName(t).setPartitions(ps)));
            return data;
        }
        for (OffsetFetchRequestData.OffsetFetchRequestGroup g : req.groups()) {
            final List<TopicPartition> wanted = g.topics() == null ? null : g.topics().stream()
                    .flatMap(t -> t.partitionIndexes().stream().map(p -> new TopicPartition(t.name(), p)))
                    .collect(Collectors.toList());
            final Map<String, List<OffsetFetchResponseData.OffsetFetchResponsePartitions>> byTopic = new LinkedHashMap<>();
            answer(g.groupId(), wanted).forEach((tp, v) -> byTopic.computeIfAbsent(tp.topic(), k -> new ArrayList<>())
                    .add(new OffsetFetchResponseData.OffsetFetchResponsePartitions().setPartitionIndex(tp.partition())
                            .setCommittedOffset(v.offset()).setCommittedLeaderEpoch(v.leaderEpoch())
                            .setMetadata(v.metadata())));
            final OffsetFetchResponseData.OffsetFetchResponseGroup rg =
                    new OffsetFetchResponseData.OffsetFetchResponseGroup().setGroupId(g.groupId());
            byTopic.forEach((t, ps) -> rg.topics().add(
                    new OffsetFetchResponseData.OffsetFetchResponseTopics().setName(t).setPartitions(ps)));
            data.groups().add(rg);
        }
        return data;
    }

    /** Committed offsets for {@code wanted} (all when null); a partition never committed answers offset -1, as Kafka. */
    private Map<TopicPartition, OffsetValue> answer(final String groupId, final List<TopicPartition> wanted) {
        final Map<TopicPartition, OffsetValue> committed = coordinator.committed(groupId, wanted);
        if (wanted == null) {
            return committed;
        }
        final Map<TopicPartition, OffsetValue> out = new LinkedHashMap<>();
        for (TopicPartition tp : wanted) {
            out.put(tp, committed.getOrDefault(tp, new OffsetValue(-1, -1, "", -1)));
        }
        return out;
    }

    // --------------------------------------------------------------------------------------------- admin

    private ListGroupsResponseData list(final ListGroupsRequestData req) {
        final Set<String> states = req.statesFilter().stream().map(s -> s.toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
        final Set<String> types = req.typesFilter().stream().map(s -> s.toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
        final ListGroupsResponseData data = new ListGroupsResponseData();
        if (!types.isEmpty() && !types.contains(CLASSIC)) {
            return data;
        }
        for (Summary s : coordinator.list()) {
            if (!states.isEmpty() && !states.contains(s.state().kafkaName.toLowerCase(Locale.ROOT))) {
                continue;
            }
            data.groups().add(new ListGroupsResponseData.ListedGroup().setGroupId(s.groupId())
                    .setProtocolType(s.protocolType()).setGroupState(s.state().kafkaName).setGroupType(CLASSIC));
        }
        return data;
    }

    private DescribeGroupsResponseData describe(final DescribeGroupsRequestData req, final short version) {
        final DescribeGroupsResponseData data = new DescribeGroupsResponseData();
        for (String groupId : req.groups()) {
            final Optional<Summary> found = coordinator.describe(groupId);
            if (found.isEmpty()) {
                if (version >= 6) {
                    data.groups().add(DescribeGroupsResponse.groupError(groupId, Errors.GROUP_ID_NOT_FOUND,
                            "Group " + groupId + " not found."));
                } else {
                    data.groups().add(new DescribeGroupsResponseData.DescribedGroup().setGroupId(groupId)
                            .setGroupState(GroupState.DEAD.kafkaName).setProtocolType("").setProtocolData(""));
                }
                continue;
            }
            final Summary s = found.get();
            final DescribeGroupsResponseData.DescribedGroup g = new DescribeGroupsResponseData.DescribedGroup()
                    .setGroupId(groupId).setGroupState(s.state().kafkaName).setProtocolType(s.protocolType())
                    .setProtocolData(s.protocolName() == null ? "" : s.protocolName());
            for (GroupCoordinator.MemberSummary m : s.members()) {
                g.members().add(new DescribeGroupsResponseData.DescribedGroupMember().setMemberId(m.memberId())
                        .setGroupInstanceId(version >= 4 ? m.groupInstanceId() : null)
                        .setClientId(m.clientId()).setClientHost(m.clientHost())
                        .setMemberMetadata(m.metadata() == null ? new byte[0] : m.metadata())
                        .setMemberAssignment(m.assignment()));
            }
            data.groups().add(g);
        }
        return data;
    }

    private DeleteGroupsResponseData deleteGroups(final DeleteGroupsRequestData req) {
        final DeleteGroupsResponseData data = new DeleteGroupsResponseData();
        for (String groupId : req.groupsNames()) {
            Errors e;
            try {
                e = coordinator.delete(groupId);
            } catch (RuntimeException failure) {
                e = ErrorMapping.error(failure);
            }
            data.results().add(new DeleteGroupsResponseData.DeletableGroupResult().setGroupId(groupId).setErrorCode(e.code()));
        }
        return data;
    }

    private OffsetDeleteResponseData deleteOffsets(final OffsetDeleteRequestData req) {
        final List<TopicPartition> partitions = new ArrayList<>();
        for (OffsetDeleteRequestData.OffsetDeleteRequestTopic t : req.topics()) {
            for (OffsetDeleteRequestData.OffsetDeleteRequestPartition p : t.partitions()) {
                partitions.add(new TopicPartition(t.name(), p.partitionIndex()));
            }
        }
        final Map<TopicPartition, Errors> perPartition = new HashMap<>();
        Errors error;
        try {
            error = coordinator.deleteOffsets(req.groupId(), partitions, perPartition);
        } catch (RuntimeException e) {
            error = ErrorMapping.error(e);
        }
        final OffsetDeleteResponseData data = new OffsetDeleteResponseData().setErrorCode(error.code());
        if (error != Errors.NONE) {
            return data;
        }
        for (OffsetDeleteRequestData.OffsetDeleteRequestTopic t : req.topics()) {
            final OffsetDeleteResponseData.OffsetDeleteResponseTopic rt =
                    new OffsetDeleteResponseData.OffsetDeleteResponseTopic().setName(t.name());
            for (OffsetDeleteRequestData.OffsetDeleteRequestPartition p : t.partitions()) {
                rt.partitions().add(new OffsetDeleteResponseData.OffsetDeleteResponsePartition()
                        .setPartitionIndex(p.partitionIndex())
                        .setErrorCode(perPartition.getOrDefault(new TopicPartition(t.name(), p.partitionIndex()),
                                Errors.NONE).code()));
            }
            data.topics().add(rt);
        }
        return data;
    }
}
