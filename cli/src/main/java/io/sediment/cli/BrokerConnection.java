package io.sediment.cli;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.TimeoutException;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.ExecutionException;

/**
 * How every networked command reaches a broker: client properties from {@code --bootstrap-server} and
 * {@code --command-config}, with waits bounded so that an unreachable address fails in
 * {@value #DEFAULT_TIMEOUT_MS} ms (not kafka-clients' 60 s), and a probe that turns "no answer" into
 * {@code Cannot reach broker at <address> within <n> ms}.
 *
 * <p>Properties from the command-config file win over the bounded defaults, so a user can wait longer.
 * Not thread-safe; one per command run.
 */
final class BrokerConnection {
    static final int DEFAULT_TIMEOUT_MS = 10_000;

    private final String bootstrap;
    private final Properties base;

    BrokerConnection(final String bootstrap, final Path commandConfig) {
        if (bootstrap == null || bootstrap.isBlank()) {
            throw new CliException("Missing required option: '--bootstrap-server'");
        }
        this.bootstrap = bootstrap;
        this.base = new Properties();
        base.setProperty(CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG, Integer.toString(DEFAULT_TIMEOUT_MS));
        base.setProperty(CommonClientConfigs.REQUEST_TIMEOUT_MS_CONFIG, Integer.toString(DEFAULT_TIMEOUT_MS));
        base.setProperty("max.block.ms", Integer.toString(DEFAULT_TIMEOUT_MS));
        if (commandConfig != null) {
            base.putAll(load(commandConfig));
        }
        base.setProperty(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    }

    static Properties load(final Path file) {
        final Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (NoSuchFileException e) {
            throw new CliException("No such file: " + file);
        } catch (IOException e) {
            throw new CliException("Cannot read " + file + ": " + e.getMessage());
        }
        return p;
    }

    String bootstrap() {
        return bootstrap;
    }

    /** A copy of the client properties (bounded timeouts, command config, bootstrap) for a client to extend. */
    Properties properties() {
        final Properties p = new Properties();
        p.putAll(base);
        return p;
    }

    /** How long a call may wait before the broker counts as unreachable. */
    int timeoutMs() {
        return intValue(CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG,
                base.getProperty(CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG));
    }

    private static int intValue(final String key, final String v) {
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new CliException("Invalid value " + v + " for configuration " + key + ": Not a number of type INT");
        }
    }

    /**
     * An Admin client on a broker that answered: the cluster is described once within {@link #timeoutMs()} so
     * that a wrong address fails here, with the address in the message, rather than in the middle of a command.
     */
    Admin admin() {
        final Properties p = properties();
        p.remove("max.block.ms");
        final int timeout = timeoutMs();
        // request.timeout.ms may not exceed default.api.timeout.ms, or Admin refuses to start.
        final String request = p.getProperty(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG);
        if (request != null && intValue(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, request) > timeout) {
            p.setProperty(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Integer.toString(timeout));
        }
        final Admin admin = Admin.create(p);
        try {
            get(admin.describeCluster().nodes());
        } catch (RuntimeException e) {
            admin.close();
            throw e;
        }
        return admin;
    }

    /** Checks that the broker answers, for commands that then use a Producer or Consumer. */
    void probe() {
        admin().close();
    }

    /**
     * The value of an Admin future; its failure's cause is rethrown (Kafka's {@code ApiException}s carry the
     * broker's message), a timeout becomes the "cannot reach" error.
     */
    <T> T get(final KafkaFuture<T> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("Interrupted");
        } catch (ExecutionException e) {
            final Throwable cause = e.getCause();
            if (cause instanceof TimeoutException) {
                throw unreachable();
            }
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(cause);
        }
    }

    CliException unreachable() {
        return new CliException("Cannot reach broker at " + bootstrap + " within " + timeoutMs() + " ms");
    }
}
