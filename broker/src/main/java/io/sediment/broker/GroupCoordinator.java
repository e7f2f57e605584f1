package io.sediment.broker;

import io.sediment.broker.ConsumerOffsetsRecords.GroupValue;
import io.sediment.broker.ConsumerOffsetsRecords.MemberValue;
import io.sediment.broker.ConsumerOffsetsRecords.OffsetValue;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.JoinGroupRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.LongSupplier;

/**
 * Kafka's classic group protocol on one node: membership (JoinGroup, SyncGroup, Heartbeat, LeaveGroup), the group
 * state machine ({@link GroupState}), session, rebalance and initial-rebalance-delay timeouts, static membership,
 * and committed offsets kept in {@code __consumer_offsets} ({@link ConsumerOffsetsStore}).
 *
 * <p>The rules follow Kafka's classic group coordinator ({@code ClassicGroup} and the classic parts of
 * {@code GroupMetadataManager}); GROUPS.md lists where this one differs. JoinGroup and SyncGroup may be answered
 * later, through the futures returned, when the rebalance completes.
 *
 * <p>Threading: any thread may call any method. Every change to a group is made under that group's monitor; timers
 * run on {@code timer} and take the same monitor. Futures are completed under the monitor (completing one only
 * encodes and queues a response). Writes to a {@code __consumer_offsets} partition take that partition's read lock
 * (after the group monitor); the partition rewrite takes its write lock and reads groups' offsets and last persisted
 * record without group monitors, so it never waits for a group while holding the partition.
 */
final class GroupCoordinator {
    private static final Logger LOG = LoggerFactory.getLogger(GroupCoordinator.class);
    static final String CONSUMER_PROTOCOL_TYPE = ConsumerProtocol.PROTOCOL_TYPE;
    /** A partition is rewritten once it holds more than this many records and more than twice its live ones. */
    static final long MIN_REWRITE_RECORDS = 10_000;

    private final GroupConfig config;
    private final ConsumerOffsetsStore store;
    private final ScheduledExecutorService timer;
    private final LongSupplier clock;
    private final ConcurrentHashMap<String, Group> groups = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Integer, ReentrantReadWriteLock> partitionLocks = new ConcurrentHashMap<>();

    GroupCoordinator(final GroupConfig config, final ConsumerOffsetsStore store, final ScheduledExecutorService timer,
                     final LongSupplier clock) {
        this.config = config;
        this.store = store;
        this.timer = timer;
        this.clock = clock;
    }

    /**
     * The coordinator of a broker: settings from {@code broker}, groups rebuilt from {@code __consumer_offsets} if it
     * exists, timers (sessions, rebalances, offset expiry) on {@code timer}, which the broker shuts down on close.
     */
    static GroupCoordinator open(final BrokerConfig broker, final TopicCatalog catalog, final ScheduledExecutorService timer) {
        final GroupConfig config = GroupConfig.from(broker);
        final GroupCoordinator c = new GroupCoordinator(config, new ConsumerOffsetsStore(catalog, config), timer,
                System::currentTimeMillis);
        c.load();
        c.startBackgroundTasks();
        return c;
    }

    // ------------------------------------------------------------------------------------------------ start-up

    /** Rebuilds groups and offsets from {@code __consumer_offsets}; then rewrites partitions that are mostly garbage. */
    void load() {
        final long now = clock.getAsLong();
        final long[] records = new long[1];
        store.replay((partition, key, value) -> {
            records[0]++;
            final ConsumerOffsetsRecords.Key k;
            try {
                k = ConsumerOffsetsRecords.readKey(key);
            } catch (RuntimeException e) {
                LOG.warn("skipping an unreadable key in {}-{}: {}", ConsumerOffsetsStore.TOPIC, partition, e.toString());
                return;
            }
            if (k == null) {
                return;
            }
            if (k.isOffset()) {
                final TopicPartition tp = new TopicPartition(k.topic(), k.partition());
                if (value == null) {
                    final Group g = groups.get(k.group());
                    if (g != null) {
                        g.offsets.remove(tp);
                    }
                } else {
                    final OffsetValue v = ConsumerOffsetsRecords.readOffsetValue(value);
                    if (v != null) {
                        groups.computeIfAbsent(k.group(), id -> new Group(id, partition, now)).offsets.put(tp, v);
                    }
                }
            } else if (value == null) {
                groups.remove(k.group());
            } else {
                final GroupValue v = ConsumerOffsetsRecords.readGroupValue(value);
                if (v != null) {
                    final Group g = groups.computeIfAbsent(k.group(), id -> new Group(id, partition, now));
                    g.persisted = v;
                    g.generationId = v.generation();
                    g.protocolType = v.protocolType();
                    g.stateTimestamp = v.stateTimestamp();
                }
            }
        });
        groups.values().removeIf(g -> g.offsets.isEmpty() && g.persisted == null);
        if (records[0] > 0) {
            LOG.info("loaded {} groups from {} records of {}", groups.size(), records[0], ConsumerOffsetsStore.TOPIC);
        }
        if (store.exists()) {
            for (int p = 0; p < store.partitions(); p++) {
                maybeRewrite(p);
            }
        }
    }

    /** Starts the periodic expiry of old offsets and the rewrite of partitions that have grown mostly superseded. */
    void startBackgroundTasks() {
        final long every = config.offsetsRetentionCheckMs();
        timer.scheduleWithFixedDelay(() -> {
            try {
                expireOffsets();
                if (store.exists()) {
                    for (int p = 0; p < store.partitions(); p++) {
                        maybeRewrite(p);
                    }
                }
            } catch (RuntimeException e) {
                LOG.error("group maintenance failed", e);
            }
        }, every, every, TimeUnit.MILLISECONDS);
    }

