package io.sediment.log;

import io.sediment.api.TopicPartition;

import java.time.InstantSource;

/**
 * What a log needs from its engine: the clock, a way to make a new log start offset durable, and a way to
 * delete a retired segment's files after {@code file.delete.delay.ms}.
 */
interface LogEnvironment {
    InstantSource clock();

    /** Persists every log's start offset (the engine writes its checkpoint file); returns once durable. */
    void logStartOffsetChanged(TopicPartition topicPartition, long logStartOffset);

    /** Runs {@code task} on the engine's background thread after {@code delayMs}. */
    void schedule(long delayMs, Runnable task);
}
