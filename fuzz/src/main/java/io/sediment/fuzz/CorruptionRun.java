package io.sediment.fuzz;

import io.sediment.api.EngineConfig;
import io.sediment.api.Log;
import io.sediment.api.SedimentException;
import io.sediment.log.SegmentLogEngine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * The corruption run: writes a few template data directories (closed cleanly, or halted as a crash leaves them),
 * then, {@code iterations} times, copies one, damages one of its files with {@link Corruptor}, opens it and reads
 * everything back with {@link LogVerifier}.
 *
 * <p>What passes: the open fails with a {@link SedimentException} (a typed error), or it succeeds and every batch
 * read either fails its CRC (a detected corrupt read, which any consumer rejects) or is exactly what was written at
 * that offset, offsets are dense and the indexes agree with the data. What fails: an exception that is not a
 * {@code SedimentException} (from open, a read or close), a hang (30 s), data that passes the CRC but is not what
 * was written (including offsets that are not dense: {@code baseOffset} is outside the CRC), or indexes that
 * disagree with the data. Records that recovery dropped are counted (a truncated {@code .log} must lose them),
 * not failed.
 *
 * <p>Single-threaded, apart from the worker that runs each open (so that a hang is reported, not waited on).
 */
public final class CorruptionRun {
    /** What one damaged directory did when opened. */
    public enum Outcome {
        REFUSED_NAMING_FILE, REFUSED_NAMING_OTHER, RECOVERED_INTACT, RECOVERED_DROPPED_RECORDS,
        SERVED_CORRUPT_DETECTED, SILENTLY_WRONG, UNCHECKED_ERROR, HANG;

        boolean failure() {
            return this == SILENTLY_WRONG || this == UNCHECKED_ERROR || this == HANG;
        }
    }

    private static final long TIMEOUT_SECONDS = 30;

    private final Path work;
    private final String backend;
    private final long seed;
    private final SplittableRandom random;
    private final Corruptor corruptor;
    private final List<Template> templates = new ArrayList<>();
    private ExecutorService worker = newWorker();

    public CorruptionRun(final Path work, final String backend, final long seed) {
        this.work = work;
        this.backend = backend;
        this.seed = seed;
        this.random = new SplittableRandom(seed);
        this.corruptor = new Corruptor(random.split());
    }

    private record Template(Path dir, boolean clean, long start, long end) {
    }

    /** Runs {@code iterations} corruptions; stops early after a hang (the hung thread keeps a core busy). */
    public CorruptionResult run(final int iterations) throws IOException {
        final CorruptionResult result = new CorruptionResult(backend);
        buildTemplates();
        try {
            for (int i = 0; i < iterations; i++) {
                final Outcome o = iteration(i, result);
                if (o == Outcome.HANG) {
                    break;
                }
            }
        } finally {
            worker.shutdownNow();
        }
        return result;
    }

    private EngineConfig config() {
        return FuzzLogs.engineConfig(backend, false).withRetentionCheckIntervalMs(Long.MAX_VALUE / 4);
    }

    private void buildTemplates() throws IOException {
        int n = 0;
        for (boolean clean : new boolean[]{true, false}) {
            for (int records : new int[]{40, 400}) {
                final Path dir = work.resolve("template-" + n++);
                final SegmentLogEngine engine = SegmentLogEngine.open(dir, config());
                final Log log = engine.getOrCreateLog(FuzzLogs.PARTITION, FuzzLogs.logConfig(false));
                long ts = 1_700_000_000_000L + random.nextInt(1000);
                while (log.logEndOffset() < records) {
                    final int count = 1 + random.nextInt(8);
                    log.append(RecordContent.batch(seed, log.logEndOffset(), count, ts));
                    ts += random.nextInt(3);
                    if (random.nextInt(20) == 0) {
                        log.flush();
                    }
                }
                if (records > 100) {
                    log.deleteRecordsBefore(records / 3);
                    engine.runRetention();
                    log.flush();
                    log.append(RecordContent.batch(seed, log.logEndOffset(), 3, ts));
                }
                final long start = log.logStartOffset();
                final long end = log.logEndOffset();
                if (clean) {
                    engine.close();
                } else {
                    engine.halt();
                }
                templates.add(new Template(dir, clean, start, end));
            }
        }
    }

