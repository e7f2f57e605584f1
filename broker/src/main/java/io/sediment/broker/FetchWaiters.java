package io.sediment.broker;

import io.sediment.api.TopicPartition;

import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Long-poll fetches parked until data arrives or their {@code max.wait.ms} runs out (Kafka's fetch purgatory).
 * An append to a partition wakes every fetch waiting on it; a woken fetch re-reads and either answers or keeps
 * waiting (when {@code min.bytes} is still not met). Wake-ups and timeouts run the waiter on the I/O executor, never
 * on the appending thread.
 *
 * <p>Threading: every method is safe from any thread.
 */
final class FetchWaiters {
    /** A parked fetch. {@link #retry} must be idempotent after the fetch has answered. */
    interface Waiter {
        void retry(boolean expired);
    }

    private final ConcurrentHashMap<TopicPartition, Set<Waiter>> byPartition = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer;
    private final Executor executor;

    FetchWaiters(final ScheduledExecutorService timer, final Executor executor) {
        this.timer = timer;
        this.executor = executor;
    }

    /** Parks {@code waiter} on {@code partitions}; returns a handle to {@link #remove} it once it has answered. */
    ScheduledFuture<?> park(final Collection<TopicPartition> partitions, final long timeoutMs, final Waiter waiter) {
        for (TopicPartition tp : partitions) {
            byPartition.computeIfAbsent(tp, k -> ConcurrentHashMap.newKeySet()).add(waiter);
        }
        return timer.schedule(() -> run(() -> waiter.retry(true)), timeoutMs, TimeUnit.MILLISECONDS);
    }

    void remove(final Collection<TopicPartition> partitions, final Waiter waiter) {
        for (TopicPartition tp : partitions) {
            byPartition.computeIfPresent(tp, (k, set) -> {
                set.remove(waiter);
                return set.isEmpty() ? null : set;
            });
        }
    }

    /** Data was appended to {@code tp} (or it changed otherwise): let its waiters re-check. */
    void wake(final TopicPartition tp) {
        final Set<Waiter> set = byPartition.get(tp);
        if (set != null) {
            for (Waiter w : set) {
                run(() -> w.retry(false));
            }
        }
    }

    private void run(final Runnable task) {
        try {
            executor.execute(task);
        } catch (RejectedExecutionException e) {
            // The broker is closing: its connections are gone, so nobody waits for this fetch any more.
        }
    }

    void wakeTopic(final String topic) {
        for (TopicPartition tp : byPartition.keySet()) {
            if (tp.topic().equals(topic)) {
                wake(tp);
            }
        }
    }
}