    // --------------------------------------------------------------------------------------------- JoinGroup

    CompletableFuture<JoinGroupResponseData> join(final JoinGroupRequestData req, final short version,
                                                  final String clientId, final String clientHost) {
        final String groupId = req.groupId();
        final String memberId = req.memberId();
        if (groupId == null || groupId.isEmpty()) {
            return joinError(Errors.INVALID_GROUP_ID, memberId);
        }
        if (req.sessionTimeoutMs() < config.minSessionTimeoutMs() || req.sessionTimeoutMs() > config.maxSessionTimeoutMs()) {
            return joinError(Errors.INVALID_SESSION_TIMEOUT, memberId);
        }
        final boolean unknown = memberId.isEmpty();
        store.ensureTopic();
        final Group g = unknown ? groups.computeIfAbsent(groupId, this::newGroup) : groups.get(groupId);
        if (g == null) {
            return joinError(Errors.UNKNOWN_MEMBER_ID, memberId);
        }
        final LinkedHashMap<String, byte[]> protocols = new LinkedHashMap<>();
        for (JoinGroupRequestData.JoinGroupRequestProtocol p : req.protocols()) {
            protocols.putIfAbsent(p.name(), p.metadata());
        }
        synchronized (g) {
            if (g.state == GroupState.DEAD) {
                return joinError(Errors.COORDINATOR_NOT_AVAILABLE, memberId);
            }
            if (!g.supportsProtocols(req.protocolType(), protocols.keySet())) {
                return joinError(Errors.INCONSISTENT_GROUP_PROTOCOL, memberId);
            }
            final CompletableFuture<JoinGroupResponseData> answer = new CompletableFuture<>();
            if (unknown) {
                joinNewMember(g, req, version, protocols, clientId, clientHost, answer);
            } else {
                joinKnownMember(g, req, protocols, clientId, clientHost, answer);
            }
            return answer;
        }
    }

    private Group newGroup(final String groupId) {
        return new Group(groupId, store.partitionFor(groupId), clock.getAsLong());
    }

    private void joinNewMember(final Group g, final JoinGroupRequestData req, final short version,
                               final LinkedHashMap<String, byte[]> protocols, final String clientId,
                               final String clientHost, final CompletableFuture<JoinGroupResponseData> answer) {
        final String instanceId = req.groupInstanceId();
        if (instanceId == null && g.members.size() >= config.maxGroupSize()) {
            answer.complete(joinErrorData(Errors.GROUP_MAX_SIZE_REACHED, ""));
            return;
        }
        final String newId = clientId + "-" + UUID.randomUUID();
        if (instanceId != null) {
            final String old = g.staticMembers.get(instanceId);
            if (old != null) {
                // A static member restarted: it takes over the old member id's place; the old one is fenced.
                final GroupMember previous = g.members.get(old);
                if (previous != null) {
                    removeMember(g, previous, Errors.FENCED_INSTANCE_ID);
                }
            }
            addMember(g, newId, req, protocols, clientId, clientHost, answer);
            return;
        }
        if (JoinGroupRequest.requiresKnownMemberId(req, version)) {
            // KIP-394: hand out the id first; the member joins with it, so a lost answer leaves no ghost member.
            final int session = req.sessionTimeoutMs();
            g.pendingMembers.put(newId, timer.schedule(() -> expirePending(g, newId), session, TimeUnit.MILLISECONDS));
            answer.complete(joinErrorData(Errors.MEMBER_ID_REQUIRED, newId));
            return;
        }
        addMember(g, newId, req, protocols, clientId, clientHost, answer);
    }

    private void joinKnownMember(final Group g, final JoinGroupRequestData req, final LinkedHashMap<String, byte[]> protocols,
                                 final String clientId, final String clientHost,
                                 final CompletableFuture<JoinGroupResponseData> answer) {
        final String memberId = req.memberId();
        final var pending = g.pendingMembers.remove(memberId);
        if (pending != null) {
            pending.cancel(false);
            addMember(g, memberId, req, protocols, clientId, clientHost, answer);
            return;
        }
        final Errors invalid = validateMember(g, memberId, req.groupInstanceId());
        if (invalid != Errors.NONE) {
            answer.complete(joinErrorData(invalid, memberId));
            return;
        }
        final GroupMember m = g.members.get(memberId);
        switch (g.state) {
            case PREPARING_REBALANCE -> updateMemberAndRebalance(g, m, req, protocols, answer);
            case COMPLETING_REBALANCE -> {
                if (m.matches(protocols)) {
                    // A retry of a join whose answer was lost: give the same generation again.
                    answer.complete(joinResponse(g, m));
                } else {
                    updateMemberAndRebalance(g, m, req, protocols, answer);
                }
            }
            case STABLE -> {
                if (memberId.equals(g.leaderId) || !m.matches(protocols)) {
                    updateMemberAndRebalance(g, m, req, protocols, answer);
                } else {
                    answer.complete(joinResponse(g, m));
                }
            }
            default -> answer.complete(joinErrorData(Errors.UNKNOWN_MEMBER_ID, memberId));
        }
    }

