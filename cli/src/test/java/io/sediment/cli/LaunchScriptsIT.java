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
import java.util.ArrayList;
import java.util.List;
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
            final Result stopped = run("", "bin/kafka-server-stop.sh");
            assertEquals(0, stopped.status, stopped.toString());
        }
        assertTrue(Files.exists(data.resolve(".kafka_cleanshutdown")), "a clean stop leaves the marker");
        final String log = Files.readString(dir.resolve("logs/server.log"), StandardCharsets.UTF_8);
        assertTrue(log.contains("Sediment broker 0 stopped"), log);

        final Result verified = run("", "bin/sediment", "log", "verify", data.toString());
        assertEquals(0, verified.status, verified.toString());
        // orders-0, orders-1 and the two __consumer_offsets partitions the group's commit created
        assertTrue(verified.out.strip().matches("Verified 4 partition\\(s\\), .*: OK"), verified.toString());
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
        final List<String> cmd = new ArrayList<>(List.of(command));
        cmd.set(0, ROOT.resolve(command[0]).toString());
        final ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile())
                .redirectOutput(dir.resolve("out.txt").toFile())
                .redirectError(dir.resolve("err.txt").toFile());
        pb.environment().put("LOG_DIR", dir.resolve("logs").toString());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("KAFKA_HEAP_OPTS", "-Xmx256m");
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
