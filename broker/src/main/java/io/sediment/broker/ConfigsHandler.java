package io.sediment.broker;

import io.sediment.api.InvalidConfigException;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AlterConfigsRequest;
import org.apache.kafka.common.requests.DescribeConfigsRequest;
import org.apache.kafka.common.requests.IncrementalAlterConfigsRequest;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * DescribeConfigs, AlterConfigs and IncrementalAlterConfigs. Topic configs are persisted in the
 * {@link TopicCatalog} and applied to the live logs at once; broker configs are described (read-only, as set in
 * {@code server.properties}) but not altered: Sediment has no dynamic broker configs.
 */
final class ConfigsHandler implements ApiHandler {
    private static final byte TOPIC = ConfigResource.Type.TOPIC.id();
    private static final byte BROKER = ConfigResource.Type.BROKER.id();

    private final TopicCatalog catalog;
    private final ConfigDescriber describer;
    private final int nodeId;

    ConfigsHandler(final TopicCatalog catalog, final ConfigDescriber describer, final int nodeId) {
        this.catalog = catalog;
        this.describer = describer;
        this.nodeId = nodeId;
    }

    @Override
    public Map<ApiKeys, short[]> versions() {
        return Map.of(ApiKeys.DESCRIBE_CONFIGS, new short[]{1, 4}, ApiKeys.ALTER_CONFIGS, new short[]{0, 2},
                ApiKeys.INCREMENTAL_ALTER_CONFIGS, new short[]{0, 1});
    }

    @Override
    public CompletableFuture<Response> handle(final InboundRequest request) {
        return CompletableFuture.completedFuture(Response.of(switch (request.header().apiKey()) {
            case DESCRIBE_CONFIGS -> describe(((DescribeConfigsRequest) request.body()).data());
            case ALTER_CONFIGS -> alter(((AlterConfigsRequest) request.body()).data());
            case INCREMENTAL_ALTER_CONFIGS -> incrementalAlter(((IncrementalAlterConfigsRequest) request.body()).data());
            default -> throw new IllegalArgumentException(request.header().apiKey().toString());
        }));
    }

    private DescribeConfigsResponseData describe(final DescribeConfigsRequestData req) {
        final DescribeConfigsResponseData data = new DescribeConfigsResponseData();
        for (DescribeConfigsRequestData.DescribeConfigsResource res : req.resources()) {
            final DescribeConfigsResponseData.DescribeConfigsResult r = new DescribeConfigsResponseData.DescribeConfigsResult()
                    .setResourceType(res.resourceType()).setResourceName(res.resourceName());
            try {
                if (res.resourceType() == TOPIC) {
                    final TopicCatalog.Topic t = catalog.topic(res.resourceName()).orElseThrow(() ->
                            new UnknownTopicOrPartitionException("Topic " + res.resourceName() + " does not exist."));
                    r.setConfigs(describer.topic(t.overrides(), res.configurationKeys(), req.includeSynonyms()));
                } else if (res.resourceType() == BROKER) {
                    checkBroker(res.resourceName());
                    // The empty name is the cluster-wide dynamic default: there is none here.
                    r.setConfigs(res.resourceName().isEmpty() ? List.of()
                            : describer.broker(res.configurationKeys(), req.includeSynonyms()));
                } else {
                    throw new InvalidRequestException("Sediment describes TOPIC and BROKER configs only, not "
                            + ConfigResource.Type.forId(res.resourceType()));
                }
            } catch (RuntimeException e) {
                r.setErrorCode(ErrorMapping.error(e).code()).setErrorMessage(ErrorMapping.message(e));
            }
            data.results().add(r);
        }
        return data;
    }

    private AlterConfigsResponseData alter(final AlterConfigsRequestData req) {
        final AlterConfigsResponseData data = new AlterConfigsResponseData();
        for (AlterConfigsRequestData.AlterConfigsResource res : req.resources()) {
            final AlterConfigsResponseData.AlterConfigsResourceResponse r = new AlterConfigsResponseData.AlterConfigsResourceResponse()
                    .setResourceType(res.resourceType()).setResourceName(res.resourceName());
            try {
                final String topic = topicToAlter(res.resourceType(), res.resourceName());
                final Map<String, String> overrides = new LinkedHashMap<>();
                for (AlterConfigsRequestData.AlterableConfig c : res.configs()) {
                    if (c.value() != null) {
                        overrides.put(c.name(), c.value());
                    }
                }
                apply(topic, overrides, req.validateOnly());
            } catch (RuntimeException e) {
                r.setErrorCode(ErrorMapping.error(e).code()).setErrorMessage(ErrorMapping.message(e));
            }
            data.responses().add(r);
        }
        return data;
    }

    private IncrementalAlterConfigsResponseData incrementalAlter(final IncrementalAlterConfigsRequestData req) {
        final IncrementalAlterConfigsResponseData data = new IncrementalAlterConfigsResponseData();
        for (IncrementalAlterConfigsRequestData.AlterConfigsResource res : req.resources()) {
            final IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse r =
                    new IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse()
                            .setResourceType(res.resourceType()).setResourceName(res.resourceName());
            try {
                final String topic = topicToAlter(res.resourceType(), res.resourceName());
                final Map<String, String> overrides = new LinkedHashMap<>(catalog.topic(topic).orElseThrow().overrides());
                for (IncrementalAlterConfigsRequestData.AlterableConfig c : res.configs()) {
                    switch (c.configOperation()) {
                        case 0 -> { // SET
                            if (c.value() == null) {
                                throw new InvalidConfigException(c.name(), null, "Null value not supported for SET");
                            }
                            overrides.put(c.name(), c.value());
                        }
                        case 1 -> { // DELETE
                            if (!ConfigDescriber.isTopicKey(c.name())) {
                                throw new InvalidConfigException(c.name(), c.value(), "Unknown topic config name");
                            }
                            overrides.remove(c.name());
                        }
                        case 2, 3 -> throw new InvalidConfigException(c.name(), c.value(),
                                "APPEND and SUBTRACT apply to list configs only, and " + c.name() + " is not a list");
                        default -> throw new InvalidRequestException("Unknown config operation " + c.configOperation());
                    }
                }
                apply(topic, overrides, req.validateOnly());
            } catch (RuntimeException e) {
                r.setErrorCode(ErrorMapping.error(e).code()).setErrorMessage(ErrorMapping.message(e));
            }
            data.responses().add(r);
        }
        return data;
    }

    private String topicToAlter(final byte type, final String name) {
        if (type == BROKER) {
            checkBroker(name);
            throw new InvalidRequestException("Sediment has no dynamic broker configs: set them in server.properties "
                    + "and restart");
        }
        if (type != TOPIC) {
            throw new InvalidRequestException("Sediment alters TOPIC configs only, not " + ConfigResource.Type.forId(type));
        }
        if (catalog.topic(name).isEmpty()) {
            throw new UnknownTopicOrPartitionException("Topic " + name + " does not exist.");
        }
        return name;
    }

    private void apply(final String topic, final Map<String, String> overrides, final boolean validateOnly) {
        if (validateOnly) {
            catalog.validateOverrides(overrides);
        } else {
            catalog.setOverrides(topic, overrides);
        }
    }

    private void checkBroker(final String name) {
        if (!name.isEmpty() && !name.equals(String.valueOf(nodeId))) {
            throw new InvalidRequestException("Unexpected broker id, expected " + nodeId + " or empty string, but "
                    + "received " + name);
        }
    }
}