    private void addMember(final Group g, final String memberId, final JoinGroupRequestData req,
                           final LinkedHashMap<String, byte[]> protocols, final String clientId, final String clientHost,
                           final CompletableFuture<JoinGroupResponseData> answer) {
        final GroupMember m = new GroupMember(memberId, req.groupInstanceId());
        m.clientId = clientId;
        m.clientHost = clientHost;
        m.rebalanceTimeoutMs = req.rebalanceTimeoutMs() < 0 ? req.sessionTimeoutMs() : req.rebalanceTimeoutMs();
        m.sessionTimeoutMs = req.sessionTimeoutMs();
        m.protocolType = req.protocolType();
        m.protocols = protocols;
        m.awaitingJoin = answer;
        if (g.members.isEmpty()) {
            g.protocolType = req.protocolType();
        }
        if (m.groupInstanceId != null) {
            g.staticMembers.put(m.groupInstanceId, memberId);
        }
        g.members.put(memberId, m);
        if (g.leaderId == null || !g.members.containsKey(g.leaderId)) {
            g.leaderId = memberId;
        }
        if (g.initialDelayPhase) {
            g.joinedDuringDelay = true;
        }
        maybePrepareRebalance(g, "member " + memberId + " joined");
        tryCompleteJoin(g);
    }

    private void updateMemberAndRebalance(final Group g, final GroupMember m, final JoinGroupRequestData req,
                                          final LinkedHashMap<String, byte[]> protocols,
                                          final CompletableFuture<JoinGroupResponseData> answer) {
        m.rebalanceTimeoutMs = req.rebalanceTimeoutMs() < 0 ? req.sessionTimeoutMs() : req.rebalanceTimeoutMs();
        m.sessionTimeoutMs = req.sessionTimeoutMs();
        m.protocols = protocols;
        if (m.awaitingJoin != null && m.awaitingJoin != answer) {
            // The member sent JoinGroup again while its first one is parked: the newer request is the one it reads.
            m.awaitingJoin.complete(joinErrorData(Errors.UNKNOWN_MEMBER_ID, m.memberId));
        }
        m.awaitingJoin = answer;
        maybePrepareRebalance(g, "member " + m.memberId + " rejoined");
        tryCompleteJoin(g);
    }

    private void maybePrepareRebalance(final Group g, final String reason) {
        if (g.state == GroupState.STABLE || g.state == GroupState.COMPLETING_REBALANCE || g.state == GroupState.EMPTY) {
            prepareRebalance(g, reason);
        }
    }

    private void prepareRebalance(final Group g, final String reason) {
        LOG.info("group {} in state {} prepares to rebalance generation {}: {}", g.groupId, g.state.kafkaName,
                g.generationId, reason);
        final long now = clock.getAsLong();
        if (g.state == GroupState.COMPLETING_REBALANCE) {
            // Assignments of the generation that never became stable are void: everyone waiting in sync rejoins.
            for (GroupMember m : g.members.values()) {
                m.assignment = new byte[0];
                if (m.awaitingSync != null) {
                    m.awaitingSync.complete(new SyncGroupResponseData().setErrorCode(Errors.REBALANCE_IN_PROGRESS.code()));
                    m.awaitingSync = null;
                }
            }
            cancel(g.syncTimer);
            g.pendingSync.clear();
        }
        final boolean initial = g.state == GroupState.EMPTY && config.initialRebalanceDelayMs() > 0;
        g.transition(GroupState.PREPARING_REBALANCE, now);
        cancel(g.joinTimer);
        final int rebalanceTimeout = g.maxRebalanceTimeoutMs();
        if (initial) {
            // Kafka's InitialDelayedJoin: wait for more members of a new group, extending while they keep coming,
            // but never past the rebalance timeout.
            g.initialDelayPhase = true;
            g.joinedDuringDelay = false;
            g.rebalanceDeadlineMs = now + rebalanceTimeout;
            final long delay = Math.min(config.initialRebalanceDelayMs(), rebalanceTimeout);
            g.joinTimer = timer.schedule(() -> initialDelayExpired(g), delay, TimeUnit.MILLISECONDS);
        } else {
            g.initialDelayPhase = false;
            final int generation = g.generationId;
            g.joinTimer = timer.schedule(() -> rebalanceTimeoutExpired(g, generation), rebalanceTimeout, TimeUnit.MILLISECONDS);
        }
    }

    private void initialDelayExpired(final Group g) {
        synchronized (g) {
            if (g.state != GroupState.PREPARING_REBALANCE || !g.initialDelayPhase) {
                return;
            }
            final long remaining = g.rebalanceDeadlineMs - clock.getAsLong();
            if (g.joinedDuringDelay && remaining > 0) {
                g.joinedDuringDelay = false;
                g.joinTimer = timer.schedule(() -> initialDelayExpired(g),
                        Math.min(config.initialRebalanceDelayMs(), remaining), TimeUnit.MILLISECONDS);
                return;
            }
            g.initialDelayPhase = false;
            completeJoin(g);
        }
    }

    private void rebalanceTimeoutExpired(final Group g, final int generation) {
        synchronized (g) {
            if (g.state == GroupState.PREPARING_REBALANCE && g.generationId == generation && !g.initialDelayPhase) {
                completeJoin(g);
            }
        }
    }

    private void tryCompleteJoin(final Group g) {
        if (g.state == GroupState.PREPARING_REBALANCE && !g.initialDelayPhase && g.allMembersJoined()) {
            completeJoin(g);
        }
    }

