package io.sediment.cli;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;

/**
 * {@code kafka-get-offsets.sh}: the offset of every matching partition for {@code --time}: {@code -1}/{@code latest}
 * (default), {@code -2}/{@code earliest}, {@code -3}/{@code max-timestamp}, {@code -4}/{@code earliest-local}, or
 * a timestamp in ms (the first offset whose timestamp is at least that). Printed as Kafka's GetOffsetShell
 * prints them, {@code topic:partition:offset}, sorted by topic and partition; a partition with no offset for the
 * timestamp is left out, as in Kafka.
 */
@Command(name = "get-offsets", description = "Print the offsets of topic partitions at a time.", mixinStandardHelpOptions = true)
final class GetOffsetsCommand implements Callable<Integer> {
    private final Terminal terminal;

    GetOffsetsCommand(final Terminal terminal) {
        this.terminal = terminal;
    }

    @Option(names = {"--bootstrap-server", "--broker-list"}, required = true, paramLabel = "HOST1:PORT1,...", description = "REQUIRED: The server(s) to connect to.")
    String bootstrapServer;

    @Option(names = "--command-config", paramLabel = "config file", description = "Property file containing configs to be passed to Admin Client.")
    Path commandConfig;

    @Option(names = "--topic", paramLabel = "topic", description = "The topic to get the offsets for (a regular expression; all topics when absent).")
    String topic;

    @Option(names = "--partitions", paramLabel = "partition ids", description = "Comma-separated list of partition ids (all when absent).")
    String partitions;

    @Option(names = "--time", paramLabel = "<timestamp> / -1 or latest / -2 or earliest / -3 or max-timestamp / -4 or earliest-local",
            description = "Timestamp of the offsets (default -1, latest).")
    String time = "-1";

    @Option(names = "--exclude-internal-topics", description = "Exclude internal topics when no --topic is given.")
    boolean excludeInternal;

    @Override
    public Integer call() {
        final OffsetSpec spec = spec(time);
        final Set<Integer> wanted = parsePartitions(partitions);
        final BrokerConnection connection = new BrokerConnection(bootstrapServer, commandConfig);
        try (Admin admin = connection.admin()) {
            final Pattern pattern = topic == null ? null : Pattern.compile(topic);
            final List<String> names = connection.get(admin.listTopics(new ListTopicsOptions()
                    .listInternal(topic != null || !excludeInternal)).names()).stream()
                    .filter(n -> pattern == null || pattern.matcher(n).matches()).sorted().toList();
            if (topic != null && names.isEmpty()) {
                throw new CliException("Could not match any topic-partitions with the specified filters");
            }
            final Map<String, TopicDescription> described = connection.get(admin.describeTopics(names).allTopicNames());
            final Map<TopicPartition, OffsetSpec> request = new LinkedHashMap<>();
            for (String name : names) {
                for (TopicPartitionInfo p : described.get(name).partitions()) {
                    if (wanted.isEmpty() || wanted.contains(p.partition())) {
                        request.put(new TopicPartition(name, p.partition()), spec);
                    }
                }
            }
            if (request.isEmpty()) {
                throw new CliException("Could not match any topic-partitions with the specified filters");
            }
            final Map<TopicPartition, ListOffsetsResultInfo> offsets = connection.get(admin.listOffsets(request).all());
            final List<TopicPartition> sorted = new ArrayList<>(offsets.keySet());
            sorted.sort(Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
            for (TopicPartition tp : sorted) {
                final long offset = offsets.get(tp).offset();
                if (offset >= 0) {
                    terminal.out().println(tp.topic() + ":" + tp.partition() + ":" + offset);
                }
            }
        }
        return 0;
    }

    static OffsetSpec spec(final String time) {
        switch (time.trim()) {
            case "-1", "latest": return OffsetSpec.latest();
            case "-2", "earliest": return OffsetSpec.earliest();
            case "-3", "max-timestamp": return OffsetSpec.maxTimestamp();
            case "-4", "earliest-local": return OffsetSpec.earliestLocal();
            case "-5", "latest-tiered": return OffsetSpec.latestTiered();
            default:
                try {
                    final long ts = Long.parseLong(time.trim());
                    if (ts < 0) {
                        throw new NumberFormatException();
                    }
                    return OffsetSpec.forTimestamp(ts);
                } catch (NumberFormatException e) {
                    throw new CliException("Malformed time argument " + time + ". Please use -1 or latest / -2 or earliest "
                            + "/ -3 or max-timestamp / -4 or earliest-local / -5 or latest-tiered, or a specified long format timestamp", 2);
                }
        }
    }

    private static Set<Integer> parsePartitions(final String list) {
        final Set<Integer> set = new HashSet<>();
        if (list == null || list.isBlank()) {
            return set;
        }
        for (String s : list.split(",")) {
            try {
                set.add(Integer.parseInt(s.trim()));
            } catch (NumberFormatException e) {
                throw new CliException("Invalid partition id '" + s.trim() + "' in --partitions", 2);
            }
        }
        return set;
    }
}
