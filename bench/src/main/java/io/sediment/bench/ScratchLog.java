package io.sediment.bench;

import io.sediment.api.EngineConfig;
import io.sediment.api.Log;
import io.sediment.api.LogConfig;
import io.sediment.api.TopicPartition;
import io.sediment.log.SegmentLogEngine;

import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A throw-away engine with one log, {@code bench-0}, in a {@link ScratchDirectory}: what each benchmark trial or
 * iteration appends to and reads from.
 *
 * <p>{@link #close()} <em>halts</em> the engine (releases files without flushing, as a killed process would) and then
 * deletes the directory: a clean close would fsync the gigabytes a benchmark wrote, only to delete them, and would
 * hammer the shared disk between iterations. Durability is not what these benchmarks measure: appends go to the
 * page cache, as Kafka's do with its default flush settings.
 *
 * <p>Not thread-safe to open or close; the log itself follows {@link Log}'s threading rules.
 */
public final class ScratchLog implements AutoCloseable {
    public static final TopicPartition PARTITION = new TopicPartition("bench", 0);

    /**
     * The engine logs each open at INFO; benchmarks open one engine per iteration, and those lines would bury JMH's
     * own output. Held in a field because java.util.logging keeps loggers only weakly.
     */
    private static final Logger ENGINE_LOGGER = Logger.getLogger("io.sediment");

    static {
        ENGINE_LOGGER.setLevel(Level.WARNING);
    }

    private final ScratchDirectory directory;
    private final EngineConfig engineConfig;
    private SegmentLogEngine engine;
    private Log log;
    private boolean halted;

    private ScratchLog(final ScratchDirectory directory, final EngineConfig engineConfig, final SegmentLogEngine engine,
                       final Log log) {
        this.directory = directory;
        this.engineConfig = engineConfig;
        this.engine = engine;
        this.log = log;
    }

    /**
     * Opens an engine on backend {@code backend} with {@code segment.bytes} = {@code segmentBytes}, and
     * {@code max.message.bytes} raised to {@code largestBatch} when Kafka's default (1 MiB) is too small for it.
     */
    public static ScratchLog open(final String backend, final int segmentBytes, final int largestBatch) {
        final LogConfig config = LogConfig.DEFAULTS.with(Map.of(
                LogConfig.SEGMENT_BYTES, segmentBytes,
                LogConfig.MAX_MESSAGE_BYTES, Math.max(LogConfig.DEFAULTS.maxMessageBytes(), largestBatch)));
        final ScratchDirectory directory = ScratchDirectory.create("sediment-bench-");
        try {
            final EngineConfig engineConfig = EngineConfig.defaults().withBackend(backend).withDefaultLogConfig(config);
            final SegmentLogEngine engine = SegmentLogEngine.open(directory.path(), engineConfig);
            try {
                return new ScratchLog(directory, engineConfig, engine, engine.createLog(PARTITION, config));
            } catch (RuntimeException e) {
                engine.halt();
                throw e;
            }
        } catch (RuntimeException e) {
            directory.close();
            throw e;
        }
    }

    public Log log() {
        return log;
    }

    SegmentLogEngine engine() {
        return engine;
    }

    /** Releases the files without flushing (as a killed process would) and keeps them, for {@link #recover()}. */
    public void halt() {
        if (!halted) {
            halted = true;
            engine.halt();
        }
    }

    /**
     * Opens a new engine on the files {@link #halt()} left: everything past the recovery point (all of it, since
     * nothing was flushed) is scanned, CRC-checked and re-indexed. Returns the log end offset it recovered to.
     */
    public long recover() {
        if (!halted) {
            throw new IllegalStateException("recover() after halt() only");
        }
        engine = SegmentLogEngine.open(directory.path(), engineConfig);
        halted = false;
        log = engine.log(PARTITION).orElseThrow(() -> new IllegalStateException(PARTITION + " not recovered"));
        return log.logEndOffset();
    }

    @Override
    public void close() {
        try {
            halt();
        } finally {
            directory.close();
        }
    }
}
