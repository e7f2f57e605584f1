package io.sediment.bench.broker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A Java main in a child JVM (or a script that execs one), its stdout in {@code <name>.out} and its stderr in {@code <name>.err} (apart, so that
 * log lines never split a tool's result lines). Every child still alive when the suite's JVM
 * exits is killed by a shutdown hook, so an interrupted run leaves no broker behind.
 */
final class ChildJvm {
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly),
                "broker-suite-child-reaper"));
    }

    private final Process process;
    private final Path out;
    private final Path err;

    private ChildJvm(final Process process, final Path out, final Path err) {
        this.process = process;
        this.out = out;
        this.err = err;
    }

    static ChildJvm start(final List<String> classpath, final List<String> jvmFlags, final String mainClass,
                          final List<String> args, final Path workDir, final String name) {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmFlags);
        command.add("-cp");
        command.add(String.join(java.io.File.pathSeparator, classpath));
        command.add(mainClass);
        command.addAll(args);
        return run(command, Map.of(), workDir, name);
    }

    /**
     * Runs {@code command} (a script that ends in {@code exec java ...}, such as {@code bin/kafka-server-start.sh}
     * in the foreground, so that the process is the JVM) with {@code environment} added to this JVM's.
     */
    static ChildJvm run(final List<String> command, final Map<String, String> environment, final Path workDir,
                        final String name) {
        final Path out = workDir.resolve(name + ".out");
        final Path err = workDir.resolve(name + ".err");
        final ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().putAll(environment);
        try {
            final Process process = builder.start();
            LIVE.add(process);
            return new ChildJvm(process, out, err);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Waits for a tool to finish by itself and returns its stdout; one that fails or outlives
     * {@code timeoutSeconds} is killed and reported.
     */
    String awaitOutput(final long timeoutSeconds) {
        try {
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
                LIVE.remove(process);
                throw new IllegalStateException("killed after " + timeoutSeconds + " s: " + describe());
            }
            LIVE.remove(process);
            if (process.exitValue() != 0) {
                throw new IllegalStateException("exit code " + process.exitValue() + ": " + describe());
            }
            return Files.readString(out, StandardCharsets.UTF_8);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for " + out, e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** SIGTERM (a broker shuts down cleanly, JFR writes its recording), then SIGKILL after 30 s. */
    void stop() {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        LIVE.remove(process);
    }

    /**
     * CPU time the child has used so far, in milliseconds: user and system time of the process and of the children
     * it has waited for ({@code /proc/<pid>/stat} fields 14–17; for a start script that execs its JVM, the shell's
     * {@code stat}/{@code md5sum} included). Clock ticks are taken as 10 ms (USER_HZ 100, Linux's on every common
     * platform), so this is good to 10 ms.
     */
    long cpuMillis() {
        try {
            final String stat = Files.readString(Path.of("/proc", Long.toString(pid()), "stat"));
            final String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // f[0] is field 3 (state): utime, stime, cutime, cstime are fields 14-17.
            return 10 * (Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14]));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /proc/" + pid() + "/stat (is the child alive? "
                    + isAlive() + ")", e);
        }
    }

    /** The child's output files and their last lines, for an error message. */
    String describe() {
        return tail(out) + "\n" + tail(err);
    }

    private static String tail(final Path file) {
        try {
            final List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            return file + ", last lines:\n  "
                    + String.join("\n  ", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (IOException e) {
            return file + " (unreadable: " + e + ")";
        }
    }

    /**
     * A field of {@code /proc/<pid>/status} in KiB ({@code VmRSS}: resident now, {@code VmHWM}: the peak resident
     * set, {@code RssAnon}, {@code RssFile}: its anonymous and file-backed parts).
     */
    long statusKb(final String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.substring(field.length() + 1).replace("kB", "").trim());
                }
            }
            throw new IllegalStateException("no " + field + " in /proc/" + pid() + "/status");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /proc/" + pid() + "/status (is the child alive? "
                    + isAlive() + ")", e);
        }
    }
}
