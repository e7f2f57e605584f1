package io.sediment.fuzz;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The parent's handle on a {@link BrokerChild}: starts it on a loopback ephemeral port over {@code dataDir}, asks it
 * for {@link ProcessStats}, and stops it. Its stderr (the broker's log) goes to {@code <dataDir>.broker-log.txt}.
 *
 * <p>Threading: one owner thread; {@link #alive} may be called from any thread.
 */
public final class ChildBroker implements AutoCloseable {
    /**
     * The child's java.util.logging, which every line goes through (the broker's and kafka-clients' by slf4j-jdk14):
     * the broker and kafka-clients at WARNING, since a fuzz run closes 10^5 connections on purpose and each close
     * is an INFO line; the engine at the JDK's INFO; one {@code LogLineFormatter} line each, to stderr.
     */
    private static final String LOGGING = String.join("\n",
            "handlers=java.util.logging.ConsoleHandler",
            ".level=INFO",
            "io.sediment.broker.level=WARNING",
            "org.apache.kafka.level=WARNING",
            "java.util.logging.ConsoleHandler.level=INFO",
            "java.util.logging.ConsoleHandler.formatter=io.sediment.broker.LogLineFormatter", "");

    private final Process process;
    private final BufferedReader out;
    private final Writer in;
    private final InetSocketAddress address;
    private final Path log;

    /**
     * @param settings broker settings on top of the listener and {@code log.dirs}
     * @param heap     the child's {@code -Xmx}, e.g. {@code 256m}: a leak then ends in an OutOfMemoryError the
     *                 parent sees, rather than in a slowly growing machine
     */
    public ChildBroker(final Path dataDir, final Map<String, String> settings, final String heap, final String classpath)
            throws IOException {
        Files.createDirectories(dataDir);
        this.log = dataDir.resolveSibling(dataDir.getFileName() + ".broker-log.txt");
        final Path logging = dataDir.resolveSibling(dataDir.getFileName() + ".logging.properties");
        Files.writeString(logging, LOGGING, StandardCharsets.UTF_8);
        final List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx" + heap);
        cmd.add("-XX:+UseSerialGC"); // one GC thread on a 2-core machine, and heap-after-GC figures that are exact
        cmd.add("-Djava.util.logging.config.file=" + logging.toAbsolutePath());
        cmd.add("-cp");
        cmd.add(classpath);
        cmd.add(BrokerChild.class.getName());
        cmd.add("listeners=PLAINTEXT://127.0.0.1:0");
        cmd.add("log.dirs=" + dataDir.toAbsolutePath());
        settings.forEach((k, v) -> cmd.add(k + "=" + v));
        this.process = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        final String first = out.readLine();
        if (first == null || !first.startsWith("PORT ")) {
            process.destroyForcibly();
            throw new IOException("broker child did not start (" + first + "); its log: " + logTail());
        }
        // The engine's first line is written before PORT: without it in LogLineFormatter's form the logging is not
        // configured (JUL then writes nothing, or other lines), and logProblems() could not see a problem.
        if (Files.readAllLines(log, StandardCharsets.UTF_8).stream()
                .noneMatch(l -> l.contains(" [io.sediment.log.SegmentLogEngine] INFO opened "))) {
            process.destroyForcibly();
            throw new IOException("broker child's log has no engine line in LogLineFormatter's form: " + logTail());
        }
        this.address = new InetSocketAddress("127.0.0.1", Integer.parseInt(first.substring(5).trim()));
    }

    public InetSocketAddress address() {
        return address;
    }

    public String bootstrap() {
        return "127.0.0.1:" + address.getPort();
    }

    public boolean alive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    /** The broker's heap after a full GC, RSS, fds and mappings, sampled inside the child. */
    public synchronized ProcessStats stats() throws IOException {
        in.write("stats\n");
        in.flush();
        final String line = out.readLine();
        if (line == null) {
            throw new IOException("broker child died; its log: " + logTail());
        }
        return ProcessStats.parse(line);
    }

    /** Files mapped under the data directory and descriptor targets, for a failure message about growth. */
    public synchronized List<String> files() throws IOException {
        in.write("files\n");
        in.flush();
        final List<String> lines = new ArrayList<>();
        for (String l; (l = out.readLine()) != null && !l.equals("END"); ) {
            lines.add(l);
        }
        return lines;
    }

    /** The last lines of the broker's log, for failure messages. */
    public String logTail() {
        try {
            final List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /**
     * Lines of the broker's log at WARNING or SEVERE (slf4j's warn and error), the engine's included, and of
     * exceptions and errors outside a log line.
     */
    public List<String> logProblems() throws IOException {
        final List<String> found = new ArrayList<>();
        for (String l : Files.readAllLines(log, StandardCharsets.UTF_8)) {
            if (l.contains("] SEVERE ") || l.contains("] WARNING ") || l.startsWith("Exception") || l.contains("Error:")) {
                found.add(l);
            }
        }
        return found;
    }

    @Override
    public void close() throws IOException {
        if (process.isAlive()) {
            try {
                in.write("stop\n");
                in.flush();
            } catch (IOException ignored) {
                // it is going away anyway
            }
        }
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