    /** Ends the join phase: members that did not rejoin are dropped, and a new generation starts (or the group empties). */
    private void completeJoin(final Group g) {
        cancel(g.joinTimer);
        g.joinTimer = null;
        for (GroupMember m : new ArrayList<>(g.members.values())) {
            if (m.awaitingJoin == null) {
                removeMember(g, m, Errors.UNKNOWN_MEMBER_ID);
            }
        }
        final long now = clock.getAsLong();
        g.generationId++;
        if (g.members.isEmpty()) {
            g.protocolName = null;
            g.leaderId = null;
            g.transition(GroupState.EMPTY, now);
            persistGroup(g);
            return;
        }
        if (g.leaderId == null || !g.members.containsKey(g.leaderId)) {
            g.leaderId = g.members.keySet().iterator().next();
        }
        g.protocolName = g.selectProtocol();
        g.transition(GroupState.COMPLETING_REBALANCE, now);
        g.pendingSync.clear();
        for (GroupMember m : g.members.values()) {
            final CompletableFuture<JoinGroupResponseData> f = m.awaitingJoin;
            m.awaitingJoin = null;
            g.pendingSync.add(m.memberId);
            scheduleExpiry(g, m);
            f.complete(joinResponse(g, m));
        }
        // Members that never send SyncGroup are dropped after the rebalance timeout, as in Kafka (KIP-814 era).
        final int generation = g.generationId;
        cancel(g.syncTimer);
        g.syncTimer = timer.schedule(() -> syncTimeoutExpired(g, generation), g.maxRebalanceTimeoutMs(), TimeUnit.MILLISECONDS);
        LOG.info("group {} generation {} with {} members {}, protocol {}", g.groupId, g.generationId, g.members.size(),
                g.members.keySet(), g.protocolName);
    }

    private void syncTimeoutExpired(final Group g, final int generation) {
        synchronized (g) {
            if (g.state != GroupState.COMPLETING_REBALANCE || g.generationId != generation || g.pendingSync.isEmpty()) {
                return;
            }
            for (String id : new ArrayList<>(g.pendingSync)) {
                final GroupMember m = g.members.get(id);
                if (m != null) {
                    removeMember(g, m, Errors.UNKNOWN_MEMBER_ID);
                }
            }
            prepareRebalance(g, "members " + g.pendingSync + " did not sync in time");
            tryCompleteJoin(g);
        }
    }

    private static JoinGroupResponseData joinResponse(final Group g, final GroupMember m) {
        final JoinGroupResponseData r = new JoinGroupResponseData()
                .setGenerationId(g.generationId)
                .setProtocolType(g.protocolType)
                .setProtocolName(g.protocolName)
                .setLeader(g.leaderId)
                .setMemberId(m.memberId)
                .setSkipAssignment(false);
        if (m.memberId.equals(g.leaderId)) {
            for (GroupMember other : g.members.values()) {
                r.members().add(new JoinGroupResponseData.JoinGroupResponseMember()
                        .setMemberId(other.memberId)
                        .setGroupInstanceId(other.groupInstanceId)
                        .setMetadata(other.protocols.get(g.protocolName)));
            }
        }
        return r;
    }

    private static CompletableFuture<JoinGroupResponseData> joinError(final Errors error, final String memberId) {
        return CompletableFuture.completedFuture(joinErrorData(error, memberId));
    }

    private static JoinGroupResponseData joinErrorData(final Errors error, final String memberId) {
        return new JoinGroupResponseData().setErrorCode(error.code()).setGenerationId(-1).setMemberId(memberId)
                .setLeader("").setProtocolName(null);
    }

    // --------------------------------------------------------------------------------------------- SyncGroup

    CompletableFuture<SyncGroupResponseData> sync(final SyncGroupRequestData req) {
        final Group g = groups.get(req.groupId());
        if (g == null) {
            return syncError(Errors.UNKNOWN_MEMBER_ID);
        }
        synchronized (g) {
            if (g.state == GroupState.DEAD) {
                return syncError(Errors.COORDINATOR_NOT_AVAILABLE);
            }
            final Errors invalid = validateMember(g, req.memberId(), req.groupInstanceId());
            if (invalid != Errors.NONE) {
                return syncError(invalid);
            }
            final GroupMember m = g.members.get(req.memberId());
            if (req.generationId() != g.generationId) {
                return syncError(Errors.ILLEGAL_GENERATION);
            }
            if ((req.protocolType() != null && !req.protocolType().equals(g.protocolType))
                    || (req.protocolName() != null && !req.protocolName().equals(g.protocolName))) {
                return syncError(Errors.INCONSISTENT_GROUP_PROTOCOL);
            }
            switch (g.state) {
                case PREPARING_REBALANCE:
                    return syncError(Errors.REBALANCE_IN_PROGRESS);
                case STABLE:
                    scheduleExpiry(g, m);
                    return CompletableFuture.completedFuture(syncResponse(g, m));
                case COMPLETING_REBALANCE:
                    break;
                default:
                    return syncError(Errors.UNKNOWN_MEMBER_ID);
            }
            final CompletableFuture<SyncGroupResponseData> answer = new CompletableFuture<>();
            if (m.awaitingSync != null) {
                m.awaitingSync.complete(new SyncGroupResponseData().setErrorCode(Errors.REBALANCE_IN_PROGRESS.code()));
            }
            m.awaitingSync = answer;
            g.pendingSync.remove(m.memberId);
            scheduleExpiry(g, m);
            if (m.memberId.equals(g.leaderId)) {
                final Map<String, byte[]> assignments = new HashMap<>();
                for (SyncGroupRequestData.SyncGroupRequestAssignment a : req.assignments()) {
                    assignments.put(a.memberId(), a.assignment());
                }
                for (GroupMember member : g.members.values()) {
                    member.assignment = assignments.getOrDefault(member.memberId, new byte[0]);
                }
                try {
                    persistGroup(g);
                } catch (RuntimeException e) {
                    LOG.error("cannot store group {} generation {}", g.groupId, g.generationId, e);
                    for (GroupMember member : g.members.values()) {
                        member.assignment = new byte[0];
                        if (member.awaitingSync != null) {
                            member.awaitingSync.complete(new SyncGroupResponseData()
                                    .setErrorCode(Errors.COORDINATOR_NOT_AVAILABLE.code()));
                            member.awaitingSync = null;
                        }
                    }
                    prepareRebalance(g, "the group could not be stored");
                    return answer;
                }
                cancel(g.syncTimer);
                g.transition(GroupState.STABLE, clock.getAsLong());
                for (GroupMember member : g.members.values()) {
                    if (member.awaitingSync != null) {
                        member.awaitingSync.complete(syncResponse(g, member));
                        member.awaitingSync = null;
                    }
                }
            }
            return answer;
        }
    }

