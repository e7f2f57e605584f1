package io.sediment.cli;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code kafka-console-producer.sh}: one record per line of stdin. With {@code --property parse.key=true} a line
 * is split at the first {@code key.separator} (default tab) into key and value; {@code null.marker} turns a key
 * or value equal to it into null; {@code ignore.error=true} sends lines without a separator with a null key.
 *
 * <p>Producer settings follow Kafka's console producer (acks=-1, linger 1000 ms unless {@code --sync}), then
 * {@code --producer.config}, then {@code --producer-property}. A send failure is printed on stderr as Kafka's
 * {@code ErrorLoggingCallback} does and makes the exit code 1; reading carries on.
 */
@Command(name = "console-producer", description = "Read lines from stdin and produce them to a topic.", mixinStandardHelpOptions = true)
final class ConsoleProducerCommand implements Callable<Integer> {
    private final Terminal terminal;

    ConsoleProducerCommand(final Terminal terminal) {
        this.terminal = terminal;
    }

    @Option(names = "--bootstrap-server", required = true, paramLabel = "server", description = "REQUIRED: The server(s) to connect to.")
    String bootstrapServer;

    @Option(names = "--topic", required = true, paramLabel = "topic", description = "REQUIRED: The topic to produce messages to.")
    String topic;

    @Option(names = "--property", paramLabel = "prop", description = "Line reader properties: parse.key, key.separator, ignore.error, null.marker (repeatable).")
    List<String> properties = new ArrayList<>();

    @Option(names = "--producer-property", paramLabel = "producer_prop", description = "A producer property key=value (repeatable).")
    List<String> producerProperties = new ArrayList<>();

    @Option(names = {"--producer.config", "--command-config"}, paramLabel = "config file", description = "Producer config properties file.")
    Path producerConfig;

    @Option(names = "--sync", description = "Send each message synchronously.")
    boolean sync;

    @Option(names = "--request-required-acks", paramLabel = "acks", description = "The required acks of the producer requests (default -1).")
    String acks = "-1";

    @Option(names = "--compression-codec", paramLabel = "codec", arity = "0..1", fallbackValue = "gzip",
            description = "none, gzip, snappy, lz4 or zstd (default none; gzip when given without a value).")
    String compression = "none";

    @Option(names = "--timeout", paramLabel = "timeout_ms", description = "Linger time in ms when sending asynchronously (default 1000).")
    int lingerMs = 1000;

    @Override
    public Integer call() throws IOException {
        final BrokerConnection connection = new BrokerConnection(bootstrapServer, producerConfig);
        final Properties reader = ClientProperties.parse("--property", properties);
        final boolean parseKey = Boolean.parseBoolean(reader.getProperty("parse.key", "false"));
        final boolean ignoreError = Boolean.parseBoolean(reader.getProperty("ignore.error", "false"));
        final String separator = ClientProperties.unescape(reader.getProperty("key.separator", "\t"));
        final String nullMarker = reader.getProperty("null.marker");

        final Properties p = new Properties();
        p.setProperty(ProducerConfig.ACKS_CONFIG, acks);
        p.setProperty(ProducerConfig.LINGER_MS_CONFIG, sync ? "0" : Integer.toString(lingerMs));
        p.setProperty(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression);
        p.setProperty(ProducerConfig.CLIENT_ID_CONFIG, "console-producer");
        p.putAll(connection.properties());
        p.putAll(ClientProperties.parse("--producer-property", producerProperties));
        connection.probe();

        final AtomicReference<Exception> failure = new AtomicReference<>();
        final BufferedReader in = new BufferedReader(new InputStreamReader(terminal.in(), StandardCharsets.UTF_8));
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            String line;
            int lineNumber = 0;
            while ((line = in.readLine()) != null) {
                lineNumber++;
                String key = null;
                String value = line;
                if (parseKey) {
                    final int at = line.indexOf(separator);
                    if (at < 0) {
                        if (!ignoreError) {
                            throw new CliException("No key separator found on line number " + lineNumber + ": '" + line + "'");
                        }
                    } else {
                        key = line.substring(0, at);
                        value = line.substring(at + separator.length());
                    }
                }
                final byte[] k = key == null || key.equals(nullMarker) ? null : key.getBytes(StandardCharsets.UTF_8);
                final byte[] v = value.equals(nullMarker) ? null : value.getBytes(StandardCharsets.UTF_8);
                final ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, k, v);
                final var sent = producer.send(record, (metadata, e) -> {
                    if (e != null) {
                        terminal.err().println("Error when sending message to topic " + topic + " with key: "
                                + (k == null ? "null" : k.length + " bytes") + ", value: "
                                + (v == null ? "null" : v.length + " bytes") + " with error: " + e.getMessage());
                        failure.compareAndSet(null, e);
                    }
                });
                if (sync) {
                    try {
                        sent.get();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return 1;
                    } catch (java.util.concurrent.ExecutionException e) {
                        // Reported by the callback.
                    }
                }
            }
            producer.flush();
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            throw new CliException(e.getMessage());
        }
        return failure.get() == null ? 0 : 1;
    }
}
