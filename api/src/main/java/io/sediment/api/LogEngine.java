package io.sediment.api;

import java.nio.file.Path;
import java.util.Optional;
import java.util.SortedSet;

/**
 * A data directory of logs, one per topic-partition, all stored by one backend.
 *
 * <p>Threading: every method is safe from any thread. Creating, deleting and closing take the engine's lock;
 * {@link #log} is lock-free.
 */
public interface LogEngine extends AutoCloseable {
    /** The data directory ({@code log.dir}). */
    Path directory();

    /** Name of the storage backend in use ({@code mmap}, {@code lmdb}). */
    String backendName();

    /**
     * Creates an empty log.
     *
     * @throws LogAlreadyExistsException when it exists
     */
    Log createLog(TopicPartition topicPartition, LogConfig config);

    /** The log if it exists, else a new one with {@code config}. */
    Log getOrCreateLog(TopicPartition topicPartition, LogConfig config);

    Optional<Log> log(TopicPartition topicPartition);

    /**
     * The log, or {@link UnknownLogException}.
     */
    default Log getLog(final TopicPartition topicPartition) {
        return log(topicPartition).orElseThrow(() -> new UnknownLogException(topicPartition));
    }

    /** Closes the log and removes its data. Slices still open stay valid until closed. */
    void deleteLog(TopicPartition topicPartition);

    SortedSet<TopicPartition> logs();

    /** Runs one retention pass over every log now (the background scheduler does this periodically). */
    void runRetention();

    /** Closes every log cleanly, leaving the clean-shutdown marker so the next open skips recovery. Idempotent. */
    @Override
    void close();
}
