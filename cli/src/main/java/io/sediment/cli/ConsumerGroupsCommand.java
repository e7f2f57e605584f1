package io.sediment.cli;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.GroupNotEmptyException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/**
 * {@code kafka-consumer-groups.sh}: {@code --list}, {@code --describe} (Kafka's columns GROUP TOPIC PARTITION
 * CURRENT-OFFSET LOG-END-OFFSET LAG CONSUMER-ID HOST CLIENT-ID, aligned as Kafka aligns them),
 * {@code --reset-offsets} ({@code --to-earliest|--to-latest|--to-offset|--shift-by}, planned unless
 * {@code --execute}) and {@code --delete}, through Admin's group APIs.
 */
@Command(name = "consumer-groups", description = "List, describe, reset and delete consumer groups.", mixinStandardHelpOptions = true)
final class ConsumerGroupsCommand implements Callable<Integer> {
    private final Terminal terminal;

    ConsumerGroupsCommand(final Terminal terminal) {
        this.terminal = terminal;
    }

    static final class Action {
        @Option(names = "--list", required = true, description = "List all consumer groups.") boolean list;
        @Option(names = "--describe", required = true, description = "Describe a consumer group: offsets, lag and members.") boolean describe;
        @Option(names = "--reset-offsets", required = true, description = "Reset a group's offsets (needs --to-*, and --execute to apply).") boolean reset;
        @Option(names = "--delete", required = true, description = "Delete a consumer group.") boolean delete;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Action action;

    @Option(names = "--bootstrap-server", required = true, paramLabel = "server to connect to", description = "REQUIRED: The server(s) to connect to.")
    String bootstrapServer;

    @Option(names = "--command-config", paramLabel = "command config property file", description = "Property file containing configs to be passed to Admin Client.")
    Path commandConfig;

    @Option(names = "--group", paramLabel = "consumer group", description = "The consumer group.")
    String group;

    @Option(names = "--topic", paramLabel = "topic", description = "With --reset-offsets: the topic whose offsets to reset (all the group's topics when absent).")
    String topic;

    @Option(names = "--to-earliest", description = "Reset offsets to the earliest offset.") boolean toEarliest;
    @Option(names = "--to-latest", description = "Reset offsets to the latest offset.") boolean toLatest;
    @Option(names = "--to-offset", paramLabel = "offset", description = "Reset offsets to this offset.") Long toOffset;
    @Option(names = "--shift-by", paramLabel = "n", description = "Move offsets by n (may be negative).") Long shiftBy;
    @Option(names = "--execute", description = "Apply the reset (otherwise it is only planned and printed).") boolean execute;
    @Option(names = "--dry-run", description = "Only print the planned reset (the default).") boolean dryRun;

    @Override
    public Integer call() {
        final BrokerConnection connection = new BrokerConnection(bootstrapServer, commandConfig);
        try (Admin admin = connection.admin()) {
            if (action.list) {
                connection.get(admin.listGroups().all()).stream().map(GroupListing::groupId).sorted()
                        .forEach(terminal.out()::println);
                return 0;
            }
            if (group == null) {
                throw new CliException("Option [describe|reset-offsets|delete] takes the option [group]", 2);
            }
            if (action.describe) {
                return describe(connection, admin);
            }
            if (action.reset) {
                return reset(connection, admin);
            }
            try {
                connection.get(admin.deleteConsumerGroups(List.of(group)).all());
            } catch (GroupIdNotFoundException e) {
                throw new CliException("Error: Deletion of some consumer groups failed:\n* Group '" + group
                        + "' could not be deleted due to: " + e);
            } catch (GroupNotEmptyException e) {
                throw new CliException("Error: Deletion of some consumer groups failed:\n* Group '" + group
                        + "' could not be deleted due to: " + e);
            }
            terminal.out().println("Deletion of requested consumer groups ('" + group + "') was successful.");
            return 0;
        } catch (KafkaException e) {
            throw new CliException("Error: Executing consumer group command failed due to " + e.getMessage());
        }
    }

    private ConsumerGroupDescription description(final BrokerConnection connection, final Admin admin) {
        final ConsumerGroupDescription d;
        try {
            d = connection.get(admin.describeConsumerGroups(List.of(group)).all()).get(group);
        } catch (GroupIdNotFoundException e) {
            throw new CliException("Error: Consumer group '" + group + "' does not exist.");
        }
        if (d.groupState() == GroupState.DEAD) {
            throw new CliException("Error: Consumer group '" + group + "' does not exist.");
        }
        return d;
    }

