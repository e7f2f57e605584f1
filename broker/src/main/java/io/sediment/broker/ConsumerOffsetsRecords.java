package io.sediment.broker;

import org.apache.kafka.common.protocol.types.ArrayOf;
import org.apache.kafka.common.protocol.types.Field;
import org.apache.kafka.common.protocol.types.Schema;
import org.apache.kafka.common.protocol.types.Struct;
import org.apache.kafka.common.protocol.types.Type;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The key and value layouts of records in {@code __consumer_offsets}, byte for byte Kafka's (the generated
 * {@code OffsetCommitKey/Value} and {@code GroupMetadataKey/Value} of Kafka's group-coordinator module, which is not a
 * dependency of this module: the layouts are declared here with kafka-clients' generic {@link Schema}/{@link Struct}).
 * Every key and value starts with an int16 version:
 * <pre>
 * offset key    v1  group:string topic:string partition:int32
 * offset value  v3  offset:int64 leaderEpoch:int32 metadata:string commitTimestamp:int64       (null = tombstone)
 * group key     v2  group:string
 * group value   v3  protocolType:string generation:int32 protocol:string? leader:string? currentStateTimestamp:int64
 *                   members:[memberId:string groupInstanceId:string? clientId:string clientHost:string
 *                            rebalanceTimeout:int32 sessionTimeout:int32 subscription:bytes assignment:bytes]
 * </pre>
 * These are the versions Kafka 4.x itself writes for classic groups, so Kafka's
 * {@code kafka-dump-log --offsets-decoder} can read a Sediment {@code __consumer_offsets} segment. Reading accepts
 * exactly these versions; anything else is reported as unknown and skipped by the store.
 *
 * <p>Threading: stateless, any thread.
 */
final class ConsumerOffsetsRecords {
    static final short OFFSET_KEY_VERSION = 1;
    static final short OFFSET_VALUE_VERSION = 3;
    static final short GROUP_KEY_VERSION = 2;
    static final short GROUP_VALUE_VERSION = 3;

    private static final Schema OFFSET_KEY = new Schema(
            new Field("group", Type.STRING), new Field("topic", Type.STRING), new Field("partition", Type.INT32));
    private static final Schema OFFSET_VALUE = new Schema(
            new Field("offset", Type.INT64), new Field("leader_epoch", Type.INT32),
            new Field("metadata", Type.STRING), new Field("commit_timestamp", Type.INT64));
    private static final Schema GROUP_KEY = new Schema(new Field("group", Type.STRING));
    private static final Schema MEMBER = new Schema(
            new Field("member_id", Type.STRING), new Field("group_instance_id", Type.NULLABLE_STRING),
            new Field("client_id", Type.STRING), new Field("client_host", Type.STRING),
            new Field("rebalance_timeout", Type.INT32), new Field("session_timeout", Type.INT32),
            new Field("subscription", Type.BYTES), new Field("assignment", Type.BYTES));
    private static final Schema GROUP_VALUE = new Schema(
            new Field("protocol_type", Type.STRING), new Field("generation", Type.INT32),
            new Field("protocol", Type.NULLABLE_STRING), new Field("leader", Type.NULLABLE_STRING),
            new Field("current_state_timestamp", Type.INT64), new Field("members", new ArrayOf(MEMBER)));

    /** A committed offset as stored. */
    record OffsetValue(long offset, int leaderEpoch, String metadata, long commitTimestamp) {
    }

    /** One member of a group's last generation, as stored. */
    record MemberValue(String memberId, String groupInstanceId, String clientId, String clientHost,
                       int rebalanceTimeoutMs, int sessionTimeoutMs, byte[] subscription, byte[] assignment) {
    }

    /** A group's last generation, as stored. */
    record GroupValue(String protocolType, int generation, String protocol, String leader, long stateTimestamp,
                      List<MemberValue> members) {
    }

    /** What a key says: an offset of {@code (group, topic, partition)}, or a group's metadata ({@code topic == null}). */
    record Key(String group, String topic, int partition) {
        boolean isOffset() {
            return topic != null;
        }
    }

    private ConsumerOffsetsRecords() {
    }

