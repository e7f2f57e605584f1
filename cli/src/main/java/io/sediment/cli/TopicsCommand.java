package io.sediment.cli;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.DeleteTopicsOptions;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Collectors;

/**
 * {@code kafka-topics.sh}: create, list, describe, alter (partition count) and delete topics through Admin.
 * Output lines are those of Kafka 4.4's {@code TopicCommand}: {@code --list} prints sorted names,
 * {@code --describe} a tab-separated topic line and one line per partition.
 *
 * <p>{@code --topic} is a regular expression for everything but {@code --create}, as in Kafka (a comma means
 * "or"). Errors print {@code Error while executing topic command : <message>} and exit 1.
 */
@Command(name = "topics", description = "Create, delete, describe, or change a topic.", mixinStandardHelpOptions = true)
final class TopicsCommand implements Callable<Integer> {
    private final Terminal terminal;

    TopicsCommand(final Terminal terminal) {
        this.terminal = terminal;
    }

    static final class Action {
        @Option(names = "--create", required = true, description = "Create a new topic.") boolean create;
        @Option(names = "--list", required = true, description = "List all available topics.") boolean list;
        @Option(names = "--describe", required = true, description = "List details for the given topics.") boolean describe;
        @Option(names = "--alter", required = true, description = "Alter the number of partitions.") boolean alter;
        @Option(names = "--delete", required = true, description = "Delete a topic.") boolean delete;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Action action;

    @Option(names = "--bootstrap-server", required = true, paramLabel = "server", description = "REQUIRED: The Kafka server to connect to.")
    String bootstrapServer;

    @Option(names = "--command-config", paramLabel = "file", description = "Property file containing configs to be passed to Admin Client.")
    Path commandConfig;

    @Option(names = "--topic", paramLabel = "topic", description = "The topic to create, alter, describe or delete (a regular expression except with --create).")
    String topic;

    @Option(names = "--partitions", paramLabel = "# of partitions", description = "The number of partitions for the topic being created or altered.")
    Integer partitions;

    @Option(names = "--replication-factor", paramLabel = "replication factor", description = "The replication factor for each partition in the topic being created.")
    Integer replicationFactor;

    @Option(names = "--config", paramLabel = "name=value", description = "A topic configuration override for the topic being created (repeatable).")
    List<String> configs = new ArrayList<>();

    @Option(names = "--if-not-exists", description = "With --create, do nothing if the topic already exists.")
    boolean ifNotExists;

    @Option(names = "--if-exists", description = "With --alter, --describe or --delete, do nothing if the topic does not exist.")
    boolean ifExists;

    @Option(names = "--exclude-internal", description = "Exclude internal topics when listing or describing topics.")
    boolean excludeInternal;

    @Option(names = "--topics-with-overrides", description = "With --describe, only show topics that have overridden configs.")
    boolean topicsWithOverrides;

    @Override
    public Integer call() {
        final BrokerConnection connection = new BrokerConnection(bootstrapServer, commandConfig);
        try (Admin admin = connection.admin()) {
            if (action.create) {
                create(connection, admin);
            } else if (action.list) {
                final List<String> names = topics(connection, admin);
                terminal.out().println(String.join("\n", names));
            } else if (action.describe) {
                describe(connection, admin);
            } else if (action.alter) {
                alter(connection, admin);
            } else {
                delete(connection, admin);
            }
            return 0;
        } catch (KafkaException | IllegalArgumentException e) {
            if (e instanceof CliException) {
                throw e;
            }
            throw new CliException("Error while executing topic command : " + e.getMessage());
        }
    }

    private void create(final BrokerConnection connection, final Admin admin) {
        if (topic == null) {
            throw new IllegalArgumentException("--topic must be specified");
        }
        if (replicationFactor != null && (replicationFactor > Short.MAX_VALUE || replicationFactor < 1)) {
            throw new IllegalArgumentException("The replication factor must be between 1 and " + Short.MAX_VALUE + " inclusive");
        }
        if (partitions != null && partitions < 1) {
            throw new IllegalArgumentException("The partitions must be greater than 0");
        }
        final NewTopic newTopic = new NewTopic(topic, Optional.ofNullable(partitions),
                Optional.ofNullable(replicationFactor).map(Integer::shortValue));
        newTopic.configs(parseConfigs(configs));
        if (topic.contains(".") || topic.contains("_")) {
            terminal.out().println("WARNING: Due to limitations in metric names, topics with a period ('.') or underscore ('_') could "
                    + "collide. To avoid issues it is best to use either, but not both.");
        }
        try {
            connection.get(admin.createTopics(List.of(newTopic), new CreateTopicsOptions().retryOnQuotaViolation(false)).all());
            terminal.out().println("Created topic " + topic + ".");
        } catch (TopicExistsException e) {
            if (!ifNotExists) {
                throw e;
            }
        }
    }

