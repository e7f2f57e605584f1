package io.sediment.bench.broker;

import org.apache.kafka.common.Uuid;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * One broker, Sediment or Apache Kafka, in its own child JVM with its own empty data directory, on a free loopback
 * port. Both get the same JVM flags and the same settings where they share them: one node, page-cache durability
 * (no {@code log.flush.*}, which is both brokers' default), {@code num.partitions}, no initial rebalance delay.
 *
 * <p>Sediment is started the way a user starts it, by its own {@code bin/kafka-server-start.sh} (in the
 * foreground, so the child process is its JVM) with its own classpath and class-data archive; Kafka by its main
 * class ({@code kafka.Kafka}) on the suite's classpath, which spares it the shell of its own start script.
 *
 * <p>{@link #startupMillis()} is measured the same way for both: from just before the process is spawned until
 * the listener accepts and ApiVersions answers. Kafka's storage must be formatted first ({@code kafka-storage format}),
 * a separate step it does not count; its time is kept in {@link #formatMillis()}.
 */
final class ChildBroker implements AutoCloseable {
    private static final long STARTUP_TIMEOUT_NANOS = 180_000_000_000L;

    private final Peer peer;
    private final ChildJvm jvm;
    private final int port;
    private final double startupMillis;
    private final double formatMillis;

    private ChildBroker(final Peer peer, final ChildJvm jvm, final int port, final double startupMillis,
                       final double formatMillis) {
        this.peer = peer;
        this.jvm = jvm;
        this.port = port;
        this.startupMillis = startupMillis;
        this.formatMillis = formatMillis;
    }

    /**
     * Starts {@code peer} with its data in {@code runDir/data}, its settings in {@code runDir/server.properties}
     * and its output in {@code runDir/broker.out|err}; returns once ApiVersions answers.
     */
    static ChildBroker start(final Peer peer, final SuiteConfig config, final int partitions, final Path runDir,
                             final List<String> extraJvmFlags) {
        final int port = freePort();
        final Path data = runDir.resolve("data");
        final Properties p = new Properties();
        p.setProperty("node.id", "1");
        p.setProperty("log.dirs", data.toString());
        p.setProperty("num.partitions", Integer.toString(partitions));
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        double formatMillis = 0;
        final Path properties = runDir.resolve("server.properties");
        final List<String> flags = new ArrayList<>(config.brokerJvm());
        flags.addAll(extraJvmFlags);
        final long t0;
        final ChildJvm jvm;
        if (peer == Peer.SEDIMENT) {
            p.setProperty("listeners", "PLAINTEXT://127.0.0.1:" + port);
            write(p, properties);
            // As a user starts it: its own script, classpath and class-data archive. The archive is trained (or
            // found current) first, untimed, as a user's first start after a build trains it once.
            final Map<String, String> env = startScriptEnvironment(config.brokerJvm(), extraJvmFlags, runDir);
            if (config.sedimentCds()) {
                ChildJvm.run(List.of(config.sedimentHome().resolve(SuiteConfig.CDS_SCRIPT).toString()), env, runDir,
                        "cds-archive").awaitOutput(300);
            } else {
                env.put("SEDIMENT_CDS", "off");
            }
            t0 = System.nanoTime();
            jvm = ChildJvm.run(List.of(config.sedimentHome().resolve(SuiteConfig.START_SCRIPT).toString(),
                    properties.toString()), env, runDir, "broker");
        } else {
            final int controllerPort = freePort();
            p.setProperty("process.roles", "broker,controller");
            p.setProperty("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
            p.setProperty("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
            p.setProperty("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
            p.setProperty("controller.listener.names", "CONTROLLER");
            p.setProperty("inter.broker.listener.name", "PLAINTEXT");
            p.setProperty("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT");
            // A one-node cluster: the internal topics cannot have the default three replicas.
            p.setProperty("offsets.topic.replication.factor", "1");
            p.setProperty("transaction.state.log.replication.factor", "1");
            p.setProperty("transaction.state.log.min.isr", "1");
            p.setProperty("share.coordinator.state.topic.replication.factor", "1");
            p.setProperty("share.coordinator.state.topic.min.isr", "1");
            write(p, properties);
            final long f0 = System.nanoTime();
            ChildJvm.start(config.classpath(), config.clientJvm(), "kafka.tools.StorageTool",
                    List.of("format", "-t", clusterId(), "-c", properties.toString()), runDir,
                    "format").awaitOutput(120);
            formatMillis = (System.nanoTime() - f0) / 1e6;
            t0 = System.nanoTime();
            jvm = ChildJvm.start(config.classpath(), flags, "kafka.Kafka", List.of(properties.toString()), runDir,
                    "broker");
        }
        while (!ApiVersionsProbe.answers(port)) {
            if (!jvm.isAlive() || System.nanoTime() - t0 > STARTUP_TIMEOUT_NANOS) {
                jvm.stop();
                throw new IllegalStateException(peer.label() + " did not start: " + jvm.describe());
            }
            sleepQuietly(5);
        }
        final double startupMillis = (System.nanoTime() - t0) / 1e6;
        return new ChildBroker(peer, jvm, port, startupMillis, formatMillis);
    }

    /**
     * The suite's broker flags in the start script's variables, so that Sediment's JVM gets exactly them (the heap
     * flags in {@code KAFKA_HEAP_OPTS}, the rest in {@code KAFKA_JVM_PERFORMANCE_OPTS}; a blank value, not an empty
     * one, stops the script from adding its defaults), {@code extra} (JFR) in {@code KAFKA_OPTS}, this JVM's JDK,
     * the script's {@code server.log} in {@code runDir}, and its class-data archive on (whatever this JVM's
     * environment says).
     */
    static Map<String, String> startScriptEnvironment(final List<String> brokerJvm, final List<String> extra,
                                                      final Path runDir) {
        final List<String> heap = new ArrayList<>();
        final List<String> rest = new ArrayList<>();
        for (String flag : brokerJvm) {
            (flag.startsWith("-Xms") || flag.startsWith("-Xmx") ? heap : rest).add(flag);
        }
        final Map<String, String> env = new HashMap<>();
        env.put("KAFKA_HEAP_OPTS", heap.isEmpty() ? " " : String.join(" ", heap));
        env.put("KAFKA_JVM_PERFORMANCE_OPTS", rest.isEmpty() ? " " : String.join(" ", rest));
        env.put("KAFKA_OPTS", String.join(" ", extra));
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.put("LOG_DIR", runDir.toString());
        env.put("SEDIMENT_CDS", "on");
        return env;
    }

    Peer peer() {
        return peer;
    }

    String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    double startupMillis() {
        return startupMillis;
    }

    double formatMillis() {
        return formatMillis;
    }

    ChildJvm jvm() {
        return jvm;
    }

    @Override
    public void close() {
        jvm.stop();
    }

    /** What {@code kafka-storage random-uuid} prints; Kafka's {@code Uuid} never starts one with '-'. */
    private static String clusterId() {
        return Uuid.randomUuid().toString();
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }

    private static void write(final Properties p, final Path file) {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            p.store(w, "written by io.sediment.bench.broker.BrokerSuite");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void sleepQuietly(final long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
