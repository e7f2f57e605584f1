package io.sediment.broker;

import io.sediment.api.InvalidConfigException;
import io.sediment.api.StorageException;
import org.apache.kafka.common.Uuid;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Properties;

/**
 * {@code <log.dir>/meta.properties}, as Kafka names it: {@code version=1}, {@code cluster.id}, {@code node.id}.
 * Written once when the directory is first used; afterwards it pins the cluster id (so clients that cache it see
 * the same cluster after a restart) and refuses a {@code node.id} that differs from the one the data was written
 * under.
 */
final class MetaProperties {
    static final String FILE_NAME = "meta.properties";

    private MetaProperties() {
    }

    /** Returns the cluster id, creating the file on first use. */
    static String loadOrCreate(final Path logDir, final int nodeId) {
        final Path file = logDir.resolve(FILE_NAME);
        final Properties p = new Properties();
        try {
            if (Files.exists(file)) {
                try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                    p.load(r);
                }
                final String stored = p.getProperty("node.id");
                if (stored != null && !stored.equals(String.valueOf(nodeId))) {
                    throw new InvalidConfigException("node.id", nodeId, "the data directory " + logDir
                            + " belongs to node.id " + stored);
                }
                final String clusterId = p.getProperty("cluster.id");
                if (clusterId != null && !clusterId.isBlank()) {
                    return clusterId;
                }
            }
            final String clusterId = Ids.random().toString();
            final Path tmp = logDir.resolve(FILE_NAME + ".tmp");
            // Written by hand rather than with Properties.store, whose date comment loads the time-zone and
            // locale data (~40 ms of a cold start). Every value is [A-Za-z0-9_-]: nothing needs escaping.
            Files.writeString(tmp, "#Sediment broker metadata\nversion=1\ncluster.id=" + clusterId + "\nnode.id="
                    + nodeId + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return clusterId;
        } catch (IOException e) {
            throw new StorageException(file.toString(), "cannot read or write broker metadata", e);
        }
    }
}