    private static SyncGroupResponseData syncResponse(final Group g, final GroupMember m) {
        return new SyncGroupResponseData().setProtocolType(g.protocolType).setProtocolName(g.protocolName)
                .setAssignment(m.assignment);
    }

    private static CompletableFuture<SyncGroupResponseData> syncError(final Errors error) {
        return CompletableFuture.completedFuture(new SyncGroupResponseData().setErrorCode(error.code()));
    }

    // --------------------------------------------------------------------------------------------- Heartbeat

    Errors heartbeat(final String groupId, final String memberId, final String groupInstanceId, final int generation) {
        final Group g = groups.get(groupId);
        if (g == null) {
            return Errors.UNKNOWN_MEMBER_ID;
        }
        synchronized (g) {
            if (g.state == GroupState.DEAD) {
                return Errors.COORDINATOR_NOT_AVAILABLE;
            }
            final Errors invalid = validateMember(g, memberId, groupInstanceId);
            if (invalid != Errors.NONE) {
                return invalid;
            }
            final GroupMember m = g.members.get(memberId);
            if (generation != g.generationId) {
                return Errors.ILLEGAL_GENERATION;
            }
            scheduleExpiry(g, m);
            return g.state == GroupState.PREPARING_REBALANCE ? Errors.REBALANCE_IN_PROGRESS : Errors.NONE;
        }
    }

    // -------------------------------------------------------------------------------------------- LeaveGroup

    /** Removes each member; the list answers each in order. Empty list with an error: the whole group failed. */
    List<LeaveGroupResponseData.MemberResponse> leave(final String groupId,
                                                       final List<LeaveGroupRequestData.MemberIdentity> leaving) {
        final List<LeaveGroupResponseData.MemberResponse> out = new ArrayList<>();
        final Group g = groups.get(groupId);
        if (g == null) {
            for (LeaveGroupRequestData.MemberIdentity who : leaving) {
                out.add(leaveResult(who, Errors.UNKNOWN_MEMBER_ID));
            }
            return out;
        }
        synchronized (g) {
            if (g.state == GroupState.DEAD) {
                throw Errors.COORDINATOR_NOT_AVAILABLE.exception();
            }
            for (LeaveGroupRequestData.MemberIdentity who : leaving) {
                String memberId = who.memberId();
                if (who.groupInstanceId() != null) {
                    final String current = g.staticMembers.get(who.groupInstanceId());
                    if (current == null) {
                        out.add(leaveResult(who, Errors.UNKNOWN_MEMBER_ID));
                        continue;
                    }
                    if (!memberId.isEmpty() && !memberId.equals(current)) {
                        out.add(leaveResult(who, Errors.FENCED_INSTANCE_ID));
                        continue;
                    }
                    memberId = current;
                }
                final var pending = g.pendingMembers.remove(memberId);
                if (pending != null) {
                    pending.cancel(false);
                    tryCompleteJoin(g);
                    out.add(leaveResult(who, Errors.NONE));
                    continue;
                }
                final GroupMember m = g.members.get(memberId);
                if (m == null) {
                    out.add(leaveResult(who, Errors.UNKNOWN_MEMBER_ID));
                    continue;
                }
                removeMemberAndRebalance(g, m, "member " + memberId + " left"
                        + (who.reason() == null ? "" : " (" + who.reason() + ")"));
                out.add(leaveResult(who, Errors.NONE));
            }
        }
        return out;
    }

    private static LeaveGroupResponseData.MemberResponse leaveResult(final LeaveGroupRequestData.MemberIdentity who,
                                                                     final Errors error) {
        return new LeaveGroupResponseData.MemberResponse().setMemberId(who.memberId())
                .setGroupInstanceId(who.groupInstanceId()).setErrorCode(error.code());
    }

    // ------------------------------------------------------------------------------------ membership helpers

    /**
     * Kafka's {@code validateMember}: a static member is checked by its instance id first (a known instance id under
     * another member id is FENCED_INSTANCE_ID, an unknown one UNKNOWN_MEMBER_ID), then the member id must be known.
     */
    private static Errors validateMember(final Group g, final String memberId, final String groupInstanceId) {
        if (groupInstanceId != null) {
            final String current = g.staticMembers.get(groupInstanceId);
            if (current == null) {
                return Errors.UNKNOWN_MEMBER_ID;
            }
            if (!current.equals(memberId)) {
                return Errors.FENCED_INSTANCE_ID;
            }
        }
        return g.members.containsKey(memberId) ? Errors.NONE : Errors.UNKNOWN_MEMBER_ID;
    }

