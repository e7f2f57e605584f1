package io.sediment.broker;

import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.SyncGroupResponseData;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;

/**
 * One member of a classic group: who it is, the protocols it supports (name → metadata, in its order of preference),
 * its assignment in the current generation, and the JoinGroup/SyncGroup answer it is waiting for, if any.
 *
 * <p>Threading: guarded by the lock of the {@link Group} it belongs to.
 */
final class GroupMember {
    final String memberId;
    final String groupInstanceId;
    String clientId;
    String clientHost;
    int rebalanceTimeoutMs;
    int sessionTimeoutMs;
    String protocolType;
    LinkedHashMap<String, byte[]> protocols;
    byte[] assignment = new byte[0];
    /** The JoinGroup answer this member waits for while the group is preparing a rebalance. */
    CompletableFuture<JoinGroupResponseData> awaitingJoin;
    /** The SyncGroup answer this member waits for until the leader hands out assignments. */
    CompletableFuture<SyncGroupResponseData> awaitingSync;
    /** Fires when the session times out without a heartbeat. */
    ScheduledFuture<?> expiry;

    GroupMember(final String memberId, final String groupInstanceId) {
        this.memberId = memberId;
        this.groupInstanceId = groupInstanceId;
    }

    boolean matches(final Map<String, byte[]> other) {
        if (protocols.size() != other.size()) {
            return false;
        }
        final var a = protocols.entrySet().iterator();
        final var b = other.entrySet().iterator();
        while (a.hasNext()) {
            final var x = a.next();
            final var y = b.next();
            if (!x.getKey().equals(y.getKey()) || !Arrays.equals(x.getValue(), y.getValue())) {
                return false;
            }
        }
        return true;
    }

    /** Whether the member must not be expired even without heartbeats: it is parked in a join or sync. */
    boolean isAwaiting() {
        return awaitingJoin != null || awaitingSync != null;
    }
}
