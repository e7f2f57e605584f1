package io.sediment.fuzz;

import io.sediment.api.Log;
import io.sediment.api.SedimentException;
import io.sediment.log.SegmentLogEngine;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The parent side of the crash-consistency run: starts {@link CrashWriter} in a child JVM, SIGKILLs it at a
 * random moment ({@link Process#destroyForcibly()} is SIGKILL on Linux), reopens the directory in this JVM and
 * checks it with {@link LogVerifier}; then again, on the same directory, {@code kills} times, so recovery also
 * runs over what earlier recoveries left.
 *
 * <p>Checked after every kill: every acknowledged record at or above the log start offset is present and
 * byte-identical; no corrupt batch is readable; offsets are dense; indexes agree with the data; the log start
 * offset is at least every start offset the child was told was durable, and never below the one seen after the
 * previous kill.
 *
 * <p>Kill timing: one kill in eight comes at a random time up to 1.5 s after the child starts (JVM start, engine
 * open and recovery); the others come a random 0–500 ms after the child reports it is open. The phase the child
 * was in (its last {@code B <op>} line not yet followed by its result) is counted per kill.
 *
 * <p>Single-threaded, apart from one reader thread per child.
 */
public final class CrashRun {
    /** Child JVM flags that shorten its start (the run is dominated by JVM starts). */
    private static final List<String> FAST_START = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx256m",
            "-Xshare:auto");

    private final Path dir;
    private final String backend;
    private final boolean flushEach;
    private final long seed;
    private final String classpath;
    private final List<String> jvmFlags;
    private final SplittableRandom random;
    private final NavigableMap<Long, long[]> acked = new TreeMap<>();
    /**
     * Whether an append that returned survives a process kill without a flush: true for mmap (the bytes are in the
     * page cache), false for lmdb (its README: the uncommitted tail of up to 1 MiB lives in process memory until
     * {@code flush}). Without it, appends wait in {@link #pending} until the child reports a flush.
     */
    private final boolean appendsSurviveKill;
    private final NavigableMap<Long, long[]> pending = new TreeMap<>();
    private long durableStart;
    private long lastSeenStart;

    public CrashRun(final Path dir, final String backend, final boolean flushEach, final long seed,
                    final String classpath, final List<String> jvmFlags) {
        this.dir = dir;
        this.backend = backend;
        this.flushEach = flushEach;
        this.seed = seed;
        this.classpath = classpath;
        this.jvmFlags = jvmFlags;
        this.random = new SplittableRandom(seed);
        this.appendsSurviveKill = flushEach || !backend.equals("lmdb");
    }

    /** Runs {@code kills} kill-and-verify rounds; stops at the first round that finds a problem. */
    public CrashResult run(final int kills) throws IOException, InterruptedException {
        return run(kills, Long.MAX_VALUE);
    }

    /** As {@link #run(int)}, but starts no round after {@code System.nanoTime()} passes {@code deadlineNanos}. */
    public CrashResult run(final int kills, final long deadlineNanos) throws IOException, InterruptedException {
        final CrashResult result = new CrashResult(backend, flushEach ? "flush.messages=1" : "page cache only");
        for (int k = 0; k < kills && result.failures.isEmpty() && System.nanoTime() - deadlineNanos < 0; k++) {
            round(k, result);
        }
        return result;
    }

    private void round(final int k, final CrashResult result) throws IOException, InterruptedException {
        final List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(FAST_START);
        cmd.addAll(jvmFlags);
        cmd.add("-cp");
        cmd.add(classpath);
        cmd.add(CrashWriter.class.getName());
        cmd.add(dir.toString());
        cmd.add(flushEach ? "flush" : "pagecache");
        cmd.add(Long.toString(seed));
        cmd.add(backend);
        final Path err = dir.resolveSibling(dir.getFileName() + ".child-stderr.txt");
        pending.clear();
        final Process child = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
        final ChildOutput output = new ChildOutput(child);
        output.start();
        final boolean early = random.nextInt(8) == 0;
        if (early) {
            Thread.sleep(random.nextInt(1500));
        } else {
            output.awaitReady(60_000);
            Thread.sleep(random.nextInt(501));
        }
        final boolean alive = child.isAlive();
        child.destroyForcibly();
        if (!child.waitFor(60, TimeUnit.SECONDS)) {
            result.failures.add("round " + k + ": child did not die after SIGKILL");
            return;
        }
        output.join();
        if (!alive) {
            result.failures.add("round " + k + ": child exited by itself with code " + child.exitValue()
                    + " before the kill; stderr: " + tail(err));
            return;
        }
        result.kills++;
        result.phases.merge(output.phase, 1, Integer::sum);
        result.lastPhase = output.phase;
        result.recordsAcked += output.ackedRecords;
        synchronized (output) {
            durableStart = Math.max(durableStart, output.durableStart);
        }
        verify(k, result);
    }

    private void verify(final int k, final CrashResult result) {
        final SegmentLogEngine engine;
        try {
            engine = SegmentLogEngine.open(dir, FuzzLogs.engineConfig(backend, flushEach)
                    .withRetentionCheckIntervalMs(Long.MAX_VALUE / 4));
        } catch (RuntimeException e) {
            result.failures.add("round " + k + " (kill during " + result.lastPhase + "): reopen failed: "
                    + LogVerifier.describe(e));
            return;
        }
        try {
            final Optional<Log> maybeLog = engine.log(FuzzLogs.PARTITION);
            if (maybeLog.isEmpty()) {
                if (!acked.isEmpty() || durableStart > 0) {
                    result.failures.add("round " + k + ": the log is gone after the kill");
                }
                return;
            }
            final Log log = maybeLog.get();
            final Verdict v = new LogVerifier(seed, random).verify(log, acked);
            result.recordsVerified += v.recordsVerified;
            result.recordsLost += v.recordsLost;
            result.corruptReads += v.detectedCorruptReads + v.silentlyWrong + v.typedReadErrors + v.uncheckedErrors;
            result.indexMismatches += v.indexMismatches;
            final long start = v.logStartOffset;
            if (start < durableStart || start < lastSeenStart) {
                result.startWentBack++;
                result.failures.add("round " + k + ": log start offset " + start + " is below the durable "
                        + durableStart + " / previously seen " + lastSeenStart);
            }
            if (!v.intact()) {
                result.failures.add("round " + k + " (kill during " + result.lastPhase + "): " + v);
            }
            lastSeenStart = Math.max(lastSeenStart, start);
            acked.headMap(start, false).entrySet().removeIf(e -> e.getValue()[0] < start);
        } catch (SedimentException | IllegalStateException e) {
            result.failures.add("round " + k + ": verification failed: " + LogVerifier.describe(e));
        } finally {
            // Half the time the next child finds a clean shutdown, half the time another crash to recover from.
            if (random.nextBoolean()) {
                engine.close();
            } else {
                engine.halt();
            }
        }
    }

    private static String tail(final Path file) {
        try {
            final List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    /** Reads the child's protocol lines as they come, recording acknowledgements into {@link #acked}. */
    private final class ChildOutput extends Thread {
        private final Process child;
        private boolean ready;
        String phase = "startup";
        long ackedRecords;
        long durableStart;

        ChildOutput(final Process child) {
            super("crash-child-reader");
            setDaemon(true);
            this.child = child;
        }

        @Override
        public void run() {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    accept(line);
                }
            } catch (IOException | RuntimeException e) {
                // The pipe breaks when the child dies; every complete line before that was taken.
            }
        }

        private void accept(final String line) {
            final String[] f = line.split(" ");
            switch (f[0]) {
                case "READY" -> {
                    if (f.length != 3) {
                        return;
                    }
                    synchronized (this) {
                        ready = true;
                        phase = "between operations";
                        notifyAll();
                    }
                }
                case "B" -> {
                    if (f.length == 2) {
                        phase = f[1];
                    }
                }
                case "A" -> {
                    if (f.length != 4) {
                        return; // torn by the kill
                    }
                    final long first = Long.parseLong(f[1]);
                    final long last = Long.parseLong(f[2]);
                    final long ts = Long.parseLong(f[3]);
                    synchronized (CrashRun.this) {
                        acked.tailMap(first, true).clear();
                        pending.tailMap(first, true).clear();
                        (appendsSurviveKill ? acked : pending).put(first, new long[]{last, ts});
                    }
                    ackedRecords += last - first + 1;
                    phase = "between operations";
                }
                case "D" -> {
                    if (f.length == 2) {
                        synchronized (this) {
                            durableStart = Math.max(durableStart, Long.parseLong(f[1]));
                        }
                        phase = "between operations";
                    }
                }
                case "E" -> {
                    if (f.length == 2 && f[1].equals("flush")) {
                        synchronized (CrashRun.this) {
                            acked.putAll(pending);
                            pending.clear();
                        }
                    }
                    phase = "between operations";
                }
                default -> {
                    // a torn line
                }
            }
        }

        synchronized void awaitReady(final long timeoutMs) throws InterruptedException {
            final long deadline = System.currentTimeMillis() + timeoutMs;
            while (!ready && child.isAlive()) {
                final long left = deadline - System.currentTimeMillis();
                if (left <= 0) {
                    return;
                }
                wait(Math.min(left, 100));
            }
        }
    }

    /** Totals of a crash run. Not thread-safe. */
    public static final class CrashResult {
        public final String backend;
        public final String mode;
        public int kills;
        public final Map<String, Integer> phases = new TreeMap<>();
        public long recordsAcked;
        public long recordsVerified;
        public long recordsLost;
        public long corruptReads;
        public long indexMismatches;
        public long startWentBack;
        String lastPhase = "?";
        public final List<String> failures = new ArrayList<>();

        CrashResult(final String backend, final String mode) {
            this.backend = backend;
            this.mode = mode;
        }

        @Override
        public String toString() {
            return "crash[" + backend + ", " + mode + "]: kills=" + kills + " by phase " + phases + ", acked="
                    + recordsAcked + ", verified=" + recordsVerified + ", lost=" + recordsLost + ", corruptReads="
                    + corruptReads + ", indexMismatches=" + indexMismatches + ", startWentBack=" + startWentBack
                    + ", failures=" + failures;
        }
    }
}