    private int describe(final BrokerConnection connection, final Admin admin) {
        final ConsumerGroupDescription d = description(connection, admin);
        final Map<TopicPartition, OffsetAndMetadata> committed =
                connection.get(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata());
        final Map<TopicPartition, MemberDescription> owners = new HashMap<>();
        for (MemberDescription m : d.members()) {
            m.assignment().topicPartitions().forEach(tp -> owners.put(tp, m));
        }
        final TreeMap<TopicPartition, Long> rows = new TreeMap<>(Comparator.comparing(TopicPartition::topic)
                .thenComparingInt(TopicPartition::partition));
        committed.forEach((tp, o) -> rows.put(tp, o == null ? null : o.offset()));
        owners.keySet().forEach(tp -> rows.putIfAbsent(tp, null));
        final Map<TopicPartition, Long> ends = ends(connection, admin, rows.keySet(), OffsetSpec.latest());
        if (d.members().isEmpty()) {
            terminal.err().println("\nConsumer group '" + group + "' has no active members.");
        }
        int groupLen = Math.max(15, group.length());
        int topicLen = 15;
        int idLen = 15;
        int hostLen = 15;
        for (TopicPartition tp : rows.keySet()) {
            topicLen = Math.max(topicLen, tp.topic().length());
            final MemberDescription m = owners.get(tp);
            if (m != null) {
                idLen = Math.max(idLen, m.consumerId().length());
                hostLen = Math.max(hostLen, m.host().length());
            }
        }
        final String format = "\n%" + -groupLen + "s %" + -topicLen + "s %-10s %-15s %-15s %-15s %" + -idLen + "s %" + -hostLen + "s %s";
        final PrintStream out = terminal.out();
        out.printf(format, "GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "CONSUMER-ID", "HOST", "CLIENT-ID");
        for (Map.Entry<TopicPartition, Long> row : rows.entrySet()) {
            final TopicPartition tp = row.getKey();
            final Long current = row.getValue();
            final Long end = ends.get(tp);
            final MemberDescription m = owners.get(tp);
            out.printf(format, group, tp.topic(), tp.partition(), current == null ? "-" : current,
                    end == null ? "-" : end, current == null || end == null ? "-" : Math.max(0, end - current),
                    m == null ? "-" : m.consumerId(), m == null ? "-" : m.host(), m == null ? "-" : m.clientId());
        }
        out.println();
        return 0;
    }

    private Map<TopicPartition, Long> ends(final BrokerConnection connection, final Admin admin,
                                           final java.util.Collection<TopicPartition> partitions, final OffsetSpec spec) {
        final Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        partitions.forEach(tp -> request.put(tp, spec));
        final Map<TopicPartition, Long> result = new HashMap<>();
        if (request.isEmpty()) {
            return result;
        }
        final Map<TopicPartition, ListOffsetsResultInfo> infos = connection.get(admin.listOffsets(request).all());
        infos.forEach((tp, info) -> result.put(tp, info.offset()));
        return result;
    }

    private int reset(final BrokerConnection connection, final Admin admin) {
        final int plans = (toEarliest ? 1 : 0) + (toLatest ? 1 : 0) + (toOffset != null ? 1 : 0) + (shiftBy != null ? 1 : 0);
        if (plans != 1) {
            throw new CliException("Option [reset-offsets] takes exactly one of [to-earliest], [to-latest], [to-offset], [shift-by]", 2);
        }
        if (execute && dryRun) {
            throw new CliException("Option [execute] cannot be used with [dry-run]", 2);
        }
        final ConsumerGroupDescription d = description(connection, admin);
        if (execute && !d.members().isEmpty()) {
            throw new CliException("Error: Assignments can only be reset if the group '" + group
                    + "' is inactive, but the current state is " + d.groupState() + ".");
        }
        final Map<TopicPartition, OffsetAndMetadata> committed =
                connection.get(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata());
        final List<TopicPartition> partitions = new ArrayList<>();
        if (topic != null) {
            final TopicDescription td;
            try {
                td = connection.get(admin.describeTopics(List.of(topic)).allTopicNames()).get(topic);
            } catch (UnknownTopicOrPartitionException e) {
                throw new CliException("Error: Executing consumer group command failed due to topic '" + topic + "' does not exist");
            }
            for (TopicPartitionInfo p : td.partitions()) {
                partitions.add(new TopicPartition(topic, p.partition()));
            }
        } else {
            partitions.addAll(committed.keySet());
        }
        partitions.sort(Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
        final Map<TopicPartition, Long> earliest = ends(connection, admin, partitions, OffsetSpec.earliest());
        final Map<TopicPartition, Long> latest = ends(connection, admin, partitions, OffsetSpec.latest());
        final Map<TopicPartition, OffsetAndMetadata> target = new TreeMap<>(Comparator.comparing(TopicPartition::topic)
                .thenComparingInt(TopicPartition::partition));
        for (TopicPartition tp : partitions) {
            final long lo = earliest.get(tp);
            final long hi = latest.get(tp);
            final long wanted;
            if (toEarliest) {
                wanted = lo;
            } else if (toLatest) {
                wanted = hi;
            } else if (toOffset != null) {
                wanted = toOffset;
            } else {
                final OffsetAndMetadata c = committed.get(tp);
                wanted = (c == null ? lo : c.offset()) + shiftBy;
            }
            // As Kafka: an offset outside the log is clamped to its nearest end.
            target.put(tp, new OffsetAndMetadata(Math.max(lo, Math.min(hi, wanted))));
        }
        if (execute) {
            connection.get(admin.alterConsumerGroupOffsets(group, target).all());
        }
        final String format = "\n%-30s %-30s %-10s %-15s";
        terminal.out().printf(format, "GROUP", "TOPIC", "PARTITION", "NEW-OFFSET");
        target.forEach((tp, o) -> terminal.out().printf(format, group, tp.topic(), tp.partition(), o.offset()));
        terminal.out().println();
        return 0;
    }
}