    /** {@code name=value} pairs in order; Kafka's message for a pair without {@code =}. */
    static Map<String, String> parseConfigs(final List<String> pairs) {
        final Map<String, String> map = new LinkedHashMap<>();
        for (String pair : pairs) {
            final int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("Invalid topic config: all configs to be added must be in the format \"key=val\".");
            }
            map.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
        }
        return map;
    }

    /** Sorted topic names matching {@code --topic} (all when absent); fails if it names none and must exist. */
    private List<String> topics(final BrokerConnection connection, final Admin admin) {
        final ListTopicsOptions options = new ListTopicsOptions().listInternal(!excludeInternal);
        final List<String> all = connection.get(admin.listTopics(options).names()).stream().sorted().toList();
        if (topic == null) {
            return all;
        }
        final Pattern pattern;
        try {
            pattern = Pattern.compile(topic.trim().replace(',', '|').replace(" ", ""));
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("Invalid topic pattern '" + topic + "': " + e.getDescription());
        }
        return all.stream().filter(t -> pattern.matcher(t).matches()).toList();
    }

    private List<String> existing(final BrokerConnection connection, final Admin admin) {
        final List<String> names = topics(connection, admin);
        if (names.isEmpty() && topic != null && !ifExists) {
            throw new IllegalArgumentException(String.format("Topic '%s' does not exist as expected", topic));
        }
        return names;
    }

    private void describe(final BrokerConnection connection, final Admin admin) {
        final List<String> names = existing(connection, admin);
        if (names.isEmpty()) {
            return;
        }
        final Map<String, TopicDescription> descriptions = connection.get(admin.describeTopics(names).allTopicNames());
        final List<ConfigResource> resources = names.stream()
                .map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList();
        final Map<ConfigResource, Config> configs = connection.get(admin.describeConfigs(resources).all());
        final PrintStream out = terminal.out();
        for (String name : names) {
            final TopicDescription td = descriptions.get(name);
            final Config config = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, name));
            final String overrides = config.entries().stream().filter(e -> !e.isDefault())
                    .map(e -> e.name() + "=" + e.value()).collect(Collectors.joining(","));
            if (topicsWithOverrides && overrides.isEmpty()) {
                continue;
            }
            final List<TopicPartitionInfo> parts = new ArrayList<>(td.partitions());
            parts.sort(Comparator.comparingInt(TopicPartitionInfo::partition));
            final StringBuilder line = new StringBuilder("Topic: ").append(name);
            if (td.topicId() != null && !td.topicId().equals(org.apache.kafka.common.Uuid.ZERO_UUID)) {
                line.append("\tTopicId: ").append(td.topicId());
            }
            line.append("\tPartitionCount: ").append(parts.size())
                    .append("\tReplicationFactor: ").append(parts.isEmpty() ? 0 : parts.get(0).replicas().size())
                    .append("\tConfigs: ").append(overrides);
            out.println(line);
            if (topicsWithOverrides) {
                continue;
            }
            for (TopicPartitionInfo p : parts) {
                out.println("\tTopic: " + name
                        + "\tPartition: " + p.partition()
                        + "\tLeader: " + (p.leader() == null || p.leader().isEmpty() ? "none" : p.leader().id())
                        + "\tReplicas: " + ids(p.replicas())
                        + "\tIsr: " + ids(p.isr())
                        + "\tElr: " + (p.elr() == null ? "N/A" : ids(p.elr()))
                        + "\tLastKnownElr: " + (p.lastKnownElr() == null ? "N/A" : ids(p.lastKnownElr())));
            }
        }
    }

    private static String ids(final List<Node> nodes) {
        return nodes.stream().map(n -> Integer.toString(n.id())).collect(Collectors.joining(","));
    }

    private void alter(final BrokerConnection connection, final Admin admin) {
        if (partitions == null) {
            throw new IllegalArgumentException("--partitions is required with --alter");
        }
        if (!configs.isEmpty()) {
            throw new IllegalArgumentException("Option \"[alter]\" can't be used with option \"[config]\""
                    + " (To alter topic configurations, the kafka-configs tool can be used.)");
        }
        final List<String> names = existing(connection, admin);
        if (names.isEmpty()) {
            return;
        }
        final Map<String, NewPartitions> increase = new LinkedHashMap<>();
        for (String name : names) {
            increase.put(name, NewPartitions.increaseTo(partitions));
        }
        connection.get(admin.createPartitions(increase).all());
    }

    private void delete(final BrokerConnection connection, final Admin admin) {
        final List<String> names = existing(connection, admin);
        if (names.isEmpty()) {
            return;
        }
        connection.get(admin.deleteTopics(names, new DeleteTopicsOptions().retryOnQuotaViolation(false)).all());
    }
}
