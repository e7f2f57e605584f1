package io.sediment.backend.mmap;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The resident window of one store (data directory), shared by all its segments: how many bytes the writers have
 * written into their mappings and not dropped yet, against the window ({@link ResidencyPolicy}).
 *
 * <p>Why shared: a window per segment lets a broker with {@code n} partitions being written hold {@code n} windows
 * (the broker suite measured six 4 MiB windows, plus the pages of a first sweep that came before madvise had
 * loaded, as 35–42 MB of a 115–120 MB peak). With one budget the store's mappings hold about one window of written
 * data, however many partitions are written at once; a single written segment behaves as with a window of its own.
 *
 * <p>Accounting: each segment's writer charges what it appended, in steps of {@link #chunkBytes} (so a charge is one
 * atomic add per chunk, never per append), and releases what its drops removed. {@link #charged()} is the sum of the
 * segments' charges; {@link #holders()} counts the segments whose charge is not zero. A writer that finds the
 * budget {@link #over} after its charge drops its own segment's written pages down to {@link #keepBytes}: the
 * newest bytes, kept for tailing readers, divided among the holders so that their keeps add up to the policy's
 * keep ({@code W/4}). A sweep drops at least {@link #minSweepBytes}. Segments that stopped being written keep their
 * charge until their next append, their trim (roll, close) or their close, and make the written ones sweep sooner.
 * Bound (when drops succeed): at most {@code W} charged by segments whose last charge left the budget within
 * {@code W}, plus under {@code keep + minSweep + page} for each segment whose last charge found it over.
 *
 * <p>Threading: {@link #adjust} from any segment's writer thread, concurrently with the others (atomics, no lock);
 * each segment's own charge changes only on its writer's thread, so its transitions to and from zero, which
 * {@link #holders} counts, are serial per segment. {@link #over}, {@link #keepBytes} and the getters from any thread;
 * they read a moment's totals, which is all a sweep decision needs.
 */
final class ResidentBudget {
    /** Largest charging step: what a segment may hold uncharged, and what the budget may overshoot per segment. */
    static final int MAX_CHUNK = 64 * 1024;

    private final ResidencyPolicy policy;
    private final long chunkBytes;
    private final AtomicLong charged = new AtomicLong();
    private final AtomicInteger holders = new AtomicInteger();

    ResidentBudget(final ResidencyPolicy policy) {
        this.policy = policy;
        final long sixteenth = policy.windowBytes() / 16 / ResidencyPolicy.PAGE * ResidencyPolicy.PAGE;
        this.chunkBytes = policy.bounded()
                ? Math.max(ResidencyPolicy.PAGE, Math.min(MAX_CHUNK, sixteenth))
                : Long.MAX_VALUE;
    }

    ResidencyPolicy policy() {
        return policy;
    }

    /** How many appended bytes a segment gathers before it charges them (one atomic add). */
    long chunkBytes() {
        return chunkBytes;
    }

    /**
     * The least a writer's sweep drops (four chunks, at most the policy's step): when segments that stopped being
     * written hold the budget over the window on their own, the writers still going sweep every four chunks, not at
     * every chunk (one madvise per 256 KiB appended at most, rather than per 64 KiB).
     */
    long minSweepBytes() {
        return Math.min(4 * chunkBytes, policy.stepBytes());
    }

    /**
     * A segment's writer: its charge went from {@code before} to {@code after} bytes (both 0 or more). Returns
     * whether the store's charge is now over the window, i.e. whether that writer should sweep.
     */
    boolean adjust(final long before, final long after) {
        if (before == after) {
            return over();
        }
        if (before == 0) {
            holders.incrementAndGet();
        } else if (after == 0) {
            holders.decrementAndGet();
        }
        return charged.addAndGet(after - before) > policy.windowBytes() && policy.bounded();
    }

    /** Whether the written bytes not yet dropped, store-wide, exceed the window. */
    boolean over() {
        return policy.bounded() && charged.get() > policy.windowBytes();
    }

    /**
     * The newest bytes a sweeping writer leaves mapped in its segment (and below which a reader's sweep may drop):
     * the policy's keep shared among the segments holding a charge, page-rounded.
     */
    long keepBytes() {
        final long keep = policy.keepBytes() / Math.max(1, holders.get());
        return keep / ResidencyPolicy.PAGE * ResidencyPolicy.PAGE;
    }

    long charged() {
        return charged.get();
    }

    int holders() {
        return holders.get();
    }

    @Override
    public String toString() {
        return policy + ", shared: " + charged.get() + " bytes charged by " + holders.get() + " segments";
    }
}
