package io.sediment.cli;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * {@code kafka-console-consumer.sh}: prints records of one topic, formatted as Kafka's
 * {@code DefaultMessageFormatter} does ({@link RecordFormatter}), and at the end
 * {@code Processed a total of <n> messages} on stderr.
 *
 * <p>With {@code --partition} the consumer is assigned that partition and starts at {@code --offset}
 * ({@code earliest}, {@code latest} or a number; {@code --from-beginning} means earliest). Otherwise it subscribes
 * with {@code --group}, or with a throw-away {@code console-consumer-<n>} group that commits nothing, as Kafka's
 * tool does. It stops after {@code --max-messages}, or when no record arrived for {@code --timeout-ms}.
 *
 * <p>The topic (and partition) must exist: unlike Kafka's tool, which waits silently for a topic that may never
 * come, this one says so and exits 1.
 */
@Command(name = "console-consumer", description = "Consume records from a topic and print them.", mixinStandardHelpOptions = true)
final class ConsoleConsumerCommand implements Callable<Integer> {
    private final Terminal terminal;

    ConsoleConsumerCommand(final Terminal terminal) {
        this.terminal = terminal;
    }

    @Option(names = "--bootstrap-server", required = true, paramLabel = "server", description = "REQUIRED: The server(s) to connect to.")
    String bootstrapServer;

    @Option(names = "--topic", required = true, paramLabel = "topic", description = "The topic to consume on.")
    String topic;

    @Option(names = "--group", paramLabel = "consumer group id", description = "The consumer group id of the consumer.")
    String group;

    @Option(names = "--from-beginning", description = "Start with the earliest message present rather than the latest.")
    boolean fromBeginning;

    @Option(names = "--partition", paramLabel = "partition", description = "The partition to consume from (assigned, no group).")
    Integer partition;

    @Option(names = "--offset", paramLabel = "consume offset", description = "earliest, latest, or an offset (with --partition). Default: latest.")
    String offset;

    @Option(names = "--max-messages", paramLabel = "num_messages", description = "The maximum number of messages to consume before exiting.")
    Integer maxMessages;

    @Option(names = "--timeout-ms", paramLabel = "timeout_ms", description = "Exit if no message is available for consumption for this long.")
    Long timeoutMs;

    @Option(names = {"--property", "--formatter-property"}, paramLabel = "prop", description = "Formatter properties: print.key, print.timestamp, print.offset, print.partition, print.headers, print.value, key.separator, line.separator, null.literal (repeatable).")
    List<String> properties = new ArrayList<>();

    @Option(names = "--consumer-property", paramLabel = "consumer_prop", description = "A consumer property key=value (repeatable).")
    List<String> consumerProperties = new ArrayList<>();

    @Option(names = {"--consumer.config", "--command-config"}, paramLabel = "config file", description = "Consumer config properties file.")
    Path consumerConfig;

    @Override
    public Integer call() {
        if (partition == null && offset != null) {
            throw new CliException("The partition is required when offset is specified.", 2);
        }
        if (partition != null && group != null) {
            throw new CliException("Options group and partition cannot be specified together.", 2);
        }
        if (fromBeginning && offset != null) {
            throw new CliException("Options from-beginning and offset cannot be specified together.", 2);
        }
        final BrokerConnection connection = new BrokerConnection(bootstrapServer, consumerConfig);
        try (Admin admin = connection.admin()) {
            final TopicDescription td;
            try {
                td = connection.get(admin.describeTopics(List.of(topic)).allTopicNames()).get(topic);
            } catch (UnknownTopicOrPartitionException e) {
                throw new CliException("Topic '" + topic + "' does not exist");
            }
            if (partition != null && (partition < 0 || partition >= td.partitions().size())) {
                throw new CliException("Partition " + partition + " does not exist: topic '" + topic + "' has "
                        + td.partitions().size() + " partition(s)");
            }
        }
        final Properties p = new Properties();
        p.putAll(connection.properties());
        p.remove("max.block.ms");
        p.setProperty(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, fromBeginning ? "earliest" : "latest");
        final Properties extra = ClientProperties.parse("--consumer-property", consumerProperties);
        if (group != null) {
            p.setProperty(ConsumerConfig.GROUP_ID_CONFIG, group);
            // Offsets are committed for what was printed (below), never for records fetched but not shown.
            p.setProperty(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        } else if (partition == null && !extra.containsKey(ConsumerConfig.GROUP_ID_CONFIG)
                && !p.containsKey(ConsumerConfig.GROUP_ID_CONFIG)) {
            // A throw-away group, as Kafka's tool uses; committing its offsets would only litter the coordinator.
            p.setProperty(ConsumerConfig.GROUP_ID_CONFIG, "console-consumer-" + ThreadLocalRandom.current().nextInt(100_000));
            p.setProperty(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        }
        p.putAll(extra);
        final RecordFormatter formatter = new RecordFormatter(ClientProperties.parse("--property", properties));
        final PrintStream out = terminal.out();
        long count = 0;
        final CountDownLatch done = new CountDownLatch(1);
        final KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        // Ctrl-C: wake the poll, let the loop commit and print the total, as Kafka's tool does.
        final Thread hook = new Thread(() -> {
            consumer.wakeup();
            try {
                done.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "console-consumer-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try (consumer) {
            if (partition != null) {
                final TopicPartition tp = new TopicPartition(topic, partition);
                consumer.assign(List.of(tp));
                final String start = fromBeginning ? "earliest" : offset == null ? "latest" : offset;
                switch (start) {
                    case "earliest" -> consumer.seekToBeginning(List.of(tp));
                    case "latest" -> consumer.seekToEnd(List.of(tp));
                    default -> consumer.seek(tp, parseOffset(start));
                }
            } else {
                consumer.subscribe(List.of(topic));
            }
            final long limit = maxMessages == null ? Long.MAX_VALUE : maxMessages;
            final Duration pollTimeout = Duration.ofMillis(timeoutMs == null ? Long.MAX_VALUE : timeoutMs);
            final boolean commit = group != null
                    && !"true".equalsIgnoreCase(p.getProperty(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG));
            final Map<TopicPartition, OffsetAndMetadata> printed = new HashMap<>();
            while (count < limit) {
                final ConsumerRecords<byte[], byte[]> records;
                try {
                    records = consumer.poll(pollTimeout);
                } catch (WakeupException e) {
                    break;
                }
                if (records.isEmpty()) {
                    break;
                }
                final Iterator<ConsumerRecord<byte[], byte[]>> it = records.iterator();
                while (it.hasNext() && count < limit) {
                    final ConsumerRecord<byte[], byte[]> r = it.next();
                    out.print(formatter.format(r));
                    count++;
                    printed.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
                }
                if (commit && !printed.isEmpty()) {
                    consumer.commitAsync(Map.copyOf(printed), null);
                }
            }
            out.flush();
            if (commit && !printed.isEmpty()) {
                consumer.commitSync(printed);
            }
        } finally {
            terminal.err().println("Processed a total of " + count + " messages");
            done.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // Already shutting down: the hook is running and waits for this.
            }
        }
        return 0;
    }

    private static long parseOffset(final String s) {
        try {
            final long o = Long.parseLong(s.trim());
            if (o < 0) {
                throw new NumberFormatException();
            }
            return o;
        } catch (NumberFormatException e) {
            throw new CliException("The provided offset value '" + s + "' is incorrect. Valid values are "
                    + "'earliest', 'latest', or a non-negative long.", 2);
        }
    }
}
