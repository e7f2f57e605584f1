package io.sediment.broker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static io.sediment.broker.ConsumerGroupTest.classPath;
import static io.sediment.broker.ConsumerGroupTest.freePort;
import static io.sediment.broker.ConsumerGroupTest.javaBin;
import static io.sediment.broker.ConsumerGroupTest.listening;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A broker process with the logging the start script gives it (the shipped {@code config/logging.properties},
 * {@link BrokerLogManager}), stopped by SIGTERM as {@code kafka-server-stop.sh} stops it: every line, the engine's
 * (java.util.logging) and the broker's (slf4j, through slf4j-jdk14), is one {@link LogLineFormatter} line, and the
 * lines its shutdown hook logs are written before the JVM's logging shuts down.
 */
class BrokerProcessLoggingTest {
    /** {@link LogLineFormatter#FORMAT}: date, time with milliseconds, [logger], level, message. */
    private static final Pattern LINE =
            Pattern.compile("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d,\\d{3} \\[([\\w.$]+)] ([A-Z]+) (.*)");

    @TempDir
    Path dir;

    @Test
    void everyLineIsOneFormattedLineAndTheShutdownLinesAreKept() throws Exception {
        final int port = freePort();
        final Path log = dir.resolve("broker.log");
        final Process broker = startBroker(port, dir.resolve("data"), log);
        try {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            // Up and serving, with main in awaitStop: this case is the ordinary stop of a running broker.
            while (!listening(port) || !mainAwaitsStop(broker.pid())) {
                assertTrue(broker.isAlive() && System.nanoTime() < deadline, () -> "no broker: " + read(log));
                Thread.sleep(20);
            }
            broker.destroy(); // SIGTERM
            assertTrue(broker.waitFor(60, TimeUnit.SECONDS), "the broker did not stop");
        } finally {
            broker.destroyForcibly();
        }
        final List<String> lines = read(log).lines().toList();
        for (String line : lines) {
            assertTrue(LINE.matcher(line).matches(), () -> "not a LogLineFormatter line: " + line + "\nin\n" + lines);
        }
        assertTrue(lines.stream().anyMatch(l -> l.contains(" [io.sediment.log.SegmentLogEngine] INFO opened ")),
                () -> "no engine line in\n" + lines);
        assertTrue(lines.stream().anyMatch(l -> l.contains(" [io.sediment.broker.SedimentBroker] INFO Sediment broker 0 listening on ")),
                () -> "no broker (slf4j) line in\n" + lines);
        assertTrue(lines.get(lines.size() - 1).endsWith(" [io.sediment.broker.SedimentBroker] INFO Sediment broker 0 stopped"),
                () -> "the shutdown hook's last line is missing:\n" + lines);
        assertEquals(128 + 15, broker.exitValue(), "exit status after SIGTERM");
    }

    /**
     * kafka-server-stop.sh right after a start: the SIGTERM comes while start() is still running (the engine has
     * opened, the listener is not up yet). main registers its shutdown hook before start(), and the hook waits for
     * start() to return, so the broker still closes cleanly: "stopped" is its last line and the data directory has
     * the clean-shutdown marker. (With the hook registered after start(), such a SIGTERM found no hook and the JVM
     * exited with the engine unclosed.) Three rounds, since where in start() the signal lands varies.
     */
    @Test
    void aSigtermWhileStartingStillStopsTheBrokerCleanly() throws Exception {
        for (int round = 0; round < 3; round++) {
            final Path data = dir.resolve("data-" + round);
            final Path log = dir.resolve("broker-" + round + ".log");
            final Process broker = startBroker(freePort(), data, log);
            try {
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (!read(log).contains(" [io.sediment.log.SegmentLogEngine] INFO opened ")) {
                    assertTrue(broker.isAlive() && System.nanoTime() < deadline, () -> "no engine line: " + read(log));
                    Thread.sleep(1);
                }
                broker.destroy(); // SIGTERM
                assertTrue(broker.waitFor(60, TimeUnit.SECONDS), "the broker did not stop");
            } finally {
                broker.destroyForcibly();
            }
            final List<String> lines = read(log).lines().toList();
            assertTrue(lines.get(lines.size() - 1).endsWith(" [io.sediment.broker.SedimentBroker] INFO Sediment broker 0 stopped"),
                    "round " + round + ": the broker did not close:\n" + lines);
            assertTrue(Files.exists(data.resolve(".kafka_cleanshutdown")),
                    "round " + round + ": no clean-shutdown marker after\n" + lines);
            assertEquals(128 + 15, broker.exitValue(), "exit status after SIGTERM");
        }
    }

    /** The broker's main in a child JVM with the shipped logging configuration, output (stdout and stderr) to log. */
    private static Process startBroker(final int port, final Path data, final Path log) throws IOException {
        final Path props = log.resolveSibling(log.getFileName() + ".properties");
        Files.writeString(props, "listeners=PLAINTEXT://127.0.0.1:" + port + "\nlog.dirs=" + data + "\n");
        final Path config = Path.of("..", "config", "logging.properties").toAbsolutePath().normalize();
        assertTrue(Files.isRegularFile(config), config + " (the shipped logging configuration)");
        return new ProcessBuilder(javaBin(), "-Djava.util.logging.config.file=" + config,
                "-Djava.util.logging.manager=" + BrokerLogManager.class.getName(), "-cp", classPath(),
                SedimentBroker.class.getName(), props.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** Whether the JVM's thread dump (jcmd) shows its main thread in {@link SedimentBroker#awaitStop}. */
    private static boolean mainAwaitsStop(final long pid) throws IOException, InterruptedException {
        final Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(pid), "Thread.print").redirectErrorStream(true).start();
        final String dump = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        jcmd.waitFor();
        final int main = dump.indexOf("\n\"main\"");
        if (main < 0) {
            return false;
        }
        final int end = dump.indexOf("\n\n", main + 1); // a thread's stack ends with an empty line
        final int frame = dump.indexOf("io.sediment.broker.SedimentBroker.awaitStop", main);
        return frame >= 0 && (end < 0 || frame < end);
    }

    private static String read(final Path log) {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }
}
