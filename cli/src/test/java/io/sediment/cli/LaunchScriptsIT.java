package io.sediment.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The scripts in {@code bin/} as a user runs them: start the broker as a daemon, create a topic, produce with keys,
 * consume with a group, verify the data directory offline, stop the broker cleanly. Runs after {@code package}
 * (failsafe), when the jars and the {@code target/classpath.txt} files the scripts launch from exist, so no script
 * builds anything here.
 */
class LaunchScriptsIT {
    private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
    private static final long STEP_TIMEOUT_S = 60;

    @TempDir
    Path dir;

    @Test
    void daemonStartTutorialCommandsAndCleanStop() throws Exception {
        final int port = freePort();
        final String bootstrap = "127.0.0.1:" + port;
        final Path data = dir.resolve("data");
        final Path config = dir.resolve("server.properties");
        Files.writeString(config, String.join("\n",
                "node.id=0",
                "listeners=PLAINTEXT://127.0.0.1:" + port,
                "log.dirs=" + data,
                "num.partitions=1",
                "offsets.topic.num.partitions=2",
                "group.initial.rebalance.delay.ms=0", ""), StandardCharsets.UTF_8);

        final Result started = run("", "bin/kafka-server-start.sh", "-daemon", config.toString());
        assertEquals(0, started.status, started.toString());
        assertTrue(started.out.contains("Sediment broker started in the background"), started.toString());
        assertFalse(started.err.contains("Building"), "the build already wrote the classpath: " + started);
        try {
            awaitListening(port);

            final Result created = run("", "bin/kafka-topics.sh", "--bootstrap-server", bootstrap, "--create",
                    "--topic", "orders", "--partitions", "2", "--replication-factor", "1",
                    "--config", "retention.ms=86400000");
            assertEquals(0, created.status, created.toString());
            assertEquals("Created topic orders.", created.out.strip());

            final Result produced = run("alice:1 book\nalice:2 ink\n", "bin/kafka-console-producer.sh",
                    "--bootstrap-server", bootstrap, "--topic", "orders",
                    "--property", "parse.key=true", "--property", "key.separator=:");
            assertEquals(0, produced.status, produced.toString());

            final Result consumed = run("", "bin/kafka-console-consumer.sh", "--bootstrap-server", bootstrap,
                    "--topic", "orders", "--from-beginning", "--group", "billing", "--max-messages", "2",
                    "--property", "print.key=true");
            assertEquals(0, consumed.status, consumed.toString());
            assertEquals(List.of("alice\t1 book", "alice\t2 ink"), consumed.out.lines().toList());

            final Result lag = run("", "bin/kafka-consumer-groups.sh", "--bootstrap-server", bootstrap,
                    "--describe", "--group", "billing");
            assertEquals(0, lag.status, lag.toString());
            assertTrue(lag.out.lines().anyMatch(l -> l.matches("billing\\s+orders\\s+\\d\\s+2\\s+2\\s+0\\s.*")),
                    lag.toString());
        } finally {
            stopBroker(Map.of(), dir.resolve("logs"));
        }
        assertTrue(Files.exists(data.resolve(".kafka_cleanshutdown")), "a clean stop leaves the marker");
        final String log = Files.readString(dir.resolve("logs/server.log"), StandardCharsets.UTF_8);
        // The broker's slf4j lines go through java.util.logging and LogLineFormatter, and its shutdown hook's last
        // line is still written (BrokerLogManager).
        assertTrue(log.contains(" [io.sediment.broker.SedimentBroker] INFO Sediment broker 0 stopped"), log);
        assertFalse(log.contains("SLF4J"), log);

        final Result verified = run("", "bin/sediment", "log", "verify", data.toString());
        assertEquals(0, verified.status, verified.toString());
        // orders-0, orders-1 and the two __consumer_offsets partitions the group's commit created
        assertTrue(verified.out.strip().matches("Verified 4 partition\\(s\\), .*: OK"), verified.toString());
    }

