package io.sediment.cli;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code kafka-verifiable-producer.sh}: sends {@code --max-messages} values {@code "0"}, {@code "1"}, ... (or
 * {@code <prefix>.<n>}) at most {@code --throughput} per second, and prints one JSON event per line as Kafka's
 * VerifiableProducer does: {@code startup_complete}, one {@code producer_send_success} (with topic, partition,
 * offset) or {@code producer_send_error} per message, {@code shutdown_complete}, and the {@code tool_data}
 * summary ({@code sent}, {@code acked}, {@code target_throughput}, {@code avg_throughput}).
 *
 * <p>Events are printed from the producer's callback thread; {@link PrintStream} serialises the lines. On a
 * terminal a progress bar on stderr counts acknowledged messages; in a pipe only the JSON is written.
 */
@Command(name = "verifiable-producer", description = "Produce a known sequence of values, reporting each acknowledgement as JSON.", mixinStandardHelpOptions = true)
final class VerifiableProducerCommand implements Callable<Integer> {
    private final Terminal terminal;

    VerifiableProducerCommand(final Terminal terminal) {
        this.terminal = terminal;
    }

    @Option(names = {"--bootstrap-server", "--broker-list"}, required = true, paramLabel = "HOST1:PORT1[,HOST2:PORT2[...]]", description = "REQUIRED: The server(s) to connect to.")
    String bootstrapServer;

    @Option(names = "--topic", required = true, paramLabel = "TOPIC", description = "Produce messages to this topic.")
    String topic;

    @Option(names = "--max-messages", paramLabel = "MAX-MESSAGES", description = "Produce this many messages; -1 (default) produces until killed.")
    long maxMessages = -1;

    @Option(names = "--throughput", paramLabel = "THROUGHPUT", description = "Messages per second at most; -1 (default) means no limit.")
    int throughput = -1;

    @Option(names = "--acks", paramLabel = "ACKS", description = "Acks required on each produced message (default -1).")
    int acks = -1;

    @Option(names = "--value-prefix", paramLabel = "VALUE-PREFIX", description = "Values become <prefix>.<n>.")
    Integer valuePrefix;

    @Option(names = "--repeating-keys", paramLabel = "REPEATING-KEYS", description = "Keys cycle through 0..n-1.")
    Integer repeatingKeys;

    @Option(names = "--message-create-time", paramLabel = "CREATETIME", description = "Send messages with this creation time (ms), advancing by the time elapsed.")
    Long createTime;

    @Option(names = {"--producer.config", "--command-config"}, paramLabel = "CONFIG_FILE", description = "Producer config properties file.")
    Path producerConfig;

    @Option(names = "--producer-property", paramLabel = "producer_prop", description = "A producer property key=value (repeatable).")
    List<String> producerProperties = new ArrayList<>();

    @Override
    public Integer call() throws InterruptedException {
        final BrokerConnection connection = new BrokerConnection(bootstrapServer, producerConfig);
        final Properties p = new Properties();
        p.putAll(connection.properties());
        p.setProperty(ProducerConfig.ACKS_CONFIG, Integer.toString(acks));
        p.setProperty(ProducerConfig.RETRIES_CONFIG, "0");
        p.putAll(ClientProperties.parse("--producer-property", producerProperties));
        connection.probe();

        final PrintStream out = terminal.out();
        final AtomicLong acked = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        long sent = 0;
        final long startMs = System.currentTimeMillis();
        final ProgressBar bar = terminal.interactive() && maxMessages > 0 ? new ProgressBarBuilder().setTaskName("produce")
                .setInitialMax(maxMessages).setStyle(ProgressBarStyle.ASCII)
                .setConsumer(new ConsoleProgressBarConsumer(terminal.err())).build() : null;
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            out.println(event("startup_complete", ""));
            for (long i = 0; maxMessages < 0 || i < maxMessages; i++) {
                if (throughput > 0) {
                    // Kafka's throttle: never ahead of i / throughput seconds since the start.
                    final long due = startMs + i * 1000 / throughput;
                    final long wait = due - System.currentTimeMillis();
                    if (wait > 0) {
                        Thread.sleep(wait);
                    }
                }
                final String value = valuePrefix == null ? Long.toString(i) : valuePrefix + "." + i;
                final String key = repeatingKeys == null ? null : Long.toString(i % repeatingKeys);
                final Long timestamp = createTime == null ? null : createTime + System.currentTimeMillis() - startMs;
                producer.send(new ProducerRecord<>(topic, null, timestamp, key, value), (metadata, e) -> {
                    if (e == null) {
                        acked.incrementAndGet();
                        out.println(event("producer_send_success", ",\"key\":" + str(key) + ",\"value\":" + str(value)
                                + ",\"offset\":" + metadata.offset() + ",\"topic\":" + str(metadata.topic())
                                + ",\"partition\":" + metadata.partition()));
                    } else {
                        failed.incrementAndGet();
                        out.println(event("producer_send_error", ",\"exception\":" + str(e.getClass().toString())
                                + ",\"message\":" + str(e.getMessage()) + ",\"topic\":" + str(topic)
                                + ",\"key\":" + str(key) + ",\"value\":" + str(value)));
                    }
                    if (bar != null) {
                        bar.step();
                    }
                });
                sent++;
            }
            producer.flush();
        } finally {
            if (bar != null) {
                bar.close();
            }
        }
        out.println(event("shutdown_complete", ""));
        final double seconds = Math.max(1, System.currentTimeMillis() - startMs) / 1000.0;
        out.println(event("tool_data", ",\"sent\":" + sent + ",\"acked\":" + acked.get() + ",\"target_throughput\":"
                + throughput + ",\"avg_throughput\":" + (acked.get() / seconds)));
        return failed.get() == 0 ? 0 : 1;
    }

    private static String event(final String name, final String rest) {
        return "{\"timestamp\":" + System.currentTimeMillis() + ",\"name\":\"" + name + "\"" + rest + "}";
    }

    /** A JSON string literal, or {@code null}. */
    static String str(final String s) {
        if (s == null) {
            return "null";
        }
        final StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
