package io.sediment.broker;

import io.sediment.api.InvalidTopicException;
import io.sediment.api.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.message.DescribeTopicPartitionsRequestData;
import org.apache.kafka.common.message.DescribeTopicPartitionsResponseData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeTopicPartitionsRequest;
import org.apache.kafka.common.requests.MetadataRequest;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

/**
 * Metadata, DescribeTopicPartitions and DescribeCluster: one broker that leads every partition, is its only replica and its only in-sync
 * replica, and acts as the controller. Leader epochs are reported as unknown (-1): there are no leader changes, so
 * clients skip OffsetsForLeaderEpoch validation. Metadata may auto-create the topics it is asked about when both
 * the request and {@code auto.create.topics.enable} allow it; creation is synchronous, so the reply describes the
 * new topic at once.
 */
final class MetadataHandler implements ApiHandler {
    /** Kafka's {@code max.request.partition.size.limit} default. */
    private static final int MAX_PARTITIONS_PER_RESPONSE = 2000;

    private final Node node;
    private final TopicCatalog catalog;
    private final boolean autoCreate;
    private final int defaultPartitions;

    MetadataHandler(final Node node, final TopicCatalog catalog, final BrokerConfig config) {
        this.node = node;
        this.catalog = catalog;
        this.autoCreate = config.autoCreateTopics;
        this.defaultPartitions = config.numPartitions;
    }

    @Override
    public Map<ApiKeys, short[]> versions() {
        return Map.of(ApiKeys.METADATA, new short[]{0, 13}, ApiKeys.DESCRIBE_CLUSTER, new short[]{0, 2},
                ApiKeys.DESCRIBE_TOPIC_PARTITIONS, new short[]{0, 0});
    }

    @Override
    public CompletableFuture<Response> handle(final InboundRequest request) {
        return CompletableFuture.completedFuture(Response.of(switch (request.header().apiKey()) {
            case METADATA -> metadata((MetadataRequest) request.body());
            case DESCRIBE_CLUSTER -> describeCluster();
            case DESCRIBE_TOPIC_PARTITIONS -> describeTopicPartitions(((DescribeTopicPartitionsRequest) request.body()).data());
            default -> throw new IllegalArgumentException(request.header().apiKey().toString());
        }));
    }

    private MetadataResponseData metadata(final MetadataRequest req) {
        final MetadataResponseData data = new MetadataResponseData()
                .setClusterId(node.clusterId())
                .setControllerId(node.id());
        data.brokers().add(new MetadataResponseData.MetadataResponseBroker()
                .setNodeId(node.id()).setHost(node.host()).setPort(node.port()));
        if (req.isAllTopics()) {
            for (TopicCatalog.Topic t : catalog.topics()) {
                data.topics().add(describe(t));
            }
            return data;
        }
        final boolean create = autoCreate && req.data().allowAutoTopicCreation();
        for (var wanted : req.data().topics()) {
            final String name = wanted.name();
            if (name == null) {
                final Uuid id = wanted.topicId();
                data.topics().add(catalog.topic(id).map(this::describe).orElseGet(() ->
                        new MetadataResponseData.MetadataResponseTopic().setTopicId(id)
                                .setErrorCode(Errors.UNKNOWN_TOPIC_ID.code())));
                continue;
            }
            data.topics().add(catalog.topic(name).map(this::describe).orElseGet(() -> missing(name, create)));
        }
        return data;
    }