    private void removeMember(final Group g, final GroupMember m, final Errors toWaiting) {
        g.members.remove(m.memberId);
        cancel(m.expiry);
        if (m.groupInstanceId != null && m.memberId.equals(g.staticMembers.get(m.groupInstanceId))) {
            g.staticMembers.remove(m.groupInstanceId);
        }
        g.pendingSync.remove(m.memberId);
        if (m.awaitingJoin != null) {
            m.awaitingJoin.complete(joinErrorData(toWaiting, m.memberId));
            m.awaitingJoin = null;
        }
        if (m.awaitingSync != null) {
            m.awaitingSync.complete(new SyncGroupResponseData().setErrorCode(toWaiting.code()));
            m.awaitingSync = null;
        }
        if (m.memberId.equals(g.leaderId)) {
            g.leaderId = g.members.isEmpty() ? null : g.members.keySet().iterator().next();
        }
    }

    private void removeMemberAndRebalance(final Group g, final GroupMember m, final String reason) {
        removeMember(g, m, Errors.UNKNOWN_MEMBER_ID);
        if (g.state == GroupState.STABLE || g.state == GroupState.COMPLETING_REBALANCE) {
            prepareRebalance(g, reason);
        }
        tryCompleteJoin(g);
    }

    private void scheduleExpiry(final Group g, final GroupMember m) {
        cancel(m.expiry);
        m.expiry = timer.schedule(() -> expireMember(g, m), m.sessionTimeoutMs, TimeUnit.MILLISECONDS);
    }

    private void expireMember(final Group g, final GroupMember m) {
        synchronized (g) {
            if (g.members.get(m.memberId) != m) {
                return;
            }
            if (m.isAwaiting()) {
                // Parked in a join or sync: the rebalance decides its fate, the session cannot end meanwhile.
                scheduleExpiry(g, m);
                return;
            }
            removeMemberAndRebalance(g, m, "member " + m.memberId + " sent no heartbeat for " + m.sessionTimeoutMs + " ms");
        }
    }

    private void expirePending(final Group g, final String memberId) {
        synchronized (g) {
            if (g.pendingMembers.remove(memberId) != null) {
                tryCompleteJoin(g);
            }
        }
    }

    private static void cancel(final java.util.concurrent.Future<?> f) {
        if (f != null) {
            f.cancel(false);
        }
    }

    // ---------------------------------------------------------------------------------------- offset commits

    /** One partition's commit, as asked. */
    record Commit(TopicPartition tp, long offset, int leaderEpoch, String metadata) {
    }

    /**
     * Validates the committer (Kafka's {@code validateOffsetCommit}) and stores the offsets.
     *
     * @return an error for every partition: the group-level error for all, or per partition
     */
    Map<TopicPartition, Errors> commit(final String groupId, final int generationId, final String memberId,
                                       final String groupInstanceId, final List<Commit> commits) {
        final Map<TopicPartition, Errors> result = new LinkedHashMap<>();
        if (groupId == null || groupId.isEmpty()) {
            commits.forEach(c -> result.put(c.tp(), Errors.INVALID_GROUP_ID));
            return result;
        }
        store.ensureTopic();
        Group g = groups.get(groupId);
        if (g == null) {
            if (generationId >= 0 || !memberId.isEmpty() || groupInstanceId != null) {
                commits.forEach(c -> result.put(c.tp(), Errors.ILLEGAL_GENERATION));
                return result;
            }
            g = groups.computeIfAbsent(groupId, this::newGroup);
        }
        synchronized (g) {
            final Errors error = validateCommit(g, generationId, memberId, groupInstanceId);
            if (error != Errors.NONE) {
                commits.forEach(c -> result.put(c.tp(), error));
                return result;
            }
            final long now = clock.getAsLong();
            final List<byte[][]> records = new ArrayList<>();
            final List<Commit> accepted = new ArrayList<>();
            for (Commit c : commits) {
                if (c.metadata() != null && c.metadata().length() > config.offsetMetadataMaxBytes()) {
                    result.put(c.tp(), Errors.OFFSET_METADATA_TOO_LARGE);
                } else {
                    accepted.add(c);
                    result.put(c.tp(), Errors.NONE);
                    records.add(new byte[][]{
                            ConsumerOffsetsRecords.offsetKey(groupId, c.tp().topic(), c.tp().partition()),
                            ConsumerOffsetsRecords.offsetValue(new OffsetValue(c.offset(), c.leaderEpoch(),
                                    c.metadata() == null ? "" : c.metadata(), now))});
                }
            }
            if (records.isEmpty()) {
                return result;
            }
            final ReentrantReadWriteLock.ReadLock lock = partitionLock(g.partition).readLock();
            lock.lock();
            try {
                store.append(g.partition, records, now);
                for (Commit c : accepted) {
                    g.offsets.put(c.tp(), new OffsetValue(c.offset(), c.leaderEpoch(),
                            c.metadata() == null ? "" : c.metadata(), now));
                }
            } catch (RuntimeException e) {
                LOG.error("cannot store offsets of group {}", groupId, e);
                final Errors stored = ErrorMapping.error(e);
                accepted.forEach(c -> result.put(c.tp(), stored == Errors.UNKNOWN_SERVER_ERROR ? stored : Errors.COORDINATOR_NOT_AVAILABLE));
            } finally {
                lock.unlock();
            }
            return result;
        }
    }

    private static Errors validateCommit(final Group g, final int generationId, final String memberId,
                                         final String groupInstanceId) {
        if (g.state == GroupState.DEAD) {
            return Errors.COORDINATOR_NOT_AVAILABLE;
        }
        if (generationId < 0 && g.state == GroupState.EMPTY) {
            return Errors.NONE; // a standalone consumer or an admin tool: no generation to check
        }
        if (generationId >= 0 || !memberId.isEmpty() || groupInstanceId != null) {
            final Errors invalid = validateMember(g, memberId, groupInstanceId);
            if (invalid != Errors.NONE) {
                return invalid;
            }
            if (generationId != g.generationId) {
                return Errors.ILLEGAL_GENERATION;
            }
        } else {
            return Errors.UNKNOWN_MEMBER_ID;
        }
        return g.state == GroupState.COMPLETING_REBALANCE ? Errors.REBALANCE_IN_PROGRESS : Errors.NONE;
    }

