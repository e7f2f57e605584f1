package io.sediment.broker;

import io.sediment.api.EngineConfig;
import io.sediment.api.InvalidConfigException;
import io.sediment.api.LogConfig;

import java.net.URI;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * The broker's settings, read from {@code server.properties} under Kafka's key names. Immutable.
 *
 * <p>Only one listener is supported, {@code PLAINTEXT://host:port}; port 0 binds an ephemeral port. Only one
 * {@code log.dirs} entry is supported. Every key keeps the properties it was given so that DescribeConfigs can tell
 * a value set in the file ({@code STATIC_BROKER_CONFIG}) from a default ({@code DEFAULT_CONFIG}).
 */
final class BrokerConfig {
    static final String NODE_ID = "node.id";
    static final String BROKER_ID = "broker.id";
    static final String LISTENERS = "listeners";
    static final String ADVERTISED_LISTENERS = "advertised.listeners";
    static final String LOG_DIRS = "log.dirs";
    static final String LOG_DIR = "log.dir";
    static final String NUM_PARTITIONS = "num.partitions";
    static final String DEFAULT_REPLICATION_FACTOR = "default.replication.factor";
    static final String AUTO_CREATE_TOPICS_ENABLE = "auto.create.topics.enable";
    static final String SOCKET_REQUEST_MAX_BYTES = "socket.request.max.bytes";
    static final String CONNECTIONS_MAX_IDLE_MS = "connections.max.idle.ms";
    static final String NUM_NETWORK_THREADS = "num.network.threads";
    static final String NUM_IO_THREADS = "num.io.threads";
    static final String RETENTION_CHECK_INTERVAL_MS = EngineConfig.RETENTION_CHECK_INTERVAL_MS;
    static final String BACKEND = EngineConfig.BACKEND;
    static final String DELETE_TOPIC_ENABLE = "delete.topic.enable";

    /** Kafka's defaults for the broker-level keys this broker reads (log.* defaults live in {@link LogConfig}). */
    static final Map<String, String> DEFAULTS;

    static {
        final Map<String, String> m = new LinkedHashMap<>();
        m.put(NODE_ID, "0");
        m.put(BROKER_ID, "0");
        m.put(LISTENERS, "PLAINTEXT://127.0.0.1:9092");
        m.put(ADVERTISED_LISTENERS, "");
        m.put(LOG_DIRS, "/tmp/kafka-logs");
        m.put(NUM_PARTITIONS, "1");
        m.put(DEFAULT_REPLICATION_FACTOR, "1");
        m.put(AUTO_CREATE_TOPICS_ENABLE, "true");
        m.put(DELETE_TOPIC_ENABLE, "true");
        m.put(SOCKET_REQUEST_MAX_BYTES, String.valueOf(100 * 1024 * 1024));
        m.put(CONNECTIONS_MAX_IDLE_MS, String.valueOf(10 * 60 * 1000));
        m.put(NUM_NETWORK_THREADS, "3");
        m.put(NUM_IO_THREADS, "8");
        m.put(RETENTION_CHECK_INTERVAL_MS, String.valueOf(5 * 60 * 1000));
        m.put(BACKEND, "mmap");
        // Group coordinator (GroupConfig reads these): Kafka's defaults.
        m.put(GroupConfig.OFFSETS_TOPIC_PARTITIONS, "50");
        m.put(GroupConfig.OFFSETS_TOPIC_SEGMENT_BYTES, String.valueOf(100 * 1024 * 1024));
        m.put(GroupConfig.OFFSETS_RETENTION_MINUTES, String.valueOf(7 * 24 * 60));
        m.put(GroupConfig.OFFSETS_RETENTION_CHECK_INTERVAL_MS, "600000");
        m.put(GroupConfig.OFFSET_METADATA_MAX_BYTES, "4096");
        m.put(GroupConfig.INITIAL_REBALANCE_DELAY_MS, "3000");
        m.put(GroupConfig.MIN_SESSION_TIMEOUT_MS, "6000");
        m.put(GroupConfig.MAX_SESSION_TIMEOUT_MS, "1800000");
        m.put(GroupConfig.MAX_SIZE, String.valueOf(Integer.MAX_VALUE));
        DEFAULTS = java.util.Collections.unmodifiableMap(m);
    }

    final Properties props;
    final int nodeId;
    final String listenerHost;
    final int listenerPort;
    /** Host and port put in metadata; {@code port == -1} means "the bound port". */
    final String advertisedHost;
    final int advertisedPort;
    final Path logDir;
    final int numPartitions;
    final short defaultReplicationFactor;
    final boolean autoCreateTopics;
    final int socketRequestMaxBytes;
    final long connectionsMaxIdleMs;
    final int numNetworkThreads;
    final int numIoThreads;
    final long retentionCheckIntervalMs;
    final String backend;
    final LogConfig defaultLogConfig;

    BrokerConfig(final Properties source) {
        this.props = new Properties();
        for (String k : source.stringPropertyNames()) {
            props.setProperty(k, source.getProperty(k).trim());
        }
        final String id = props.getProperty(NODE_ID, props.getProperty(BROKER_ID, "0"));
        this.nodeId = intValue(NODE_ID, id, 0);
        final URI listener = listener(LISTENERS, get(LISTENERS));
        this.listenerHost = listener.getHost();
        this.listenerPort = listener.getPort();
        final String adv = props.getProperty(ADVERTISED_LISTENERS, "");
        if (adv.isEmpty()) {
            this.advertisedHost = listenerHost == null || listenerHost.equals("0.0.0.0") ? "127.0.0.1" : listenerHost;
            this.advertisedPort = listenerPort == 0 ? -1 : listenerPort;
        } else {
            final URI a = listener(ADVERTISED_LISTENERS, adv);
            this.advertisedHost = a.getHost();
            this.advertisedPort = a.getPort() == 0 ? -1 : a.getPort();
        }
        final String dirs = props.getProperty(LOG_DIRS, props.getProperty(LOG_DIR, get(LOG_DIRS)));
        if (dirs.contains(",")) {
            throw new InvalidConfigException(LOG_DIRS, dirs, "Sediment stores every log in one directory; give one path");
        }
        this.logDir = Path.of(dirs);
        this.numPartitions = intValue(NUM_PARTITIONS, get(NUM_PARTITIONS), 1);
        this.defaultReplicationFactor = (short) intValue(DEFAULT_REPLICATION_FACTOR, get(DEFAULT_REPLICATION_FACTOR), 1);
        if (defaultReplicationFactor != 1) {
            throw new InvalidConfigException(DEFAULT_REPLICATION_FACTOR, defaultReplicationFactor,
                    "a single-node broker can only hold one replica");
        }
        this.autoCreateTopics = boolValue(AUTO_CREATE_TOPICS_ENABLE, get(AUTO_CREATE_TOPICS_ENABLE));
        this.socketRequestMaxBytes = intValue(SOCKET_REQUEST_MAX_BYTES, get(SOCKET_REQUEST_MAX_BYTES), 1);
        this.connectionsMaxIdleMs = longValue(CONNECTIONS_MAX_IDLE_MS, get(CONNECTIONS_MAX_IDLE_MS));
        this.numNetworkThreads = intValue(NUM_NETWORK_THREADS, get(NUM_NETWORK_THREADS), 1);
        this.numIoThreads = intValue(NUM_IO_THREADS, get(NUM_IO_THREADS), 1);
        this.retentionCheckIntervalMs = longValue(RETENTION_CHECK_INTERVAL_MS, get(RETENTION_CHECK_INTERVAL_MS));
        this.backend = get(BACKEND);
        this.defaultLogConfig = LogConfig.fromBrokerProperties(props);
    }

    /** The value set in the properties, else Kafka's default. */
    String get(final String key) {
        return props.getProperty(key, DEFAULTS.get(key));
    }

    boolean isSet(final String key) {
        return props.getProperty(key) != null;
    }

    private static URI listener(final String key, final String value) {
        if (value.contains(",")) {
            throw new InvalidConfigException(key, value, "Sediment has one listener; give one PLAINTEXT://host:port");
        }
        final URI uri;
        try {
            uri = URI.create(value.replace("://:", "://0.0.0.0:"));
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigException(key, value, "not a listener URI: " + e.getMessage());
        }
        if (!"PLAINTEXT".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null || uri.getPort() < 0) {
            throw new InvalidConfigException(key, value, "expected PLAINTEXT://host:port (no TLS/SASL in Sediment)");
        }
        return uri;
    }

    private static int intValue(final String key, final String value, final int min) {
        final long v = longValue(key, value);
        if (v < min || v > Integer.MAX_VALUE) {
            throw new InvalidConfigException(key, value, "Value must be at least " + min);
        }
        return (int) v;
    }

    private static long longValue(final String key, final String value) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new InvalidConfigException(key, value, "Not a number");
        }
    }

    private static boolean boolValue(final String key, final String value) {
        if (value.equalsIgnoreCase("true") || value.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(value);
        }
        throw new InvalidConfigException(key, value, "Expected value to be either true or false");
    }

    EngineConfig engineConfig(final java.util.function.Function<io.sediment.api.TopicPartition, LogConfig> logConfigs) {
        return EngineConfig.defaults()
                .withBackend(backend)
                .withRetentionCheckIntervalMs(retentionCheckIntervalMs)
                .withLogConfigs(logConfigs);
    }
}
