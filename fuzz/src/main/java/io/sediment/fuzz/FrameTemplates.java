package io.sediment.fuzz;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.ApiMessageType;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeTopicPartitionsRequestData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.RequestUtils;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Valid requests to start mutating from: for every API and version the broker advertises, a request built with
 * kafka-clients' generated {@code *RequestData} classes and serialized at that version. The common APIs carry
 * content (records, topics, partitions, groups) so that mutations reach deep into bodies; the rest are the empty
 * request of their kind. Requests name only the fuzz topics ({@link #PRODUCE_TOPIC}, {@code fuzz-c0..3}) and fuzz
 * groups, so no valid request can touch the data the run checks at the end; a mutation that would have to rewrite
 * every byte of a topic name to reach it is not a realistic risk.
 *
 * <p>Threading: one thread (it owns a {@link Random}).
 */
final class FrameTemplates {
    static final String PRODUCE_TOPIC = "fuzz-p";
    static final int PRODUCE_PARTITIONS = 2;

    /** A framed request: the 4-byte size, the header, the body; {@code headerEnd} is where the body starts. */
    record Template(ApiKeys key, short version, byte[] bytes, int headerEnd) {
    }

    private final Map<ApiKeys, short[]> ranges;
    private final List<ApiKeys> keys;
    private final Uuid produceTopicId;
    private final Random random;
    private int correlationId;

    FrameTemplates(final Map<ApiKeys, short[]> ranges, final Uuid produceTopicId, final Random random) {
        this.ranges = ranges;
        this.keys = new ArrayList<>(ranges.keySet());
        this.keys.sort((a, b) -> Short.compare(a.id, b.id));
        this.produceTopicId = produceTopicId;
        this.random = random;
    }

    List<ApiKeys> keys() {
        return keys;
    }

    /** A valid request of a random advertised API at a random advertised version. */
    Template next() {
        final ApiKeys key = keys.get(random.nextInt(keys.size()));
        final short[] r = ranges.get(key);
        return build(key, (short) (r[0] + random.nextInt(r[1] - r[0] + 1)));
    }

    Template build(final ApiKeys key, final short version) {
        final RequestHeader header = new RequestHeader(key, version, random.nextInt(8) == 0 ? null : "fuzz-" + random.nextInt(100),
                correlationId++);
        byte[] bytes;
        try {
            bytes = frame(header, content(key, version));
        } catch (RuntimeException e) {
            // a field this version cannot carry: the empty request is valid at every version
            bytes = frame(header, ApiMessageType.fromApiKey(key.id).newRequest());
        }
        return new Template(key, version, bytes, 4 + header.size());
    }

    /** {@code request} serialized at the header's version after the header, with the 4-byte size in front. */
    static byte[] frame(final RequestHeader header, final ApiMessage request) {
        final ByteBuffer body = RequestUtils.serialize(header.data(), header.headerVersion(), request, header.apiVersion());
        final byte[] bytes = new byte[4 + body.remaining()];
        ByteBuffer.wrap(bytes).putInt(body.remaining()).put(body);
        return bytes;
    }

    private ApiMessage content(final ApiKeys key, final short version) {
        final String topic = "fuzz-c" + random.nextInt(4);
        return switch (key) {
            case PRODUCE -> produce(version);
            case FETCH -> fetch(version);
            case LIST_OFFSETS -> new ListOffsetsRequestData().setReplicaId(-1).setTopics(List.of(
                    new ListOffsetsRequestData.ListOffsetsTopic().setName(PRODUCE_TOPIC).setPartitions(List.of(
                            new ListOffsetsRequestData.ListOffsetsPartition().setPartitionIndex(random.nextInt(PRODUCE_PARTITIONS))
                                    .setTimestamp(-1 - random.nextInt(3))))));
            case METADATA -> new MetadataRequestData().setAllowAutoTopicCreation(false).setTopics(random.nextBoolean()
                    ? null : List.of(new MetadataRequestData.MetadataRequestTopic().setName(PRODUCE_TOPIC)));
            case API_VERSIONS -> new ApiVersionsRequestData().setClientSoftwareName("sediment-fuzz")
                    .setClientSoftwareVersion("1.0");
            case CREATE_TOPICS -> {
                final CreateTopicsRequestData d = new CreateTopicsRequestData().setTimeoutMs(5000)
                        .setValidateOnly(random.nextBoolean());
                d.topics().add(new CreateTopicsRequestData.CreatableTopic().setName(topic)
                        .setNumPartitions(1 + random.nextInt(3)).setReplicationFactor((short) 1));
                yield d;
            }
            case DELETE_TOPICS -> version >= 6
                    ? new DeleteTopicsRequestData().setTimeoutMs(5000).setTopics(List.of(
                    new DeleteTopicsRequestData.DeleteTopicState().setName(topic)))
                    : new DeleteTopicsRequestData().setTimeoutMs(5000).setTopicNames(List.of(topic));
            case CREATE_PARTITIONS -> {
                final CreatePartitionsRequestData d = new CreatePartitionsRequestData().setTimeoutMs(5000)
                        .setValidateOnly(random.nextBoolean());
                d.topics().add(new CreatePartitionsRequestData.CreatePartitionsTopic().setName(topic)
                        .setCount(2 + random.nextInt(3)).setAssignments(null));
                yield d;
            }
            case DELETE_RECORDS -> new DeleteRecordsRequestData().setTimeoutMs(5000).setTopics(List.of(
                    new DeleteRecordsRequestData.DeleteRecordsTopic().setName(PRODUCE_TOPIC).setPartitions(List.of(
                            new DeleteRecordsRequestData.DeleteRecordsPartition().setPartitionIndex(random.nextInt(PRODUCE_PARTITIONS))
                                    .setOffset(random.nextInt(4) - 1)))));
            case INIT_PRODUCER_ID -> new InitProducerIdRequestData().setTransactionalId(null).setTransactionTimeoutMs(60_000)
                    .setProducerId(-1).setProducerEpoch((short) -1);
            case DESCRIBE_CONFIGS -> new DescribeConfigsRequestData().setResources(List.of(
                    new DescribeConfigsRequestData.DescribeConfigsResource().setResourceType((byte) 2)
                            .setResourceName(PRODUCE_TOPIC).setConfigurationKeys(null)));
            case ALTER_CONFIGS -> {
                final AlterConfigsRequestData d = new AlterConfigsRequestData().setValidateOnly(random.nextBoolean());
                final AlterConfigsRequestData.AlterConfigsResource r = new AlterConfigsRequestData.AlterConfigsResource()
                        .setResourceType((byte) 2).setResourceName(topic);
                r.configs().add(new AlterConfigsRequestData.AlterableConfig().setName("retention.ms")
                        .setValue(String.valueOf(60_000 + random.nextInt(1000))));
                d.resources().add(r);
                yield d;
            }
            case INCREMENTAL_ALTER_CONFIGS -> {
                final IncrementalAlterConfigsRequestData d = new IncrementalAlterConfigsRequestData()
                        .setValidateOnly(random.nextBoolean());
                final IncrementalAlterConfigsRequestData.AlterConfigsResource r =
                        new IncrementalAlterConfigsRequestData.AlterConfigsResource().setResourceType((byte) 2).setResourceName(topic);
                r.configs().add(new IncrementalAlterConfigsRequestData.AlterableConfig().setName("segment.bytes")
                        .setConfigOperation((byte) random.nextInt(2)).setValue(String.valueOf(1 << 20)));
                d.resources().add(r);
                yield d;
            }
            case DESCRIBE_TOPIC_PARTITIONS -> new DescribeTopicPartitionsRequestData().setResponsePartitionLimit(100)
                    .setTopics(List.of(new DescribeTopicPartitionsRequestData.TopicRequest().setName(PRODUCE_TOPIC)));
            case FIND_COORDINATOR -> version >= 4
                    ? new FindCoordinatorRequestData().setCoordinatorKeys(List.of("fuzz-g"))
                    : new FindCoordinatorRequestData().setKey("fuzz-g");
            case JOIN_GROUP -> {
                final JoinGroupRequestData d = new JoinGroupRequestData().setGroupId("fuzz-g" + random.nextInt(3))
                        .setSessionTimeoutMs(10_000).setRebalanceTimeoutMs(1000).setMemberId("")
                        .setProtocolType("consumer");
                d.protocols().add(new JoinGroupRequestData.JoinGroupRequestProtocol().setName("range")
                        .setMetadata(new byte[]{0, 1, 0, 0, 0, 1, 0, 6, 'f', 'u', 'z', 'z', '-', 'p'}));
                yield d;
            }
            case SYNC_GROUP -> new SyncGroupRequestData().setGroupId("fuzz-g0").setGenerationId(1).setMemberId("m")
                    .setProtocolType("consumer").setProtocolName("range");
            case HEARTBEAT -> new HeartbeatRequestData().setGroupId("fuzz-g0").setGenerationId(1).setMemberId("m");
            case DESCRIBE_GROUPS -> new DescribeGroupsRequestData().setGroups(List.of("fuzz-g0", "fuzz-g"));
            case OFFSET_COMMIT -> new OffsetCommitRequestData().setGroupId("fuzz-g").setGenerationIdOrMemberEpoch(-1)
                    .setMemberId("").setTopics(List.of(new OffsetCommitRequestData.OffsetCommitRequestTopic()
                            .setName(PRODUCE_TOPIC).setPartitions(List.of(new OffsetCommitRequestData.OffsetCommitRequestPartition()
                                    .setPartitionIndex(random.nextInt(PRODUCE_PARTITIONS)).setCommittedOffset(random.nextInt(100))
                                    .setCommittedMetadata("m")))));
            case OFFSET_FETCH -> version >= 8
                    ? new OffsetFetchRequestData().setGroups(List.of(new OffsetFetchRequestData.OffsetFetchRequestGroup()
                    .setGroupId("fuzz-g").setTopics(null)))
                    : new OffsetFetchRequestData().setGroupId("fuzz-g").setTopics(null);
            default -> ApiMessageType.fromApiKey(key.id).newRequest();
        };
    }

    private ProduceRequestData produce(final short version) {
        final int n = 1 + random.nextInt(5);
        final SimpleRecord[] records = new SimpleRecord[n];
        for (int i = 0; i < n; i++) {
            final byte[] value = new byte[random.nextInt(64)];
            random.nextBytes(value);
            records[i] = new SimpleRecord(System.currentTimeMillis(), ("k" + i).getBytes(StandardCharsets.UTF_8), value);
        }
        final ProduceRequestData.TopicProduceData t = new ProduceRequestData.TopicProduceData();
        if (version >= 13) {
            t.setTopicId(produceTopicId);
        } else {
            t.setName(PRODUCE_TOPIC);
        }
        t.setPartitionData(List.of(new ProduceRequestData.PartitionProduceData().setIndex(random.nextInt(PRODUCE_PARTITIONS))
                .setRecords(MemoryRecords.withRecords(Compression.NONE, records))));
        final ProduceRequestData d = new ProduceRequestData().setAcks((short) (random.nextInt(10) == 0 ? 0 : random.nextBoolean() ? 1 : -1))
                .setTimeoutMs(5000);
        d.topicData().add(t);
        return d;
    }

    private FetchRequestData fetch(final short version) {
        final FetchRequestData.FetchTopic t = new FetchRequestData.FetchTopic().setPartitions(List.of(
                new FetchRequestData.FetchPartition().setPartition(random.nextInt(PRODUCE_PARTITIONS))
                        .setFetchOffset(random.nextInt(50)).setPartitionMaxBytes(64 * 1024)));
        if (version >= 13) {
            t.setTopicId(produceTopicId);
        } else {
            t.setTopic(PRODUCE_TOPIC);
        }
        return new FetchRequestData().setReplicaId(-1).setMaxWaitMs(random.nextInt(50)).setMinBytes(random.nextInt(2))
                .setMaxBytes(1 << 20).setTopics(List.of(t));
    }
}
