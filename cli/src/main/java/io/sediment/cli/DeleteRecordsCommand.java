package io.sediment.cli;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DeletedRecords;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;

/**
 * {@code kafka-delete-records.sh --offset-json-file f}: moves each listed partition's log start offset up to
 * {@code offset} ({@code -1} means the high watermark), as Kafka's DeleteRecordsCommand does, and prints the new
 * low watermark per partition. The file is
 * {@code {"partitions":[{"topic":"t","partition":0,"offset":50}],"version":1}}; a malformed file names the field
 * that is wrong ({@code partitions[1].offset: expected a number}) and exits 1 before anything is sent.
 */
@Command(name = "delete-records", description = "Delete records below an offset in the given partitions.", mixinStandardHelpOptions = true)
final class DeleteRecordsCommand implements Callable<Integer> {
    private final Terminal terminal;

    DeleteRecordsCommand(final Terminal terminal) {
        this.terminal = terminal;
    }

    @Option(names = "--bootstrap-server", required = true, paramLabel = "server(s) to use for bootstrapping", description = "REQUIRED: The server to connect to.")
    String bootstrapServer;

    @Option(names = "--command-config", paramLabel = "command config property file path", description = "Property file containing configs to be passed to Admin Client.")
    Path commandConfig;

    @Option(names = "--offset-json-file", required = true, paramLabel = "Offset json file path", description = "REQUIRED: The JSON file with the partitions and offsets to delete records below.")
    Path offsetJsonFile;

    @Override
    public Integer call() {
        final Map<TopicPartition, Long> offsets = parse(read(offsetJsonFile), offsetJsonFile.toString());
        final BrokerConnection connection = new BrokerConnection(bootstrapServer, commandConfig);
        try (Admin admin = connection.admin()) {
            terminal.out().println("Executing records delete operation");
            final Map<TopicPartition, RecordsToDelete> request = new LinkedHashMap<>();
            offsets.forEach((tp, o) -> request.put(tp, RecordsToDelete.beforeOffset(o)));
            final Map<TopicPartition, KafkaFuture<DeletedRecords>> results = admin.deleteRecords(request).lowWatermarks();
            terminal.out().println("Records delete operation completed:");
            int status = 0;
            for (Map.Entry<TopicPartition, KafkaFuture<DeletedRecords>> e : results.entrySet()) {
                try {
                    terminal.out().println("partition: " + e.getKey() + "\tlow_watermark: " + e.getValue().get().lowWatermark());
                } catch (ExecutionException ex) {
                    if (ex.getCause() instanceof org.apache.kafka.common.errors.TimeoutException) {
                        throw connection.unreachable();
                    }
                    terminal.out().println("partition: " + e.getKey() + "\terror: " + ex.getCause());
                    status = 1;
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    return 1;
                }
            }
            return status;
        }
    }

    private static String read(final Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new CliException("No such file: " + file);
        } catch (IOException e) {
            throw new CliException("Cannot read " + file + ": " + e.getMessage());
        }
    }

    /** The partitions and offsets of an offset JSON document; errors name the file and the field. */
    static Map<TopicPartition, Long> parse(final String text, final String source) {
        final Object root;
        try {
            root = Json.parse(text);
        } catch (CliException e) {
            throw new CliException("Malformed offset JSON in " + source + ": " + e.getMessage());
        }
        if (!(root instanceof Map<?, ?> doc)) {
            throw malformed(source, "(top level)", "expected an object");
        }
        final Object version = doc.get("version");
        if (version != null && !(version instanceof Long v && v == 1)) {
            throw malformed(source, "version", "unsupported version " + version + " (expected 1)");
        }
        final Object partitions = doc.get("partitions");
        if (partitions == null) {
            throw malformed(source, "partitions", "missing");
        }
        if (!(partitions instanceof List<?> list)) {
            throw malformed(source, "partitions", "expected an array");
        }
        if (list.isEmpty()) {
            throw malformed(source, "partitions", "empty: nothing to delete");
        }
        final Map<TopicPartition, Long> offsets = new LinkedHashMap<>();
        for (int i = 0; i < list.size(); i++) {
            final String at = "partitions[" + i + "]";
            if (!(list.get(i) instanceof Map<?, ?> entry)) {
                throw malformed(source, at, "expected an object");
            }
            final Object topic = entry.get("topic");
            if (!(topic instanceof String name) || name.isEmpty()) {
                throw malformed(source, at + ".topic", topic == null ? "missing" : "expected a topic name");
            }
            final long partition = integer(entry.get("partition"), source, at + ".partition");
            if (partition < 0 || partition > Integer.MAX_VALUE) {
                throw malformed(source, at + ".partition", "out of range: " + partition);
            }
            final long offset = integer(entry.get("offset"), source, at + ".offset");
            if (offset < -1) {
                throw malformed(source, at + ".offset", "must be -1 (high watermark) or a non-negative offset, not " + offset);
            }
            final TopicPartition tp = new TopicPartition(name, (int) partition);
            if (offsets.put(tp, offset) != null) {
                throw malformed(source, at, "duplicate partition " + tp);
            }
        }
        return offsets;
    }

    private static long integer(final Object value, final String source, final String field) {
        if (value == null) {
            throw malformed(source, field, "missing");
        }
        if (!(value instanceof Long l)) {
            throw malformed(source, field, "expected an integer, got " + (value instanceof String s ? "\"" + s + "\"" : value));
        }
        return l;
    }

    private static CliException malformed(final String source, final String field, final String what) {
        return new CliException("Malformed offset JSON in " + source + ": " + field + ": " + what);
    }
}
