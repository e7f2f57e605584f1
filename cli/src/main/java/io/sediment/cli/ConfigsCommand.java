package io.sediment.cli;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.DescribeConfigsOptions;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * {@code kafka-configs.sh} for {@code topics} and {@code brokers}: {@code --describe} prints the dynamic configs
 * (or every config with {@code --all}) as Kafka's {@code ConfigCommand} does —
 * {@code Dynamic configs for topic t are:} then {@code   key=value sensitive=false synonyms={SOURCE:key=value, ...}}
 * — and {@code --alter} applies {@code --add-config k=v,k2=[a,b]} and {@code --delete-config k,k2} with
 * IncrementalAlterConfigs, printing {@code Completed updating config for topic t.}
 *
 * <p>A key that is not a config of the resource fails before anything is sent ({@code Invalid config(s): k} for
 * deletes, the broker's INVALID_CONFIG message for adds); errors print
 * {@code Error while executing config command : <message>} and exit 1.
 */
@Command(name = "configs", description = "Describe and alter topic and broker configs.", mixinStandardHelpOptions = true)
final class ConfigsCommand implements Callable<Integer> {
    private final Terminal terminal;

    ConfigsCommand(final Terminal terminal) {
        this.terminal = terminal;
    }

    static final class Action {
        @Option(names = "--describe", required = true, description = "List configs for the given entity.") boolean describe;
        @Option(names = "--alter", required = true, description = "Alter the configuration for the entity.") boolean alter;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Action action;

    @Option(names = "--bootstrap-server", required = true, paramLabel = "server to connect to", description = "REQUIRED: The Kafka server to connect to.")
    String bootstrapServer;

    @Option(names = "--command-config", paramLabel = "command config property file", description = "Property file containing configs to be passed to Admin Client.")
    Path commandConfig;

    @Option(names = "--entity-type", required = true, paramLabel = "topics|brokers", description = "Type of entity (topics/brokers).")
    String entityType;

    @Option(names = "--entity-name", paramLabel = "entity name", description = "Name of entity (topic name/broker id).")
    String entityName;

    @Option(names = "--topic", paramLabel = "topic", description = "The topic's name (same as --entity-type topics --entity-name <topic>).")
    String topic;

    @Option(names = "--broker", paramLabel = "broker id", description = "The broker's id (same as --entity-type brokers --entity-name <id>).")
    String broker;

    @Option(names = "--add-config", paramLabel = "k1=v1,k2=[v1,v2,v2],k3=v3", description = "Key value pairs of configs to add.")
    String addConfig;

    @Option(names = "--delete-config", paramLabel = "k1,k2", description = "Config keys to remove.")
    String deleteConfig;

    @Option(names = "--all", description = "With --describe, list all configs, not only the dynamic ones.")
    boolean all;

    @Override
    public Integer call() {
        final ConfigResource.Type type = switch (entityType.trim()) {
            case "topics", "topic" -> ConfigResource.Type.TOPIC;
            case "brokers", "broker" -> ConfigResource.Type.BROKER;
            default -> throw new CliException("Invalid entity type " + entityType + ", the entity type must be one of topics, brokers", 2);
        };
        final String name = entityName != null ? entityName : type == ConfigResource.Type.TOPIC ? topic : broker;
        final BrokerConnection connection = new BrokerConnection(bootstrapServer, commandConfig);
        try (Admin admin = connection.admin()) {
            if (action.describe) {
                describe(connection, admin, type, name);
            } else {
                if (name == null) {
                    throw new CliException("An entity name must be specified with --alter of " + entityType, 2);
                }
                alter(connection, admin, new ConfigResource(type, name));
            }
            return 0;
        } catch (KafkaException | IllegalArgumentException e) {
            if (e instanceof CliException) {
                throw e;
            }
            if (e instanceof UnknownTopicOrPartitionException) {
                throw new CliException("Error while executing config command : The topic '" + name + "' does not exist.");
            }
            throw new CliException("Error while executing config command : " + e.getMessage());
        }
    }

    private void describe(final BrokerConnection connection, final Admin admin, final ConfigResource.Type type, final String name) {
        final List<String> names = new ArrayList<>();
        if (name != null) {
            names.add(name);
        } else if (type == ConfigResource.Type.TOPIC) {
            names.addAll(connection.get(admin.listTopics(new ListTopicsOptions().listInternal(true)).names()).stream().sorted().toList());
        } else {
            connection.get(admin.describeCluster().nodes()).stream().sorted(Comparator.comparingInt(Node::id))
                    .forEach(n -> names.add(n.idString()));
        }
        final String label = type == ConfigResource.Type.TOPIC ? "topic" : "broker";
        final ConfigEntry.ConfigSource dynamic = type == ConfigResource.Type.TOPIC
                ? ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG : ConfigEntry.ConfigSource.DYNAMIC_BROKER_CONFIG;
        for (String n : names) {
            final ConfigResource resource = new ConfigResource(type, n);
            final Config config = connection.get(admin.describeConfigs(List.of(resource),
                    new DescribeConfigsOptions().includeSynonyms(true)).all()).get(resource);
            terminal.out().println((all ? "All" : "Dynamic") + " configs for " + label + " " + n + " are:");
            config.entries().stream()
                    .filter(e -> all || e.source() == dynamic)
                    .sorted(Comparator.comparing(ConfigEntry::name))
                    .forEach(e -> terminal.out().println("  " + e.name() + "=" + (e.isSensitive() ? null : e.value())
                            + " sensitive=" + e.isSensitive() + " synonyms={" + e.synonyms().stream()
                            .map(s -> s.source() + ":" + s.name() + "=" + (e.isSensitive() ? null : s.value()))
                            .collect(Collectors.joining(", ")) + "}"));
        }
    }

    private void alter(final BrokerConnection connection, final Admin admin, final ConfigResource resource) {
        final Map<String, String> add = parseAdd(addConfig);
        final List<String> delete = deleteConfig == null ? List.of()
                : java.util.Arrays.stream(deleteConfig.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        if (add.isEmpty() && delete.isEmpty()) {
            throw new CliException("At least one of --add-config or --delete-config must be specified with --alter", 2);
        }
        final Config current = connection.get(admin.describeConfigs(List.of(resource)).all()).get(resource);
        final Set<String> known = current.entries().stream().map(ConfigEntry::name).collect(Collectors.toSet());
        final List<String> unknown = delete.stream().filter(k -> !known.contains(k)).toList();
        if (!unknown.isEmpty()) {
            throw new CliException("Error while executing config command : Invalid config(s): " + String.join(",", unknown));
        }
        final List<AlterConfigOp> ops = new ArrayList<>();
        add.forEach((k, v) -> ops.add(new AlterConfigOp(new ConfigEntry(k, v), AlterConfigOp.OpType.SET)));
        delete.forEach(k -> ops.add(new AlterConfigOp(new ConfigEntry(k, ""), AlterConfigOp.OpType.DELETE)));
        connection.get(admin.incrementalAlterConfigs(Map.of(resource, ops)).all());
        terminal.out().println("Completed updating config for "
                + (resource.type() == ConfigResource.Type.TOPIC ? "topic " : "broker ") + resource.name() + ".");
    }

    /** {@code k1=v1,k2=[a,b]}: commas inside brackets belong to the value, and the brackets are dropped. */
    static Map<String, String> parseAdd(final String spec) {
        final Map<String, String> map = new LinkedHashMap<>();
        if (spec == null || spec.isBlank()) {
            return map;
        }
        final List<String> pairs = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < spec.length(); i++) {
            final char c = spec.charAt(i);
            if (c == '[') {
                depth++;
            } else if (c == ']') {
                depth--;
            } else if (c == ',' && depth == 0) {
                pairs.add(spec.substring(start, i));
                start = i + 1;
            }
        }
        pairs.add(spec.substring(start));
        for (String pair : pairs) {
            final int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new CliException("Error while executing config command : Invalid config '" + pair.trim()
                        + "': all configs to be added must be in the format \"key=val\".");
            }
            String value = pair.substring(eq + 1).trim();
            if (value.startsWith("[") && value.endsWith("]")) {
                value = value.substring(1, value.length() - 1);
            }
            map.put(pair.substring(0, eq).trim(), value);
        }
        return map;
    }
}
