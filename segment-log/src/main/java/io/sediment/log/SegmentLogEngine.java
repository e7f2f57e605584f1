package io.sediment.log;

import io.sediment.api.EngineConfig;
import io.sediment.api.Log;
import io.sediment.api.LogAlreadyExistsException;
import io.sediment.api.LogConfig;
import io.sediment.api.LogEngine;
import io.sediment.api.StorageException;
import io.sediment.api.TopicPartition;
import io.sediment.api.UnknownLogException;
import io.sediment.api.spi.BackendStore;
import io.sediment.api.spi.PartitionStore;
import io.sediment.api.spi.StorageBackend;
import io.sediment.log.checkpoint.OffsetCheckpointFile;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.InstantSource;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static java.lang.System.Logger.Level.INFO;
import static java.lang.System.Logger.Level.WARNING;

/**
 * The engine: one data directory ({@code log.dir}) of partition logs, one storage backend, one background thread.
 *
 * <p>Files the engine itself keeps in the data directory, beside the backend's partition data (names as Kafka's):
 * <ul>
 *   <li>{@code .lock} — held while open, so two engines never share a directory;</li>
 *   <li>{@code .kafka_cleanshutdown} — written by {@link #close()}, removed at open: its absence means the last run
 *       crashed and logs are recovered from their recovery points;</li>
 *   <li>{@code recovery-point-offset-checkpoint}, {@code log-start-offset-checkpoint} — Kafka's checkpoint format;</li>
 *   <li>{@code .sediment-backend} — the backend that wrote the directory, so another backend refuses it.</li>
 * </ul>
 *
 * <p>Threading: every public method is safe from any thread. Create, delete and close serialise on the engine's
 * monitor; {@link #log} reads a concurrent map. The single background thread ({@code sediment-scheduler-<dir>})
 * applies {@code flush.ms}, runs retention every {@code log.retention.check.interval.ms}, writes the recovery
 * point checkpoint and deletes retired segments after {@code file.delete.delay.ms}.
 */
public final class SegmentLogEngine implements LogEngine {
    private static final System.Logger LOG = System.getLogger(SegmentLogEngine.class.getName());
    static final String CLEAN_SHUTDOWN_FILE = ".kafka_cleanshutdown";
    static final String LOCK_FILE = ".lock";
    static final String BACKEND_FILE = ".sediment-backend";
    static final String RECOVERY_POINT_CHECKPOINT = "recovery-point-offset-checkpoint";
    static final String LOG_START_OFFSET_CHECKPOINT = "log-start-offset-checkpoint";
    /** Bounded work per retention pass and log, so a large backlog never holds a log's writer lock for long. */
    static final int MAX_SEGMENTS_PER_RETENTION_PASS = 64;

    private final Path directory;
    private final EngineConfig config;
    private final StorageBackend backend;
    private final BackendStore backendStore;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final ConcurrentHashMap<TopicPartition, SegmentedLog> logs = new ConcurrentHashMap<>();
    private final OffsetCheckpointFile recoveryCheckpoint;
    private final OffsetCheckpointFile logStartCheckpoint;
    private final ScheduledThreadPoolExecutor scheduler;
    private final LogEnvironment environment;
    private final Object checkpointLock = new Object();
    private final Set<DelayedTask> delayedTasks = ConcurrentHashMap.newKeySet();
    private boolean closed;