    /**
     * The class-data archive of {@code kafka-server-start.sh}: trained at the first start after a build, used by the
     * next, trained again when the file is overwritten with garbage or the jars change, and never in the way of a
     * start, even when the JVM cannot use the archive the script hands it. Whether the broker's classes came from
     * the archive is read from the JVM's own class-loading log ({@code source: shared objects file (top)}: the
     * dynamic archive on top of the JDK's).
     */
    @Test
    void classDataArchiveIsTrainedUsedAndReplacedWhenStaleOrBroken() throws Exception {
        final Path cds = ROOT.resolve("broker/target/cds");
        deleteTree(cds);

        final Start first = startAndStop("first");
        assertTrue(first.err.contains("Creating the class-data archive"), first.toString());
        assertTrue(first.fromArchive, "the first start uses the archive it trained: " + first);
        final Path archive = onlyArchive(cds);
        final FileTime trained = Files.getLastModifiedTime(archive);

        final Start second = startAndStop("second");
        assertFalse(second.err.contains("Creating"), "a current archive is not trained again: " + second);
        assertTrue(second.fromArchive, second.toString());
        assertEquals(trained, Files.getLastModifiedTime(onlyArchive(cds)));

        // Garbage where the archive was: detected by its stamp, trained again, used.
        Files.setPosixFilePermissions(archive, PosixFilePermissions.fromString("rw-r--r--"));
        Files.write(archive, new byte[64 * 1024]);
        final Start overwritten = startAndStop("overwritten");
        assertTrue(overwritten.err.contains("Creating the class-data archive"), overwritten.toString());
        assertTrue(overwritten.fromArchive, overwritten.toString());
        assertTrue(Files.size(onlyArchive(cds)) > 64 * 1024, "a real archive replaced the garbage");

        // Garbage the script cannot tell apart (its stamp rewritten to match): the JVM refuses it and starts
        // without it, rather than not at all.
        final Path garbage = onlyArchive(cds);
        Files.setPosixFilePermissions(garbage, PosixFilePermissions.fromString("rw-r--r--"));
        Files.write(garbage, "not a CDS archive".repeat(1000).getBytes(StandardCharsets.UTF_8));
        final Result stamp = run("", "/usr/bin/stat", "-c", "%s %i %y", garbage.toString());
        Files.writeString(Path.of(garbage + ".ok"), stamp.out, StandardCharsets.UTF_8);
        final Start unusable = startAndStop("unusable");
        assertFalse(unusable.err.contains("Creating"), unusable.toString());
        assertFalse(unusable.fromArchive, "the JVM fell back to loading from the jars: " + unusable);

        // A rebuilt jar (newer time on the broker's classpath): another key, a new archive, the old one removed.
        final Path brokerJar;
        try (var jars = Files.list(ROOT.resolve("broker/target"))) {
            brokerJar = jars.filter(f -> f.getFileName().toString().matches("sediment-broker-.*-SNAPSHOT\\.jar"))
                    .findFirst().orElseThrow();
        }
        Files.setLastModifiedTime(brokerJar, FileTime.fromMillis(System.currentTimeMillis()));
        final Start rebuilt = startAndStop("rebuilt");
        assertTrue(rebuilt.err.contains("Creating the class-data archive"), rebuilt.toString());
        assertTrue(rebuilt.fromArchive, rebuilt.toString());
        assertFalse(onlyArchive(cds).equals(garbage), "the archive's name follows the jars");
        assertFalse(Files.exists(garbage), "the stale archive is removed");
    }

    /** What one daemon start printed and whether the broker's own main class was read from the dynamic archive. */
    private record Start(String err, boolean fromArchive, String log) {
        @Override
        public String toString() {
            return "stderr:\n" + err + "\nserver.log (first lines):\n"
                    + String.join("\n", log.lines().limit(15).toList());
        }
    }

    private Start startAndStop(final String name) throws Exception {
        final int port = freePort();
        final Path config = dir.resolve(name + ".properties");
        Files.writeString(config, String.join("\n", "node.id=0", "listeners=PLAINTEXT://127.0.0.1:" + port,
                "log.dirs=" + dir.resolve(name + "-data"), ""), StandardCharsets.UTF_8);
        final Path logs = dir.resolve(name + "-logs");
        final Map<String, String> env = Map.of("LOG_DIR", logs.toString(), "KAFKA_OPTS", "-Xlog:class+load=info");
        final Result started = run("", env, "bin/kafka-server-start.sh", "-daemon", config.toString());
        assertEquals(0, started.status, started.toString());
        try {
            awaitListening(port);
        } finally {
            stopBroker(env, logs);
        }
        final String log = Files.readString(logs.resolve("server.log"), StandardCharsets.UTF_8);
        assertTrue(log.contains("io.sediment.broker.SedimentBroker source: "), "no class-loading log:\n" + log);
        return new Start(started.err,
                log.contains("io.sediment.broker.SedimentBroker source: shared objects file (top)"), log);
    }

