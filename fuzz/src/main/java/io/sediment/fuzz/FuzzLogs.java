package io.sediment.fuzz;

import io.sediment.api.EngineConfig;
import io.sediment.api.LogConfig;
import io.sediment.api.TopicPartition;

import java.util.Map;

/**
 * The log and engine settings every fuzz run uses: tiny segments and indexes so that rolls, full indexes,
 * retention deletions and checkpoint writes happen every few hundred milliseconds, which is where the kills and
 * corruptions are meant to land.
 *
 * <p>Immutable constants; any thread.
 */
public final class FuzzLogs {
    /** The one partition a fuzz run writes. */
    public static final TopicPartition PARTITION = new TopicPartition("fuzz", 0);

    private FuzzLogs() {
    }

    /**
     * @param flushEachAppend {@code flush.messages=1} (every append fsyncs before it returns) when true; otherwise
     *                        nothing is flushed explicitly and durability is left to the page cache
     */
    public static LogConfig logConfig(final boolean flushEachAppend) {
        return LogConfig.from(Map.of(
                LogConfig.SEGMENT_BYTES, 16 * 1024,
                // 128 offset entries / 85 time entries: an index fills before the segment does now and then
                LogConfig.SEGMENT_INDEX_BYTES, 1024,
                LogConfig.INDEX_INTERVAL_BYTES, 256,
                LogConfig.RETENTION_BYTES, 96 * 1024,
                LogConfig.RETENTION_MS, 4_000,
                LogConfig.FILE_DELETE_DELAY_MS, 30,
                LogConfig.FLUSH_MESSAGES, flushEachAppend ? 1L : Long.MAX_VALUE));
    }

    /** The engine: the named backend, retention and the recovery-point checkpoint every 100 ms. */
    public static EngineConfig engineConfig(final String backend, final boolean flushEachAppend) {
        final EngineConfig d = EngineConfig.defaults().withBackend(backend)
                .withDefaultLogConfig(logConfig(flushEachAppend));
        return new EngineConfig(d.backend(), 100, d.flushCheckIntervalMs(), 100, d.logConfigs(), d.clock());
    }
}