    private Outcome iteration(final int i, final CorruptionResult result) throws IOException {
        final Template t = templates.get(random.nextInt(templates.size()));
        final Path dir = work.resolve("case");
        deleteTree(dir);
        copyTree(t.dir, dir);
        final String kind = pickKind(dir);
        final Path file = pickFile(dir, kind);
        final Corruptor.Fault fault = corruptor.pick(file, kind.equals("marker"));
        final String did = corruptor.apply(file, fault);
        final String caseName = "#" + i + " " + (t.clean ? "clean" : "crashed") + " template, " + dir.relativize(file)
                + " " + did;
        // A native abort (LMDB asserts on some damage) kills the JVM before anything is reported: this file, in
        // the temp directory the abort leaves behind beside the damaged case/, says which case it was.
        Files.writeString(work.resolve("last-case.txt"), "seed " + seed + ", " + backend + ": " + caseName + "\n");
        final Future<Outcome> f = worker.submit(() -> openAndVerify(dir, file, kind, t, caseName, result));
        Outcome o;
        try {
            o = f.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            worker.shutdownNow();
            worker = newWorker();
            o = Outcome.HANG;
            result.example(o, kind, caseName + ": open/read did not finish within " + TIMEOUT_SECONDS + " s");
        } catch (ExecutionException e) {
            o = Outcome.UNCHECKED_ERROR;
            result.example(o, kind, caseName + ": " + LogVerifier.describe(e.getCause()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        result.count(kind, fault, o, trustedUnread(kind, t.clean));
        return o;
    }

    private Outcome openAndVerify(final Path dir, final Path file, final String kind, final Template t,
                                 final String caseName, final CorruptionResult result) {
        final SegmentLogEngine engine;
        try {
            engine = SegmentLogEngine.open(dir, config());
        } catch (SedimentException e) {
            final String name = file.getFileName().toString();
            final Outcome o = String.valueOf(e.getMessage()).contains(name) ? Outcome.REFUSED_NAMING_FILE
                    : Outcome.REFUSED_NAMING_OTHER;
            result.example(o, kind, caseName + ": " + e.getMessage());
            return o;
        } catch (RuntimeException | Error e) {
            result.example(Outcome.UNCHECKED_ERROR, kind, caseName + ": open threw " + LogVerifier.describe(e));
            return Outcome.UNCHECKED_ERROR;
        }
        Outcome o;
        try {
            o = verify(engine, kind, t, caseName, result);
        } finally {
            try {
                engine.close();
            } catch (RuntimeException | Error e) {
                result.example(Outcome.UNCHECKED_ERROR, kind, caseName + ": close threw " + LogVerifier.describe(e));
                o = Outcome.UNCHECKED_ERROR;
            }
        }
        return o;
    }

    private Outcome verify(final SegmentLogEngine engine, final String kind, final Template t, final String caseName,
                           final CorruptionResult result) {
        final Optional<Log> log = engine.log(FuzzLogs.PARTITION);
        if (log.isEmpty()) {
            result.recordsDropped += t.end - t.start;
            result.example(Outcome.RECOVERED_DROPPED_RECORDS, kind, caseName + ": the log is gone");
            return Outcome.RECOVERED_DROPPED_RECORDS;
        }
        final Verdict v = new LogVerifier(seed, random.split()).verify(log.get(), new TreeMap<>());
        result.recordsRead += v.recordsVerified;
        result.detectedCorruptReads += v.detectedCorruptReads + v.typedReadErrors;
        result.silentlyWrong += v.silentlyWrong + v.indexMismatches;
        if (v.uncheckedErrors > 0) {
            result.example(Outcome.UNCHECKED_ERROR, kind, caseName + ": " + v);
            return Outcome.UNCHECKED_ERROR;
        }
        if (v.silentlyWrong > 0 || v.indexMismatches > 0) {
            result.example(Outcome.SILENTLY_WRONG, kind, caseName + ": " + v);
            return Outcome.SILENTLY_WRONG;
        }
        if (v.detectedCorruptReads > 0 || v.typedReadErrors > 0) {
            result.example(Outcome.SERVED_CORRUPT_DETECTED, kind, caseName + ": " + v);
            return Outcome.SERVED_CORRUPT_DETECTED;
        }
        final long dropped = Math.max(0, (t.end - Math.max(t.start, v.logStartOffset)) - v.recordsVerified)
                + Math.max(0, Math.min(v.logStartOffset, t.end) - t.start);
        if (dropped > 0) {
            result.recordsDropped += dropped;
            result.example(Outcome.RECOVERED_DROPPED_RECORDS, kind, caseName + ": " + dropped + " records dropped, log now ["
                    + v.logStartOffset + ", " + v.logEndOffset + ") was [" + t.start + ", " + t.end + ")");
            return Outcome.RECOVERED_DROPPED_RECORDS;
        }
        return Outcome.RECOVERED_INTACT;
    }

    /** The kind of file to damage, each kind equally likely among those present. */
    private String pickKind(final Path dir) throws IOException {
        final List<String> kinds = new ArrayList<>(List.of("recovery-point-offset-checkpoint",
                "log-start-offset-checkpoint", "marker"));
        try (Stream<Path> s = Files.walk(dir)) {
            s.filter(Files::isRegularFile).map(CorruptionRun::kindOf).filter(k -> !k.isEmpty() && !kinds.contains(k))
                    .forEach(kinds::add);
        }
        kinds.sort(Comparator.naturalOrder());
        return kinds.get(random.nextInt(kinds.size()));
    }

    private Path pickFile(final Path dir, final String kind) throws IOException {
        if (kind.equals("marker")) {
            return dir.resolve(".kafka_cleanshutdown");
        }
        if (kind.endsWith("checkpoint")) {
            return dir.resolve(kind);
        }
        final List<Path> files;
        try (Stream<Path> s = Files.walk(dir)) {
            files = s.filter(Files::isRegularFile).filter(p -> kindOf(p).equals(kind)).sorted().toList();
        }
        return files.get(random.nextInt(files.size()));
    }

    /**
     * Files whose damage nothing is designed to detect: segment files after a clean shutdown (the engine trusts them
     * unread, as Kafka does) and LMDB's {@code data.mdb} at any time (LMDB keeps no page checksums, and after a
     * crash its last commit is trusted as a whole).
     */
    static boolean trustedUnread(final String kind, final boolean cleanShutdown) {
        return kind.equals("lmdb data.mdb") || (cleanShutdown && (kind.startsWith(".") || kind.startsWith("lmdb")));
    }

    static String kindOf(final Path p) {
        final String n = p.getFileName().toString();
        if (n.endsWith(".log") || n.endsWith(".index") || n.endsWith(".timeindex")) {
            return n.substring(n.lastIndexOf('.'));
        }
        if (n.endsWith(".mdb")) {
            return "lmdb " + n;
        }
        if (n.equals("recovery-point-offset-checkpoint") || n.equals("log-start-offset-checkpoint")) {
            return n;
        }
        return "";
    }

    private static ExecutorService newWorker() {
        return Executors.newSingleThreadExecutor(r -> {
            final Thread t = new Thread(r, "corruption-worker");
            t.setDaemon(true);
            return t;
        });
    }

    static void copyTree(final Path from, final Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                final Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else if (!p.getFileName().toString().equals(".lock")) {
                    Files.copy(p, target);
                }
            }
        }
    }

    static void deleteTree(final Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }

    /** Totals of a corruption run, per file kind and fault. Thread-safe (the worker records examples). */
    public static final class CorruptionResult {
        public final String backend;
        public int iterations;
        public final Map<String, Map<Outcome, Integer>> byKind = new TreeMap<>();
        public final Map<Corruptor.Fault, Integer> byFault = new EnumMap<>(Corruptor.Fault.class);
        public final Map<Outcome, Integer> outcomes = new EnumMap<>(Outcome.class);
        public long recordsRead;
        public long recordsDropped;
        public long detectedCorruptReads;
        public long silentlyWrong;
        private int failuresBehindCleanShutdown;
        private int failuresElsewhere;
        public final Map<String, List<String>> examples = new TreeMap<>();

        CorruptionResult(final String backend) {
            this.backend = backend;
        }

        synchronized void count(final String kind, final Corruptor.Fault fault, final Outcome o,
                                final boolean trustedSegmentFile) {
            iterations++;
            if (o.failure()) {
                if (trustedSegmentFile) {
                    failuresBehindCleanShutdown++;
                } else {
                    failuresElsewhere++;
                }
            }
            byKind.computeIfAbsent(kind, k -> new EnumMap<>(Outcome.class)).merge(o, 1, Integer::sum);
            byFault.merge(fault, 1, Integer::sum);
            outcomes.merge(o, 1, Integer::sum);
        }

        synchronized void example(final Outcome o, final String kind, final String what) {
            final List<String> list = examples.computeIfAbsent(o + " " + kind, k -> new ArrayList<>());
            if (list.size() < 3) {
                list.add(what);
            }
        }

        /** Failures with a file damaged that is trusted unread (see {@link CorruptionRun#trustedUnread}). */
        public synchronized int failuresBehindCleanShutdown() {
            return failuresBehindCleanShutdown;
        }

        /** Failures after a crash, or with a damaged checkpoint or marker. */
        public synchronized int failuresElsewhere() {
            return failuresElsewhere;
        }

        @Override
        public synchronized String toString() {
            final StringBuilder b = new StringBuilder("corruption[" + backend + "]: " + iterations + " iterations, "
                    + outcomes + ", faults " + byFault + ", records read " + recordsRead + ", dropped "
                    + recordsDropped + ", detected corrupt reads " + detectedCorruptReads + ", silently wrong "
                    + silentlyWrong + ", failures behind a clean shutdown " + failuresBehindCleanShutdown + ", other failures "
                    + failuresElsewhere + "\n  by file: " + byKind);
            for (Map.Entry<String, List<String>> e : examples.entrySet()) {
                b.append("\n  ").append(e.getKey()).append(':');
                for (String s : e.getValue()) {
                    b.append("\n    ").append(s);
                }
            }
            return b.toString();
        }
    }
}