    private MetadataResponseData.MetadataResponseTopic missing(final String name, final boolean create) {
        final MetadataResponseData.MetadataResponseTopic t = new MetadataResponseData.MetadataResponseTopic()
                .setName(name);
        try {
            TopicPartition.validateTopic(name);
        } catch (InvalidTopicException e) {
            return t.setErrorCode(Errors.INVALID_TOPIC_EXCEPTION.code());
        }
        if (!create) {
            return t.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        }
        try {
            return describe(catalog.create(name, defaultPartitions, Map.of()));
        } catch (org.apache.kafka.common.errors.TopicExistsException raced) {
            return catalog.topic(name).map(this::describe).orElse(t.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code()));
        } catch (RuntimeException e) {
            return t.setErrorCode(ErrorMapping.error(e).code());
        }
    }

    MetadataResponseData.MetadataResponseTopic describe(final TopicCatalog.Topic topic) {
        final List<MetadataResponseData.MetadataResponsePartition> parts = new ArrayList<>(topic.partitions());
        for (int p = 0; p < topic.partitions(); p++) {
            parts.add(new MetadataResponseData.MetadataResponsePartition()
                    .setPartitionIndex(p)
                    .setLeaderId(node.id())
                    .setLeaderEpoch(-1)
                    .setReplicaNodes(List.of(node.id()))
                    .setIsrNodes(List.of(node.id()))
                    .setOfflineReplicas(List.of()));
        }
        return new MetadataResponseData.MetadataResponseTopic()
                .setName(topic.name())
                .setTopicId(topic.id())
                .setIsInternal(topic.name().startsWith("__"))
                .setPartitions(parts);
    }

    private DescribeClusterResponseData describeCluster() {
        final DescribeClusterResponseData data = new DescribeClusterResponseData()
                .setClusterId(node.clusterId())
                .setControllerId(node.id());
        data.brokers().add(new DescribeClusterResponseData.DescribeClusterBroker()
                .setBrokerId(node.id()).setHost(node.host()).setPort(node.port()));
        return data;
    }

    /**
     * DescribeTopicPartitions (KIP-966), which 4.x Admin prefers for describeTopics: topics in name order from the
     * cursor on, at most {@code responsePartitionLimit} partitions (capped at Kafka's default 2000), with a cursor
     * to continue from when cut short. An empty topic list means every topic.
     */
    private DescribeTopicPartitionsResponseData describeTopicPartitions(final DescribeTopicPartitionsRequestData req) {
        final TreeSet<String> names = new TreeSet<>();
        if (req.topics().isEmpty()) {
            for (TopicCatalog.Topic t : catalog.topics()) {
                names.add(t.name());
            }
        } else {
            for (DescribeTopicPartitionsRequestData.TopicRequest t : req.topics()) {
                names.add(t.name());
            }
        }
        final DescribeTopicPartitionsRequestData.Cursor cursor = req.cursor();
        int remaining = Math.max(1, Math.min(req.responsePartitionLimit(), MAX_PARTITIONS_PER_RESPONSE));
        final DescribeTopicPartitionsResponseData data = new DescribeTopicPartitionsResponseData();
        for (String name : cursor == null ? names : names.tailSet(cursor.topicName(), true)) {
            final Optional<TopicCatalog.Topic> topic = catalog.topic(name);
            if (topic.isEmpty()) {
                data.topics().add(new DescribeTopicPartitionsResponseData.DescribeTopicPartitionsResponseTopic()
                        .setName(name).setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code()));
                continue;
            }
            final TopicCatalog.Topic t = topic.get();
            final int start = cursor != null && name.equals(cursor.topicName()) ? Math.max(0, cursor.partitionIndex()) : 0;
            if (remaining == 0) {
                data.setNextCursor(new DescribeTopicPartitionsResponseData.Cursor().setTopicName(name).setPartitionIndex(start));
                break;
            }
            final int end = (int) Math.min(t.partitions(), (long) start + remaining);
            final List<DescribeTopicPartitionsResponseData.DescribeTopicPartitionsResponsePartition> parts = new ArrayList<>();
            for (int p = start; p < end; p++) {
                parts.add(new DescribeTopicPartitionsResponseData.DescribeTopicPartitionsResponsePartition()
                        .setPartitionIndex(p).setLeaderId(node.id()).setLeaderEpoch(-1)
                        .setReplicaNodes(List.of(node.id())).setIsrNodes(List.of(node.id()))
                        .setEligibleLeaderReplicas(List.of()).setLastKnownElr(List.of()).setOfflineReplicas(List.of()));
            }
            remaining -= Math.max(0, end - start);
            data.topics().add(new DescribeTopicPartitionsResponseData.DescribeTopicPartitionsResponseTopic()
                    .setName(name).setTopicId(t.id()).setIsInternal(name.startsWith("__")).setPartitions(parts));
            if (end < t.partitions()) {
                data.setNextCursor(new DescribeTopicPartitionsResponseData.Cursor().setTopicName(name).setPartitionIndex(end));
                break;
            }
        }
        return data;
    }
}
