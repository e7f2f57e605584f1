package io.sediment.broker;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InvalidReplicaAssignmentException;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.UnknownTopicIdException;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.CreatePartitionsRequest;
import org.apache.kafka.common.requests.CreateTopicsRequest;
import org.apache.kafka.common.requests.DeleteTopicsRequest;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * CreateTopics, DeleteTopics and CreatePartitions. One node holds one replica of each partition, so any other
 * replication factor, or an assignment naming another broker, is refused with Kafka's error and message rather
 * than silently accepted. Each topic in a request succeeds or fails on its own, except that a request adding more
 * than {@link #MAX_PARTITIONS_PER_REQUEST} partitions in all is refused whole, before anything is created.
 */
final class TopicsHandler implements ApiHandler {
    /**
     * Kafka's controller limit ({@code QuorumController.MAX_RECORDS_PER_USER_OP}): one log per partition means a
     * request for 2^31 partitions would otherwise create logs until the process runs out of mappings or files.
     */
    static final int MAX_PARTITIONS_PER_REQUEST = 10_000;

    private final TopicCatalog catalog;
    private final ConfigDescriber describer;
    private final FetchWaiters waiters;
    private final ProducerStates producerStates;
    private final int nodeId;
    private final int defaultPartitions;

    TopicsHandler(final TopicCatalog catalog, final ConfigDescriber describer, final FetchWaiters waiters,
                  final ProducerStates producerStates, final BrokerConfig config) {
        this.catalog = catalog;
        this.describer = describer;
        this.waiters = waiters;
        this.producerStates = producerStates;
        this.nodeId = config.nodeId;
        this.defaultPartitions = config.numPartitions;
    }

    @Override
    public Map<ApiKeys, short[]> versions() {
        return Map.of(ApiKeys.CREATE_TOPICS, new short[]{2, 7}, ApiKeys.DELETE_TOPICS, new short[]{1, 6},
                ApiKeys.CREATE_PARTITIONS, new short[]{0, 3});
    }

    @Override
    public CompletableFuture<Response> handle(final InboundRequest request) {
        return CompletableFuture.completedFuture(Response.of(switch (request.header().apiKey()) {
            case CREATE_TOPICS -> createTopics(((CreateTopicsRequest) request.body()).data(), request.version());
            case DELETE_TOPICS -> deleteTopics(((DeleteTopicsRequest) request.body()).data(), request.version());
            case CREATE_PARTITIONS -> createPartitions(((CreatePartitionsRequest) request.body()).data());
            default -> throw new IllegalArgumentException(request.header().apiKey().toString());
        }));
    }

    private CreateTopicsResponseData createTopics(final CreateTopicsRequestData req, final short version) {
        final CreateTopicsResponseData data = new CreateTopicsResponseData();
        if (requestedPartitions(req) > MAX_PARTITIONS_PER_REQUEST) {
            for (CreateTopicsRequestData.CreatableTopic t : req.topics()) {
                data.topics().add(new CreateTopicsResponseData.CreatableTopicResult().setName(t.name())
                        .setNumPartitions(-1).setReplicationFactor((short) -1)
                        .setErrorCode(Errors.POLICY_VIOLATION.code())
                        .setErrorMessage("Excessively large number of partitions per request."));
            }
            return data;
        }
        for (CreateTopicsRequestData.CreatableTopic t : req.topics()) {
            final CreateTopicsResponseData.CreatableTopicResult r = new CreateTopicsResponseData.CreatableTopicResult()
                    .setName(t.name()).setNumPartitions(-1).setReplicationFactor((short) -1);
            try {
                final int partitions = partitionCount(t);
                final Map<String, String> overrides = new LinkedHashMap<>();
                for (CreateTopicsRequestData.CreatableTopicConfig c : t.configs()) {
                    if (c.value() != null) {
                        overrides.put(c.name(), c.value());
                    }
                }
                final TopicCatalog.Topic created;
                if (req.validateOnly()) {
                    catalog.validateCreate(t.name(), partitions, overrides);
                    created = new TopicCatalog.Topic(t.name(), Uuid.ZERO_UUID, partitions, overrides);
                } else {
                    created = catalog.create(t.name(), partitions, overrides);
                }
                r.setTopicId(created.id()).setNumPartitions(partitions).setReplicationFactor((short) 1);
                if (version >= 5) {
                    final List<CreateTopicsResponseData.CreatableTopicConfigs> configs = new ArrayList<>();
                    for (DescribeConfigsResponseData.DescribeConfigsResourceResult c : describer.topic(overrides, null, false)) {
                        configs.add(new CreateTopicsResponseData.CreatableTopicConfigs().setName(c.name())
                                .setValue(c.value()).setReadOnly(c.readOnly()).setConfigSource(c.configSource())
                                .setIsSensitive(c.isSensitive()));
                    }
                    r.setConfigs(configs);
                }
            } catch (RuntimeException e) {
                r.setErrorCode(ErrorMapping.error(e).code()).setErrorMessage(ErrorMapping.message(e));
            }
            data.topics().add(r);
        }
        return data;
    }

    /** Kafka's {@code validateTotalNumberOfPartitions}: the sum over the request, in a long so it cannot wrap. */
    private long requestedPartitions(final CreateTopicsRequestData req) {
        long total = 0;
        for (CreateTopicsRequestData.CreatableTopic t : req.topics()) {
            if (!t.assignments().isEmpty()) {
                total += t.assignments().size();
            } else if (t.numPartitions() == -1) {
                total += defaultPartitions;
            } else if (t.numPartitions() > 0) {
                total += t.numPartitions();
            }
        }
        return total;
    }

    private int partitionCount(final CreateTopicsRequestData.CreatableTopic t) {
        if (!t.assignments().isEmpty()) {
            if (t.numPartitions() != -1 || t.replicationFactor() != -1) {
                throw new InvalidRequestException("Both numPartitions or replicationFactor and replicasAssignments "
                        + "were set. Both cannot be used at the same time.");
            }
            for (CreateTopicsRequestData.CreatableReplicaAssignment a : t.assignments()) {
                if (a.brokerIds().size() != 1 || a.brokerIds().get(0) != nodeId) {
                    throw new InvalidReplicaAssignmentException("The manual partition assignment includes broker(s) "
                            + a.brokerIds() + " for partition " + a.partitionIndex() + "; the only broker is " + nodeId + ".");
                }
            }
            return t.assignments().size();
        }
        final short rf = t.replicationFactor();
        if (rf == 0 || rf < -1) {
            throw new InvalidReplicationFactorException("Replication factor must be larger than 0, or -1 to use the "
                    + "default value.");
        }
        if (rf > 1) {
            throw new InvalidReplicationFactorException("Unable to replicate the partition " + rf + " time(s): The "
                    + "target replication factor of " + rf + " cannot be reached because only 1 broker(s) are registered.");
        }
        return t.numPartitions() == -1 ? defaultPartitions : t.numPartitions();
    }

    private DeleteTopicsResponseData deleteTopics(final DeleteTopicsRequestData req, final short version) {
        final List<DeleteTopicsRequestData.DeleteTopicState> wanted = new ArrayList<>();
        if (version >= 6) {
            wanted.addAll(req.topics());
        } else {
            for (String name : req.topicNames()) {
                wanted.add(new DeleteTopicsRequestData.DeleteTopicState().setName(name));
            }
        }
        final DeleteTopicsResponseData data = new DeleteTopicsResponseData();
        for (DeleteTopicsRequestData.DeleteTopicState w : wanted) {
            final DeleteTopicsResponseData.DeletableTopicResult r = new DeleteTopicsResponseData.DeletableTopicResult()
                    .setName(w.name());
            if (version >= 6) {
                r.setTopicId(w.topicId());
            }
            try {
                String name = w.name();
                if (name == null) {
                    name = catalog.topic(w.topicId()).map(TopicCatalog.Topic::name)
                            .orElseThrow(() -> new UnknownTopicIdException("Topic id " + w.topicId() + " does not exist."));
                }
                final TopicCatalog.Topic deleted = catalog.delete(name);
                producerStates.forget(name);
                waiters.wakeTopic(name);
                r.setName(name);
                if (version >= 6) {
                    r.setTopicId(deleted.id());
                }
            } catch (RuntimeException e) {
                r.setErrorCode(ErrorMapping.error(e).code());
                if (version >= 5) {
                    r.setErrorMessage(ErrorMapping.message(e));
                }
            }
            data.responses().add(r);
        }
        return data;
    }

    private CreatePartitionsResponseData createPartitions(final CreatePartitionsRequestData req) {
        final CreatePartitionsResponseData data = new CreatePartitionsResponseData();
        long added = 0;
        for (CreatePartitionsRequestData.CreatePartitionsTopic t : req.topics()) {
            final int current = catalog.topic(t.name()).map(TopicCatalog.Topic::partitions).orElse(t.count());
            added += Math.max(0, (long) t.count() - current);
        }
        if (added > MAX_PARTITIONS_PER_REQUEST) {
            // Kafka's controller fails the whole batch (BoundedListTooLongException) with this message.
            for (CreatePartitionsRequestData.CreatePartitionsTopic t : req.topics()) {
                data.results().add(new CreatePartitionsResponseData.CreatePartitionsTopicResult().setName(t.name())
                        .setErrorCode(Errors.POLICY_VIOLATION.code())
                        .setErrorMessage("Unable to perform excessively large batch operation."));
            }
            return data;
        }
        for (CreatePartitionsRequestData.CreatePartitionsTopic t : req.topics()) {
            final CreatePartitionsResponseData.CreatePartitionsTopicResult r =
                    new CreatePartitionsResponseData.CreatePartitionsTopicResult().setName(t.name());
            try {
                if (t.assignments() != null) {
                    for (CreatePartitionsRequestData.CreatePartitionsAssignment a : t.assignments()) {
                        if (a.brokerIds().size() != 1 || a.brokerIds().get(0) != nodeId) {
                            throw new InvalidReplicaAssignmentException("The manual partition assignment includes "
                                    + "broker(s) " + a.brokerIds() + "; the only broker is " + nodeId + ".");
                        }
                    }
                }
                if (req.validateOnly()) {
                    catalog.validateIncrease(t.name(), t.count());
                } else {
                    catalog.increasePartitions(t.name(), t.count());
                }
            } catch (RuntimeException e) {
                r.setErrorCode(ErrorMapping.error(e).code()).setErrorMessage(ErrorMapping.message(e));
            }
            data.results().add(r);
        }
        return data;
    }
}
