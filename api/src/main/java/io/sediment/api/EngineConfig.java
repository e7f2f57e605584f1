package io.sediment.api;

import java.time.InstantSource;
import java.util.Objects;
import java.util.function.Function;

/**
 * Settings of a whole engine: which backend stores the bytes, how often the background thread flushes and
 * enforces retention, the settings of logs found on disk at open, and the clock (injectable for tests).
 *
 * @param backend name of the storage backend ({@code log.backend}; default {@code mmap})
 * @param retentionCheckIntervalMs {@code log.retention.check.interval.ms}, Kafka's default 5 minutes
 * @param flushCheckIntervalMs how often the background thread applies {@code flush.ms}
 *                             ({@code log.flush.scheduler.interval.ms}); Kafka's default is never, ours 1 s
 *                             so that a configured {@code flush.ms} is honoured
 * @param recoveryCheckpointIntervalMs {@code log.flush.offset.checkpoint.interval.ms}, Kafka's default 60 s
 * @param logConfigs the settings of each log the engine finds on disk when it opens
 * @param clock the wall clock for timestamps, {@code segment.ms} and retention
 */
public record EngineConfig(String backend, long retentionCheckIntervalMs, long flushCheckIntervalMs,
                           long recoveryCheckpointIntervalMs, Function<TopicPartition, LogConfig> logConfigs,
                           InstantSource clock) {
    public static final String BACKEND = "log.backend";
    public static final String RETENTION_CHECK_INTERVAL_MS = "log.retention.check.interval.ms";

    public EngineConfig {
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(logConfigs, "logConfigs");
        Objects.requireNonNull(clock, "clock");
        if (retentionCheckIntervalMs < 1) {
            throw new InvalidConfigException(RETENTION_CHECK_INTERVAL_MS, retentionCheckIntervalMs, "Value must be at least 1");
        }
    }

    /** Defaults: mmap backend, Kafka's intervals, Kafka's log defaults, the system clock. */
    public static EngineConfig defaults() {
        return new EngineConfig("mmap", 5 * 60 * 1000L, 1000L, 60_000L, tp -> LogConfig.DEFAULTS,
                InstantSource.system());
    }

    public EngineConfig withBackend(final String name) {
        return new EngineConfig(name, retentionCheckIntervalMs, flushCheckIntervalMs, recoveryCheckpointIntervalMs,
                logConfigs, clock);
    }

    public EngineConfig withRetentionCheckIntervalMs(final long ms) {
        return new EngineConfig(backend, ms, flushCheckIntervalMs, recoveryCheckpointIntervalMs, logConfigs, clock);
    }

    public EngineConfig withLogConfigs(final Function<TopicPartition, LogConfig> configs) {
        return new EngineConfig(backend, retentionCheckIntervalMs, flushCheckIntervalMs, recoveryCheckpointIntervalMs,
                configs, clock);
    }

    public EngineConfig withDefaultLogConfig(final LogConfig config) {
        return withLogConfigs(tp -> config);
    }

    public EngineConfig withClock(final InstantSource c) {
        return new EngineConfig(backend, retentionCheckIntervalMs, flushCheckIntervalMs, recoveryCheckpointIntervalMs,
                logConfigs, c);
    }
}