    private SegmentLogEngine(final Path directory, final EngineConfig config, final StorageBackend backend) {
        this.directory = directory;
        this.config = config;
        this.backend = backend;
        try {
            Files.createDirectories(directory);
            lockChannel = FileChannel.open(directory.resolve(LOCK_FILE), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new StorageException(directory.toString(), "cannot open the data directory", e);
        }
        try {
            lock = lockChannel.tryLock();
        } catch (IOException | OverlappingFileLockException e) {
            closeQuietly(lockChannel);
            throw new StorageException(directory.resolve(LOCK_FILE).toString(),
                    "the data directory is in use by another engine", e);
        }
        if (lock == null) {
            closeQuietly(lockChannel);
            throw new StorageException(directory.resolve(LOCK_FILE).toString(),
                    "the data directory is in use by another process");
        }
        try {
            checkBackendMarker();
            this.backendStore = backend.open(directory);
        } catch (RuntimeException e) {
            releaseLock();
            throw e;
        }
        this.recoveryCheckpoint = new OffsetCheckpointFile(directory.resolve(RECOVERY_POINT_CHECKPOINT));
        this.logStartCheckpoint = new OffsetCheckpointFile(directory.resolve(LOG_START_OFFSET_CHECKPOINT));
        this.scheduler = new ScheduledThreadPoolExecutor(1, r -> {
            final Thread t = new Thread(r, "sediment-scheduler-" + directory.getFileName());
            t.setDaemon(true);
            return t;
        });
        scheduler.setRemoveOnCancelPolicy(true);
        this.environment = new LogEnvironment() {
            @Override
            public InstantSource clock() {
                return config.clock();
            }

            @Override
            public void logStartOffsetChanged(final TopicPartition tp, final long offset) {
                writeLogStartCheckpoint();
            }

            @Override
            public void schedule(final long delayMs, final Runnable task) {
                scheduleGuarded(delayMs, task);
            }
        };
    }

    /** Opens (creating if needed) a data directory with the backend named by {@link EngineConfig#backend()}. */
    public static SegmentLogEngine open(final Path directory, final EngineConfig config) {
        return open(directory, config, StorageBackend.named(config.backend()));
    }

    /** Opens a data directory with a backend the embedder constructed. */
    public static SegmentLogEngine open(final Path directory, final EngineConfig config, final StorageBackend backend) {
        final SegmentLogEngine engine = new SegmentLogEngine(directory.toAbsolutePath().normalize(),
                config.withBackend(backend.name()), backend);
        try {
            engine.loadLogs();
        } catch (RuntimeException e) {
            engine.halt();
            throw e;
        }
        engine.startBackgroundWork();
        return engine;
    }

    private void checkBackendMarker() {
        final Path marker = directory.resolve(BACKEND_FILE);
        try {
            if (Files.exists(marker)) {
                final String written = Files.readString(marker, StandardCharsets.UTF_8).trim();
                if (!written.equals(backend.name())) {
                    throw new StorageException(directory.toString(), "the data directory was written by the '"
                            + written + "' backend and cannot be opened with '" + backend.name() + "'");
                }
            } else {
                Files.writeString(marker, backend.name() + "\n", StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new StorageException(marker.toString(), "cannot read or write the backend marker", e);
        }
    }

    private void loadLogs() {
        final Path cleanMarker = directory.resolve(CLEAN_SHUTDOWN_FILE);
        final boolean clean = Files.exists(cleanMarker);
        final Map<TopicPartition, Long> recoveryPoints = recoveryCheckpoint.read();
        final Map<TopicPartition, Long> logStarts = logStartCheckpoint.read();
        for (String name : backendStore.partitions()) {
            final TopicPartition tp;
            try {
                tp = TopicPartition.parse(name);
            } catch (RuntimeException e) {
                LOG.log(WARNING, "ignoring {0} in {1}: not a partition directory name", name, directory);
                continue;
            }
            final PartitionStore store = backendStore.openPartition(name);
            final LogConfig cfg = config.logConfigs().apply(tp);
            final SegmentedLog log;
            try {
                log = new LogLoader(tp, store, cfg, environment).load(clean, recoveryPoints.getOrDefault(tp, 0L),
                        logStarts.getOrDefault(tp, 0L), directory);
            } catch (RuntimeException e) {
                store.close();
                throw e;
            }
            logs.put(tp, log);
        }
        // A directory with no logs and no marker is new (or emptied), not the survivor of a crash: say so.
        LOG.log(INFO, "opened {0} with backend {1}: {2} logs, {3}", directory, backend.name(), logs.size(),
                clean ? "clean shutdown" : logs.isEmpty() ? "no logs yet" : "unclean shutdown, recovered");
        try {
            // From here on a crash is unclean until close() writes the marker again.
            Files.deleteIfExists(cleanMarker);
            syncDirectory();
        } catch (IOException e) {
            throw new StorageException(cleanMarker.toString(), "cannot remove the clean-shutdown marker", e);
        }
    }

    private void startBackgroundWork() {
        final long flushTick = Math.max(1, config.flushCheckIntervalMs());
        scheduler.scheduleWithFixedDelay(guard(this::flushDueLogs), flushTick, flushTick, TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(guard(this::runRetention), config.retentionCheckIntervalMs(),
                config.retentionCheckIntervalMs(), TimeUnit.MILLISECONDS);
        final long cp = Math.max(1, config.recoveryCheckpointIntervalMs());
        scheduler.scheduleWithFixedDelay(guard(this::writeRecoveryCheckpoint), cp, cp, TimeUnit.MILLISECONDS);
    }

    private Runnable guard(final Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                // A failing pass must not kill the thread that runs every later pass.
                LOG.log(WARNING, "background task failed in " + directory, e);
            }
        };
    }

    /**
     * Runs {@code task} once after {@code delayMs}, or at close if that comes first. Tracked here rather than
     * left to the executor, whose {@code shutdownNow} hands back delayed tasks that cancel instead of running.
     */
    private void scheduleGuarded(final long delayMs, final Runnable task) {
        final DelayedTask delayed = new DelayedTask(task);
        delayedTasks.add(delayed);
        try {
            scheduler.schedule(guard(delayed), delayMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // Shutting down: run it now rather than lose it.
            delayed.run();
        }
    }

    /** A task that runs at most once, from whichever comes first: its timer or the engine's close. */
    private final class DelayedTask implements Runnable {
        private final Runnable task;
        private final AtomicBoolean ran = new AtomicBoolean();

        DelayedTask(final Runnable task) {
            this.task = task;
        }

        @Override
        public void run() {
            if (ran.compareAndSet(false, true)) {
                delayedTasks.remove(this);
                task.run();
            }
        }
    }

    @Override
    public Path directory() {
        return directory;
    }

    @Override
    public String backendName() {
        return backend.name();
    }

    @Override
    public synchronized Log createLog(final TopicPartition tp, final LogConfig cfg) {
        ensureOpen();
        if (logs.containsKey(tp)) {
            throw new LogAlreadyExistsException(tp);
        }
        final PartitionStore store = backendStore.createPartition(tp.directoryName());
        final SegmentedLog log = new LogLoader(tp, store, cfg, environment).load(true, 0L, 0L, directory);
        logs.put(tp, log);
        return log;
    }

    @Override
    public synchronized Log getOrCreateLog(final TopicPartition tp, final LogConfig cfg) {
        final SegmentedLog existing = logs.get(tp);
        return existing != null ? existing : createLog(tp, cfg);
    }

    @Override
    public Optional<Log> log(final TopicPartition tp) {
        return Optional.ofNullable(logs.get(tp));
    }

    @Override
    public synchronized void deleteLog(final TopicPartition tp) {
        ensureOpen();
        final SegmentedLog log = logs.remove(tp);
        if (log == null) {
            throw new UnknownLogException(tp);
        }
        log.closeThen(() -> backendStore.deletePartition(tp.directoryName()));
        writeLogStartCheckpoint();
        writeRecoveryCheckpoint();
    }

    @Override
    public SortedSet<TopicPartition> logs() {
        return Collections.unmodifiableSortedSet(new TreeSet<>(logs.keySet()));
    }

    @Override
    public void runRetention() {
        final long now = config.clock().millis();
        for (SegmentedLog log : logs.values()) {
            log.enforceRetention(now, MAX_SEGMENTS_PER_RETENTION_PASS);
        }
    }

    private void flushDueLogs() {
        final long now = config.clock().millis();
        for (SegmentedLog log : logs.values()) {
            log.flushIfDue(now);
        }
    }

    // Checkpoint writers take checkpointLock, never the engine's monitor: a log calls them while holding its writer
    // lock, and deleteLog holds the engine's monitor while it takes a log's writer lock.
    private void writeRecoveryCheckpoint() {
        synchronized (checkpointLock) {
            writeRecoveryCheckpointLocked();
        }
    }

    private void writeRecoveryCheckpointLocked() {
        final Map<TopicPartition, Long> points = new HashMap<>();
        for (Map.Entry<TopicPartition, SegmentedLog> e : logs.entrySet()) {
            points.put(e.getKey(), e.getValue().recoveryPoint());
        }
        recoveryCheckpoint.write(points);
    }

    private void writeLogStartCheckpoint() {
        synchronized (checkpointLock) {
            writeLogStartCheckpointLocked();
        }
    }

    private void writeLogStartCheckpointLocked() {
        final Map<TopicPartition, Long> starts = new HashMap<>();
        for (Map.Entry<TopicPartition, SegmentedLog> e : logs.entrySet()) {
            starts.put(e.getKey(), e.getValue().logStartOffset());
        }
        logStartCheckpoint.write(starts);
    }

    /**
     * Closes every log (flushing it), writes the checkpoints and the clean-shutdown marker, and releases the
     * directory. Deletions still waiting for {@code file.delete.delay.ms} happen now unless a slice pins them.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        stopScheduler(true);
        for (SegmentedLog log : logs.values()) {
            log.close();
        }
        writeRecoveryCheckpoint();
        writeLogStartCheckpoint();
        backendStore.close();
        try {
            Files.writeString(directory.resolve(CLEAN_SHUTDOWN_FILE), "", StandardCharsets.UTF_8);
            syncDirectory();
        } catch (IOException e) {
            LOG.log(WARNING, "could not write the clean-shutdown marker in " + directory, e);
        }
        releaseLock();
    }

    /**
     * Stops as a killed process would: releases files without flushing, trimming, checkpointing or writing the
     * clean-shutdown marker, so the next open recovers. For crash-consistency tests and tools.
     */
    public void halt() {
        synchronized (this) {
            closed = true;
        }
        stopScheduler(false);
        for (SegmentedLog log : logs.values()) {
            log.halt();
        }
        backendStore.close();
        releaseLock();
    }

    private void stopScheduler(final boolean runDelayedTasks) {
        scheduler.shutdownNow();
        try {
            if (!scheduler.awaitTermination(30, TimeUnit.SECONDS)) {
                LOG.log(WARNING, "background thread of {0} did not stop within 30 s", directory);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (runDelayedTasks) {
            for (DelayedTask t : List.copyOf(delayedTasks)) {
                t.run();
            }
        }
    }

    private void syncDirectory() throws IOException {
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException e) {
            // Some platforms refuse to open a directory; the rename/create is still ordered by the file system.
            LOG.log(System.Logger.Level.DEBUG, "directory fsync not supported for " + directory, e);
        }
    }

    private void releaseLock() {
        try {
            lock.release();
        } catch (IOException e) {
            LOG.log(WARNING, "could not release " + LOCK_FILE + " in " + directory, e);
        }
        closeQuietly(lockChannel);
    }

    private static void closeQuietly(final FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // Nothing left to do with a channel we are abandoning.
        }
    }

    private synchronized void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("engine on " + directory + " is closed");
        }
    }

    @Override
    public String toString() {
        return "SegmentLogEngine{" + directory + ", backend=" + backend.name() + ", logs=" + logs.size() + '}';
    }
}