    /**
     * Stops the broker started with {@code env} (its pid file and server.log in {@code logs}). If the stop script
     * fails, the failure carries what explains it: the broker's threads (jcmd) and the end of its log; then the
     * broker is killed, so a failed test leaves no process behind.
     */
    private void stopBroker(final Map<String, String> env, final Path logs) throws Exception {
        final Path pidFile = logs.resolve("sediment-broker.pid");
        final String pid = Files.exists(pidFile) ? Files.readString(pidFile, StandardCharsets.UTF_8).strip() : "";
        final Result stopped = run("", env, "bin/kafka-server-stop.sh");
        if (stopped.status == 0 || pid.isEmpty()) {
            assertEquals(0, stopped.status, stopped.toString());
            return;
        }
        final Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                pid, "Thread.print").redirectErrorStream(true).start();
        final String threads = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        jcmd.waitFor(STEP_TIMEOUT_S, TimeUnit.SECONDS);
        final Path serverLog = logs.resolve("server.log");
        final List<String> log = Files.exists(serverLog)
                ? Files.readAllLines(serverLog, StandardCharsets.UTF_8) : List.of();
        ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
        fail(stopped + "\n--- broker threads\n" + threads + "\n--- server.log (last 40 lines)\n"
                + String.join("\n", log.subList(Math.max(0, log.size() - 40), log.size())));
    }

    private static Path onlyArchive(final Path cds) throws IOException {
        try (var files = Files.list(cds)) {
            final List<Path> archives = files.filter(f -> f.getFileName().toString().matches("broker-.*\\.jsa"))
                    .toList();
            assertEquals(1, archives.size(), archives.toString());
            return archives.get(0);
        }
    }

    private static void deleteTree(final Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (var paths = Files.walk(root)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @Test
    void stopWithoutARunningBrokerSaysSoAndFails() throws Exception {
        final Result stopped = run("", "bin/kafka-server-stop.sh");
        assertEquals(1, stopped.status, stopped.toString());
        assertTrue(stopped.err.contains("No Sediment broker to stop"), stopped.toString());
    }

    private record Result(int status, String out, String err) {
        @Override
        public String toString() {
            return "exit " + status + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    /** Runs a script from the repository root with LOG_DIR in this test's directory, stdin from {@code input}. */
    private Result run(final String input, final String... command) throws IOException, InterruptedException {
        return run(input, Map.of(), command);
    }

    /** As {@link #run(String, String...)}, with {@code env} added last (it may replace LOG_DIR). */
    private Result run(final String input, final Map<String, String> env, final String... command)
            throws IOException, InterruptedException {
        final List<String> cmd = new ArrayList<>(List.of(command));
        cmd.set(0, ROOT.resolve(command[0]).toString());
        final ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile())
                .redirectOutput(dir.resolve("out.txt").toFile())
                .redirectError(dir.resolve("err.txt").toFile());
        pb.environment().put("LOG_DIR", dir.resolve("logs").toString());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("KAFKA_HEAP_OPTS", "-Xmx256m");
        pb.environment().putAll(env);
        final Process p = pb.start();
        p.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        if (!p.waitFor(STEP_TIMEOUT_S, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(String.join(" ", command) + " did not finish within " + STEP_TIMEOUT_S + " s");
        }
        return new Result(p.exitValue(), Files.readString(dir.resolve("out.txt"), StandardCharsets.UTF_8),
                Files.readString(dir.resolve("err.txt"), StandardCharsets.UTF_8));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void awaitListening(final int port) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(STEP_TIMEOUT_S);
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        fail("the broker did not listen on port " + port + " within " + STEP_TIMEOUT_S + " s");
    }
}
