package io.sediment.broker;

import org.apache.kafka.common.TopicPartition;

import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;

/**
 * One classic group: its state machine ({@link GroupState}), generation, chosen protocol, leader and members, and its
 * committed offsets.
 *
 * <p>Invariants: {@code leaderId} is a member whenever there are members; a member with a {@code groupInstanceId} is
 * in {@code staticMembers} under it; {@code members} is empty exactly in {@link GroupState#EMPTY} and
 * {@link GroupState#DEAD} (pending members, which were told MEMBER_ID_REQUIRED, are not members yet).
 *
 * <p>Threading: every field except {@code offsets} and {@code persisted} is guarded by this object's monitor, which
 * {@link GroupCoordinator} takes for every change. {@code offsets} and {@code persisted} are also read without it by
 * the rewrite of the group's {@code __consumer_offsets} partition, which excludes writers by the partition's lock.
 */
final class Group {
    final String groupId;
    final int partition;
    GroupState state = GroupState.EMPTY;
    long stateTimestamp;
    int generationId;
    String protocolType;
    String protocolName;
    String leaderId;
    final LinkedHashMap<String, GroupMember> members = new LinkedHashMap<>();
    /** Members told MEMBER_ID_REQUIRED, each with the timer that forgets it if it does not join again. */
    final Map<String, ScheduledFuture<?>> pendingMembers = new HashMap<>();
    final Map<String, String> staticMembers = new HashMap<>();
    /** Members of the current generation that have not sent SyncGroup yet. */
    final Set<String> pendingSync = new HashSet<>();
    /** Completes the join phase (rebalance timeout, or the end of the initial delay). */
    ScheduledFuture<?> joinTimer;
    ScheduledFuture<?> syncTimer;
    boolean initialDelayPhase;
    boolean joinedDuringDelay;
    long rebalanceDeadlineMs;
    final ConcurrentHashMap<TopicPartition, ConsumerOffsetsRecords.OffsetValue> offsets = new ConcurrentHashMap<>();
    /** The group record last written to {@code __consumer_offsets}, or null. */
    volatile ConsumerOffsetsRecords.GroupValue persisted;

    Group(final String groupId, final int partition, final long now) {
        this.groupId = groupId;
        this.partition = partition;
        this.stateTimestamp = now;
    }

    void transition(final GroupState next, final long now) {
        state = next;
        stateTimestamp = now;
    }

    boolean allMembersJoined() {
        for (GroupMember m : members.values()) {
            if (m.awaitingJoin == null) {
                return false;
            }
        }
        return pendingMembers.isEmpty();
    }

    int maxRebalanceTimeoutMs() {
        int max = 0;
        for (GroupMember m : members.values()) {
            max = Math.max(max, m.rebalanceTimeoutMs);
        }
        return max;
    }

    /** Whether a member with these protocols may join (Kafka's {@code supportsProtocols}). */
    boolean supportsProtocols(final String type, final Set<String> names) {
        if (members.isEmpty()) {
            return type != null && !type.isEmpty() && !names.isEmpty();
        }
        if (!type.equals(protocolType)) {
            return false;
        }
        for (String n : names) {
            if (supportedByAll(n)) {
                return true;
            }
        }
        return false;
    }

    private boolean supportedByAll(final String name) {
        for (GroupMember m : members.values()) {
            if (!m.protocols.containsKey(name)) {
                return false;
            }
        }
        return true;
    }

    /** The protocol every member supports that most members prefer (ties: the leader's preference order). */
    String selectProtocol() {
        final Map<String, Integer> votes = new LinkedHashMap<>();
        final GroupMember leader = members.get(leaderId);
        for (String n : (leader != null ? leader : members.values().iterator().next()).protocols.keySet()) {
            if (supportedByAll(n)) {
                votes.put(n, 0);
            }
        }
        for (GroupMember m : members.values()) {
            for (String n : m.protocols.keySet()) {
                if (votes.containsKey(n)) {
                    votes.merge(n, 1, Integer::sum);
                    break;
                }
            }
        }
        String best = null;
        int most = -1;
        for (Map.Entry<String, Integer> e : votes.entrySet()) {
            if (e.getValue() > most) {
                best = e.getKey();
                most = e.getValue();
            }
        }
        return best;
    }
}
