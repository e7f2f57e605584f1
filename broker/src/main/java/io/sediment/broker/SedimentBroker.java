package io.sediment.broker;

import io.sediment.api.EngineConfig;
import io.sediment.api.LogEngine;
import io.sediment.api.StorageException;
import io.sediment.log.SegmentLogEngine;
import org.apache.kafka.common.protocol.ApiKeys;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A single-node broker speaking the Kafka wire protocol over a Sediment {@link LogEngine}.
 *
 * <pre>
 * try (SedimentBroker broker = SedimentBroker.start(props)) {   // returns once the listener is bound
 *     InetSocketAddress address = broker.boundAddress();         // port 0 in listeners picks a free port
 * }
 * </pre>
 *
 * <p>Threading: {@code num.network.threads} network threads (one selector each) read and write sockets;
 * {@code num.io.threads} I/O threads run the handlers; one timer thread expires long-poll fetches. The engine runs
 * its own background thread for flushing and retention. {@link #start} and {@link #close} may be called from any
 * thread; {@link #close} is idempotent.
 */
public final class SedimentBroker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SedimentBroker.class);
    static final String LOCK_FILE = ".sediment-broker.lock";
    /**
     * How long a SIGTERM during start-up waits for {@link #start} to return before the JVM exits without closing the
     * engine (BrokerLogManager waits 30 s for the hook; the engine's recovery covers what was not closed).
     */
    static final long START_WAIT_SECONDS = 25;
    /**
     * The mmap backend's resident window (backend-mmap/README.md), read when the backend is found by name: the value
     * of {@code MmapStorageBackend.RESIDENT_BYTES_PROPERTY}, spelled out because the broker has that module at
     * runtime scope only (engines are found by name).
     */
    static final String MMAP_RESIDENT_BYTES_PROPERTY = "sediment.mmap.resident.bytes";
    /**
     * The window a broker process runs with unless {@link #MMAP_RESIDENT_BYTES_PROPERTY} is given: 4 MiB, shared by
     * every partition of the log directory (one budget per data directory), not 4 MiB each.
     */
    static final String BROKER_MMAP_RESIDENT_BYTES = "4194304";

    private final BrokerConfig config;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final LogEngine engine;
    private final ExecutorService ioThreads;
    private final ScheduledExecutorService timer;
    private final SocketServer server;
    private final Node node;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private boolean closed;

    private SedimentBroker(final BrokerConfig config) throws IOException {
        this.config = config;
        final Path dir = config.logDir;
        Files.createDirectories(dir);
        this.lockChannel = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock held = null;
        try {
            held = lockChannel.tryLock();
        } catch (OverlappingFileLockException e) {
            // another broker in this JVM holds it
        }
        if (held == null) {
            lockChannel.close();
            throw new StorageException(dir.toString(), "the data directory is in use by another broker");
        }
        this.lock = held;
        LogEngine opened = null;
        ExecutorService io = null;
        ScheduledExecutorService tm = null;
        SocketServer socketServer = null;
        try {
            io = Executors.newFixedThreadPool(config.numIoThreads, daemon("sediment-io-"));
            // kafka-clients' ApiKeys, whose static initialiser builds every message schema (~0.4 s in a cold JVM,
            // ~60 ms with the start script's class-data archive), is needed by the first request: initialise it on
            // an I/O thread now, while this thread opens the engine, rather than after. Registering (below) waits
            // for it if it is not done yet.
            io.execute(ApiKeys::values);
            final String clusterId = MetaProperties.loadOrCreate(dir, config.nodeId);
            final TopicCatalog catalog = TopicCatalog.load(dir, config.defaultLogConfig);
            opened = openEngine(dir, config.engineConfig(catalog::logConfig));
            catalog.attach(opened);
            tm = Executors.newSingleThreadScheduledExecutor(daemon("sediment-fetch-timer-"));
            final ApiRegistry registry = new ApiRegistry();
            final CompletableFuture<ApiRegistry> ready = new CompletableFuture<>();
            final RequestChannel channel = new RequestChannel(ready, io);
            socketServer = new SocketServer(config.listenerHost, config.listenerPort,
                    config.numNetworkThreads, channel, config.socketRequestMaxBytes, config.connectionsMaxIdleMs);
            final int port = config.advertisedPort == -1 ? socketServer.boundAddress().getPort() : config.advertisedPort;
            this.node = new Node(config.nodeId, config.advertisedHost, port, clusterId);
            final FetchWaiters waiters = new FetchWaiters(tm, io);
            final ConfigDescriber describer = new ConfigDescriber(config);
            final ProducerStates producerStates = new ProducerStates();
            final GroupCoordinator groups = GroupCoordinator.open(config, catalog, tm);
            final List<ApiHandler> handlers = List.of(
                    new ApiVersionsHandler(registry),
                    new MetadataHandler(node, catalog, config),
                    new TopicsHandler(catalog, describer, waiters, producerStates, config),
                    new ConfigsHandler(catalog, describer, config.nodeId),
                    new ProduceHandler(catalog, waiters, producerStates, new ProducerIds(dir)),
                    new FetchHandler(catalog, waiters),
                    new OffsetsHandler(catalog),
                    new GroupCoordinatorHandler(node, groups));
            // Registering touches ApiKeys (above): on an I/O thread too, so that start() returns once the listener
            // is bound. A request that arrives first waits for it.
            io.execute(() -> {
                try {
                    handlers.forEach(registry::register);
                    ready.complete(registry);
                } catch (RuntimeException | Error e) {
                    ready.completeExceptionally(e);
                }
            });
            this.engine = opened;
            this.ioThreads = io;
            this.timer = tm;
            this.server = socketServer;
            server.start();
        } catch (RuntimeException | IOException | Error e) {
            if (socketServer != null) {
                socketServer.close();
            }
            if (io != null) {
                io.shutdownNow();
            }
            if (tm != null) {
                tm.shutdownNow();
            }
            if (opened != null) {
                opened.close();
            }
            lock.release();
            lockChannel.close();
            throw e;
        }
    }

    /**
     * Starts a broker with {@code server.properties} settings and returns once it is listening.
     *
     * @throws io.sediment.api.InvalidConfigException when a setting is not legal
     * @throws StorageException when the data directory cannot be used
     * @throws UncheckedIOException when the listener cannot be bound
     */
    public static SedimentBroker start(final Properties props) {
        final BrokerConfig config = new BrokerConfig(props);
        try {
            final SedimentBroker broker = new SedimentBroker(config);
            LOG.info("Sediment broker {} listening on {} (advertised {}:{}), data in {}, {} backend",
                    config.nodeId, broker.boundAddress(), broker.node.host(), broker.node.port(),
                    config.logDir.toAbsolutePath(), broker.engine.backendName());
            return broker;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the broker on " + config.listenerHost + ":" + config.listenerPort, e);
        }
    }

    /** The address the listener is bound to (the real port when {@code listeners} asked for port 0). */
    public InetSocketAddress boundAddress() {
        return server.boundAddress();
    }

    /** Bootstrap string for clients: {@code host:port} as advertised. */
    public String bootstrapServers() {
        return node.host() + ":" + node.port();
    }

    /** The engine under this broker, for embedders and tests that want to look at the logs directly. */
    public LogEngine engine() {
        return engine;
    }

    /** Stops accepting, closes connections, stops the handlers and closes the engine cleanly. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        server.close();
        ioThreads.shutdown();
        timer.shutdownNow();
        try {
            if (!ioThreads.awaitTermination(10, TimeUnit.SECONDS)) {
                ioThreads.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        engine.close();
        try {
            lock.release();
            lockChannel.close();
        } catch (IOException ignored) {
            // the lock goes with the process anyway
        }
        LOG.info("Sediment broker {} stopped", config.nodeId);
        stopped.countDown();
    }

    /**
     * Defaults that belong to a broker process, not to the engine library it embeds: the mmap backend keeps only a
     * 4 MiB window of written pages mapped, shared by all partitions (the library keeps every touched page, for
     * random-read speed), since the broker serves fetches by sendfile and its resident set is what an operator
     * compares with Kafka's. A value given with {@code -D} (e.g. in {@code KAFKA_OPTS}) is left alone. Called by
     * {@link #main} only, so an in-process {@link #start} never changes its host's system properties.
     */
    static void applyProcessDefaults() {
        if (System.getProperty(MMAP_RESIDENT_BYTES_PROPERTY) == null) {
            System.setProperty(MMAP_RESIDENT_BYTES_PROPERTY, BROKER_MMAP_RESIDENT_BYTES);
        }
    }

    /** {@code SedimentBroker server.properties [--override key=value]...}, as {@code kafka-server-start.sh} runs it. */
    public static void main(final String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("USAGE: kafka-server-start.sh server.properties [--override property=value]*");
            System.exit(1);
        }
        final Properties props;
        try {
            props = loadProperties(Path.of(args[0]), List.of(args).subList(1, args.length));
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(1);
            return;
        }
        applyProcessDefaults();
        // The hook is registered before start(), as Kafka registers its own: a SIGTERM while the engine opens or the
        // listener binds (kafka-server-stop.sh right after a start, which sees the port open early) still closes
        // what start() opened, once it has, and leaves the clean-shutdown marker. Registered after start(), such a
        // SIGTERM found no hook: the JVM exited with the data directory unclosed, or, landing between the two
        // calls below in their old order, BrokerLogManager waited its full 30 s for a hook that never ran.
        final AtomicReference<SedimentBroker> started = new AtomicReference<>();
        final CountDownLatch startReturned = new CountDownLatch(1);
        final Thread shutdown = new Thread(() -> {
            try {
                if (!startReturned.await(START_WAIT_SECONDS, TimeUnit.SECONDS)) {
                    LOG.warn("stopping before start-up finished ({} s): the data directory is recovered at the next"
                            + " start", START_WAIT_SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            final SedimentBroker broker = started.get();
            if (broker != null) {
                broker.close();
            }
        }, "sediment-shutdown");
        // Registered first, then handed to the log manager: a hook given to it must be one the JVM will run.
        Runtime.getRuntime().addShutdownHook(shutdown);
        // Its log lines (the engine's while it closes, "stopped") are written before the JVM's logging shuts down.
        BrokerLogManager.resetAfter(shutdown);
        final SedimentBroker broker;
        try {
            broker = start(props);
        } catch (RuntimeException e) {
            LOG.error("Sediment broker failed to start: {}", e.getMessage(), e);
            startReturned.countDown();
            System.exit(1);
            return;
        }
        started.set(broker);
        startReturned.countDown();
        broker.awaitStop();
    }

    /**
     * The settings {@link #main} starts with: {@code file}, then each {@code --override key=value} of {@code args}.
     *
     * @throws IllegalArgumentException naming an argument that is neither
     */
    static Properties loadProperties(final Path file, final List<String> args) throws IOException {
        final Properties props = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            props.load(r);
        }
        for (int i = 0; i < args.size(); i++) {
            if (args.get(i).equals("--override") && i + 1 < args.size()) {
                final String kv = args.get(++i);
                final int eq = kv.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("--override expects property=value, got " + kv);
                }
                props.setProperty(kv.substring(0, eq), kv.substring(eq + 1));
            } else {
                throw new IllegalArgumentException("unknown argument " + args.get(i));
            }
        }
        return props;
    }

    /** Blocks until {@link #close} has finished (the broker's threads are daemons; {@link #main} waits here). */
    public void awaitStop() {
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Opens the engine over {@code dir}; the backend is {@code engineConfig.backend()}, found by ServiceLoader. */
    static LogEngine openEngine(final Path dir, final EngineConfig engineConfig) {
        return SegmentLogEngine.open(dir, engineConfig);
    }

    private static ThreadFactory daemon(final String prefix) {
        final AtomicInteger n = new AtomicInteger();
        return r -> {
            final Thread t = new Thread(r, prefix + n.getAndIncrement());
            t.setDaemon(true);
            return t;
        };
    }
}