    /** The group's committed offsets for {@code partitions}, or all of them when null; missing ones are absent. */
    Map<TopicPartition, OffsetValue> committed(final String groupId, final List<TopicPartition> partitions) {
        final Group g = groups.get(groupId);
        final Map<TopicPartition, OffsetValue> out = new LinkedHashMap<>();
        if (g == null) {
            return out;
        }
        if (partitions == null) {
            g.offsets.entrySet().stream()
                    .sorted(Map.Entry.comparingByKey(Comparator.comparing(TopicPartition::topic)
                            .thenComparingInt(TopicPartition::partition)))
                    .forEach(e -> out.put(e.getKey(), e.getValue()));
        } else {
            for (TopicPartition tp : partitions) {
                final OffsetValue v = g.offsets.get(tp);
                if (v != null) {
                    out.put(tp, v);
                }
            }
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------------ admin

    /** A read-only picture of one group, for ListGroups and DescribeGroups. */
    record Summary(String groupId, GroupState state, String protocolType, String protocolName, List<MemberSummary> members) {
    }

    record MemberSummary(String memberId, String groupInstanceId, String clientId, String clientHost, byte[] metadata,
                         byte[] assignment) {
    }

    List<Summary> list() {
        final List<Summary> out = new ArrayList<>();
        for (Group g : groups.values()) {
            describe(g.groupId).ifPresent(out::add);
        }
        out.sort(Comparator.comparing(Summary::groupId));
        return out;
    }

    java.util.Optional<Summary> describe(final String groupId) {
        final Group g = groups.get(groupId);
        if (g == null) {
            return java.util.Optional.empty();
        }
        synchronized (g) {
            if (g.state == GroupState.DEAD) {
                return java.util.Optional.empty();
            }
            final List<MemberSummary> members = new ArrayList<>();
            final boolean stable = g.state == GroupState.STABLE;
            for (GroupMember m : g.members.values()) {
                members.add(new MemberSummary(m.memberId, m.groupInstanceId, m.clientId, m.clientHost,
                        stable ? m.protocols.get(g.protocolName) : new byte[0], stable ? m.assignment : new byte[0]));
            }
            return java.util.Optional.of(new Summary(g.groupId, g.state, g.protocolType == null ? "" : g.protocolType,
                    stable ? g.protocolName : "", members));
        }
    }

    /** Deletes an empty group with its offsets. */
    Errors delete(final String groupId) {
        if (groupId == null || groupId.isEmpty()) {
            return Errors.INVALID_GROUP_ID;
        }
        final Group g = groups.get(groupId);
        if (g == null) {
            return Errors.GROUP_ID_NOT_FOUND;
        }
        synchronized (g) {
            if (g.state == GroupState.DEAD) {
                return Errors.GROUP_ID_NOT_FOUND;
            }
            if (g.state != GroupState.EMPTY) {
                return Errors.NON_EMPTY_GROUP;
            }
            removeGroup(g, new ArrayList<>(g.offsets.keySet()));
            return Errors.NONE;
        }
    }

    /** Writes tombstones for the offsets and the group record, and forgets the group. Caller holds its monitor. */
    private void removeGroup(final Group g, final List<TopicPartition> offsets) {
        final List<byte[][]> tombstones = new ArrayList<>();
        for (TopicPartition tp : offsets) {
            tombstones.add(new byte[][]{ConsumerOffsetsRecords.offsetKey(g.groupId, tp.topic(), tp.partition()), null});
        }
        tombstones.add(new byte[][]{ConsumerOffsetsRecords.groupKey(g.groupId), null});
        final ReentrantReadWriteLock.ReadLock lock = partitionLock(g.partition).readLock();
        lock.lock();
        try {
            store.append(g.partition, tombstones, clock.getAsLong());
            g.offsets.clear();
            g.persisted = null;
            g.transition(GroupState.DEAD, clock.getAsLong());
            groups.remove(g.groupId, g);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Deletes a group's offsets of {@code partitions} (OffsetDelete): refused per partition while the group's members
     * are subscribed to the topic.
     *
     * @return the group-level error (GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP, ...) or, when NONE, per-partition errors in
     *         {@code perPartition}
     */
    Errors deleteOffsets(final String groupId, final List<TopicPartition> partitions,
                         final Map<TopicPartition, Errors> perPartition) {
        final Group g = groups.get(groupId);
        if (g == null) {
            return Errors.GROUP_ID_NOT_FOUND;
        }
        synchronized (g) {
            if (g.state == GroupState.DEAD) {
                return Errors.GROUP_ID_NOT_FOUND;
            }
            final Set<String> subscribed = new HashSet<>();
            if (g.state != GroupState.EMPTY) {
                if (!CONSUMER_PROTOCOL_TYPE.equals(g.protocolType)) {
                    return Errors.NON_EMPTY_GROUP;
                }
                for (GroupMember m : g.members.values()) {
                    final byte[] meta = g.protocolName == null ? m.protocols.values().iterator().next()
                            : m.protocols.get(g.protocolName);
                    try {
                        subscribed.addAll(ConsumerProtocol.deserializeSubscription(ByteBuffer.wrap(meta)).topics());
                    } catch (RuntimeException e) {
                        return Errors.NON_EMPTY_GROUP;
                    }
                }
            }
            final List<byte[][]> tombstones = new ArrayList<>();
            final List<TopicPartition> removed = new ArrayList<>();
            for (TopicPartition tp : partitions) {
                if (subscribed.contains(tp.topic())) {
                    perPartition.put(tp, Errors.GROUP_SUBSCRIBED_TO_TOPIC);
                    continue;
                }
                perPartition.put(tp, Errors.NONE);
                if (g.offsets.containsKey(tp)) {
                    removed.add(tp);
                    tombstones.add(new byte[][]{ConsumerOffsetsRecords.offsetKey(groupId, tp.topic(), tp.partition()), null});
                }
            }
            if (!tombstones.isEmpty()) {
                final ReentrantReadWriteLock.ReadLock lock = partitionLock(g.partition).readLock();
                lock.lock();
                try {
                    store.append(g.partition, tombstones, clock.getAsLong());
                    removed.forEach(g.offsets::remove);
                } finally {
                    lock.unlock();
                }
            }
            return Errors.NONE;
        }
    }

    // ----------------------------------------------------------------------------------- retention, rewrite

    /**
     * Kafka's offset expiration for classic groups: an empty group with a protocol loses all its offsets once it has
     * been empty for {@code offsets.retention.minutes}; a group that only ever committed (no protocol) loses each
     * offset that long after its commit. A group left with no offsets and no members is deleted.
     */
    void expireOffsets() {
        final long now = clock.getAsLong();
        for (Group g : groups.values()) {
            synchronized (g) {
                if (g.state != GroupState.EMPTY) {
                    continue;
                }
                final boolean hasProtocol = g.protocolType != null && !g.protocolType.isEmpty();
                final List<TopicPartition> expired = new ArrayList<>();
                for (Map.Entry<TopicPartition, OffsetValue> e : g.offsets.entrySet()) {
                    final long base = hasProtocol ? g.stateTimestamp : e.getValue().commitTimestamp();
                    if (now - base >= config.offsetsRetentionMs()) {
                        expired.add(e.getKey());
                    }
                }
                if (expired.size() == g.offsets.size()) {
                    LOG.info("group {} expired with {} offsets", g.groupId, expired.size());
                    removeGroup(g, expired);
                } else if (!expired.isEmpty()) {
                    final List<byte[][]> tombstones = new ArrayList<>();
                    for (TopicPartition tp : expired) {
                        tombstones.add(new byte[][]{ConsumerOffsetsRecords.offsetKey(g.groupId, tp.topic(), tp.partition()), null});
                    }
                    final ReentrantReadWriteLock.ReadLock lock = partitionLock(g.partition).readLock();
                    lock.lock();
                    try {
                        store.append(g.partition, tombstones, now);
                        expired.forEach(g.offsets::remove);
                    } finally {
                        lock.unlock();
                    }
                }
            }
        }
    }

    /** Rewrites a partition's live records when superseded ones outnumber them (the engine does not compact). */
    void maybeRewrite(final int partition) {
        maybeRewrite(partition, MIN_REWRITE_RECORDS);
    }

    /** As {@link #maybeRewrite(int)}, once the partition holds more than {@code minRecords} records. */
    void maybeRewrite(final int partition, final long minRecords) {
        final ReentrantReadWriteLock.WriteLock lock = partitionLock(partition).writeLock();
        lock.lock();
        try {
            final List<byte[][]> live = new ArrayList<>();
            for (Group g : groups.values()) {
                if (g.partition != partition) {
                    continue;
                }
                final GroupValue persisted = g.persisted;
                if (persisted != null) {
                    live.add(new byte[][]{ConsumerOffsetsRecords.groupKey(g.groupId), ConsumerOffsetsRecords.groupValue(persisted)});
                }
                for (Map.Entry<TopicPartition, OffsetValue> e : g.offsets.entrySet()) {
                    live.add(new byte[][]{
                            ConsumerOffsetsRecords.offsetKey(g.groupId, e.getKey().topic(), e.getKey().partition()),
                            ConsumerOffsetsRecords.offsetValue(e.getValue())});
                }
            }
            final long stored = store.recordCount(partition);
            if (stored > Math.max(minRecords, 2L * live.size())) {
                store.rewrite(partition, live, clock.getAsLong());
            }
        } finally {
            lock.unlock();
        }
    }

    private ReentrantReadWriteLock partitionLock(final int partition) {
        return partitionLocks.computeIfAbsent(partition, p -> new ReentrantReadWriteLock());
    }

    /** Writes the group's current generation (members and assignments) as its group record. Caller holds the monitor. */
    private void persistGroup(final Group g) {
        final List<MemberValue> members = new ArrayList<>();
        for (GroupMember m : g.members.values()) {
            final byte[] subscription = g.protocolName == null ? new byte[0] : m.protocols.get(g.protocolName);
            members.add(new MemberValue(m.memberId, m.groupInstanceId, m.clientId, m.clientHost, m.rebalanceTimeoutMs,
                    m.sessionTimeoutMs, subscription, m.assignment));
        }
        final GroupValue v = new GroupValue(g.protocolType == null ? "" : g.protocolType, g.generationId, g.protocolName,
                g.leaderId, g.stateTimestamp, members);
        final ReentrantReadWriteLock.ReadLock lock = partitionLock(g.partition).readLock();
        lock.lock();
        try {
            store.append(g.partition, List.<byte[][]>of(new byte[][]{ConsumerOffsetsRecords.groupKey(g.groupId),
                    ConsumerOffsetsRecords.groupValue(v)}), clock.getAsLong());
            g.persisted = v;
        } finally {
            lock.unlock();
        }
    }
}