    static byte[] offsetKey(final String group, final String topic, final int partition) {
        final Struct s = new Struct(OFFSET_KEY).set("group", group).set("topic", topic).set("partition", partition);
        return withVersion(OFFSET_KEY_VERSION, s);
    }

    static byte[] offsetValue(final OffsetValue v) {
        final Struct s = new Struct(OFFSET_VALUE).set("offset", v.offset()).set("leader_epoch", v.leaderEpoch())
                .set("metadata", v.metadata() == null ? "" : v.metadata()).set("commit_timestamp", v.commitTimestamp());
        return withVersion(OFFSET_VALUE_VERSION, s);
    }

    static byte[] groupKey(final String group) {
        return withVersion(GROUP_KEY_VERSION, new Struct(GROUP_KEY).set("group", group));
    }

    static byte[] groupValue(final GroupValue g) {
        final Object[] members = new Object[g.members().size()];
        for (int i = 0; i < members.length; i++) {
            final MemberValue m = g.members().get(i);
            members[i] = new Struct(MEMBER).set("member_id", m.memberId()).set("group_instance_id", m.groupInstanceId())
                    .set("client_id", m.clientId()).set("client_host", m.clientHost())
                    .set("rebalance_timeout", m.rebalanceTimeoutMs()).set("session_timeout", m.sessionTimeoutMs())
                    .set("subscription", ByteBuffer.wrap(m.subscription())).set("assignment", ByteBuffer.wrap(m.assignment()));
        }
        final Struct s = new Struct(GROUP_VALUE).set("protocol_type", g.protocolType()).set("generation", g.generation())
                .set("protocol", g.protocol()).set("leader", g.leader())
                .set("current_state_timestamp", g.stateTimestamp()).set("members", members);
        return withVersion(GROUP_VALUE_VERSION, s);
    }

    /**
     * Reads a key; {@code null} when its version is not one this broker writes.
     *
     * @throws org.apache.kafka.common.protocol.types.SchemaException when the bytes do not fit the layout
     */
    static Key readKey(final ByteBuffer key) {
        final ByteBuffer b = key.duplicate();
        final short version = b.getShort();
        if (version == 0 || version == OFFSET_KEY_VERSION) {
            final Struct s = OFFSET_KEY.read(b);
            return new Key(s.getString("group"), s.getString("topic"), s.getInt("partition"));
        } else if (version == GROUP_KEY_VERSION) {
            return new Key(GROUP_KEY.read(b).getString("group"), null, -1);
        }
        return null;
    }

    /** Reads an offset value; {@code null} when its version is not one this broker writes. */
    static OffsetValue readOffsetValue(final ByteBuffer value) {
        final ByteBuffer b = value.duplicate();
        if (b.getShort() != OFFSET_VALUE_VERSION) {
            return null;
        }
        final Struct s = OFFSET_VALUE.read(b);
        return new OffsetValue(s.getLong("offset"), s.getInt("leader_epoch"), s.getString("metadata"),
                s.getLong("commit_timestamp"));
    }

    /** Reads a group value; {@code null} when its version is not one this broker writes. */
    static GroupValue readGroupValue(final ByteBuffer value) {
        final ByteBuffer b = value.duplicate();
        if (b.getShort() != GROUP_VALUE_VERSION) {
            return null;
        }
        final Struct s = GROUP_VALUE.read(b);
        final List<MemberValue> members = new ArrayList<>();
        for (Object o : s.getArray("members")) {
            final Struct m = (Struct) o;
            members.add(new MemberValue(m.getString("member_id"), m.getString("group_instance_id"),
                    m.getString("client_id"), m.getString("client_host"), m.getInt("rebalance_timeout"),
                    m.getInt("session_timeout"), bytes(m.getBytes("subscription")), bytes(m.getBytes("assignment"))));
        }
        return new GroupValue(s.getString("protocol_type"), s.getInt("generation"), s.getString("protocol"),
                s.getString("leader"), s.getLong("current_state_timestamp"), members);
    }

    private static byte[] withVersion(final short version, final Struct s) {
        final ByteBuffer b = ByteBuffer.allocate(2 + s.sizeOf());
        b.putShort(version);
        s.writeTo(b);
        return b.array();
    }

    private static byte[] bytes(final ByteBuffer b) {
        final byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}
