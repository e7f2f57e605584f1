package io.sediment.backend.mmap;

import java.nio.MappedByteBuffer;
import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Keeps the pages a segment's mappings hold resident within its store's {@link ResidentBudget} (one
 * {@link ResidencyPolicy} window shared by every segment of the store), by dropping written pages with
 * {@code madvise(MADV_DONTNEED)} ({@link PageDropper}: the bytes stay in the page cache and on their way to disk;
 * only the process's page-table entries go).
 *
 * <p>Why it is needed: every page the writer copies into, and every page a reader touches, stays mapped until the
 * mapping is released at close, and mapped file pages count in the process's RSS. A 1 GiB active segment would
 * otherwise end up as 1 GiB of "broker memory", though the kernel may reclaim it like any page cache.
 *
 * <p>When pages are dropped:
 * <ul>
 *   <li>by the writer, after an append that charged the budget (every {@link ResidentBudget#chunkBytes} appended)
 *       and found it over the window: {@code [writerDroppedTo, size - keep)} (all it wrote since its last sweep,
 *       minus the kept tail, {@link ResidentBudget#keepBytes}), and the budget is released by what went. With one
 *       segment written that is a sweep every {@code step} bytes, as with a window of its own; with many, each
 *       sweeps whenever their sum is over;</li>
 *   <li>by a reader, after the {@code view}s taken since the last reader sweep add up to {@code step} (each
 *       counted as its length plus the kernel's 64 KiB fault-around): the span those views covered, widened to
 *       2 MiB (see {@link #LARGEST_FOLIO}), below {@code size - keep}. Tracking the span keeps a sweep's cost
 *       proportional to what was viewed, not to the segment's size (madvise walks every page-table entry of its
 *       range, mapped or not). Views are not charged to the budget: a reader's sweep is its own bound.
 *       {@code read} copies never fault dropped pages back in: below {@link #mapped the writer's drop mark} the
 *       segment reads them with {@code pread} instead;</li>
 *   <li>by the writer at {@link #sealed} (the segment's {@code trim()}, on roll and close): every page, and the
 *       segment's charge is released.</li>
 * </ul>
 * A page dropped under a reader's feet is simply faulted in again, with the same bytes: the reader holds a
 * reference to the mapping, not to its page-table entries. A page dropped under the writer's feet cannot happen
 * for written bytes behind it; the page it is filling is kept (only whole pages below {@code size - keep} go), and
 * if {@link #sealed} dropped it, the next append faults it back.
 *
 * <p>Charge: {@code [chargedFrom, chargedTo)} is what this segment has charged to the budget, written and not
 * dropped by the writer; {@code chargedTo - chargedFrom} is its share of {@link ResidentBudget#charged()}. Every
 * change goes through {@link #setCharged}, so the budget always holds the sum of the segments' charges.
 *
 * <p>Threading: {@link #mapped}, {@link #written}, {@link #truncated} and {@link #sealed} by the segment's single
 * writer; {@link #touched} by any reader; {@link #close} by whoever releases the segment last (the writer, or a
 * reader whose unpin was the last reference: the writer's own release came first, so its writes are visible).
 * Drops from the writer and from readers may run at the same time (dropping a range twice is harmless); each holds
 * {@link #lock}, taken with {@code tryLock} so that no appender or reader ever waits for another's sweep (a
 * sweep that finds it busy is skipped; the writer retries at its next charge, a reader's range is covered by a
 * later sweep or the trim). {@link #close} takes the lock for real and marks the pages closed before the segment
 * unmaps them, so no madvise can ever reach an address range after its munmap, where it could hit whatever the
 * kernel mapped there next. The budget is shared with other segments' writers; see {@link ResidentBudget}.
 */
final class ResidentPages {
    /** Linux maps up to this much around a read fault of a file page that is in the page cache. */
    private static final int FAULT_AROUND = 64 * 1024;
    /**
     * A fault may map a whole page-cache folio, and file folios (ext4, xfs on recent kernels) grow up to a PMD,
     * 2 MiB on x86-64 and arm64 with 4 KiB pages; folios are naturally aligned, so widening a span to this
     * alignment covers every page a fault inside it can have mapped.
     */
    private static final int LARGEST_FOLIO = 2 * 1024 * 1024;

    private final ResidentBudget budget;
    private final ResidencyPolicy policy;
    private final ReentrantLock lock = new ReentrantLock();
    /** Every mapping of the file, oldest first; replaced, never mutated, by the writer (sweepers read any thread). */
    private volatile MappedByteBuffer[] mappings = new MappedByteBuffer[0];

    /**
     * Writer only: below this the writer has dropped what it wrote (after {@link #sealed}: everything but the page
     * holding the end, which appends may fault back in). Never above {@link #chargedFrom}.
     */
    private long writerDroppedTo;
    /**
     * Reads below this copy from the file, not the mapping ({@link #mapped}). The writer raises it before each drop,
     * so readers turn to {@code pread} before the pages go; one that checked just before may still fault a page
     * back in: correct bytes, and the page stays mapped until a later sweep or trim covers it.
     */
    private volatile long readFromFileBelow;
    /** Writer only: this segment's charge to the budget is {@code [chargedFrom, chargedTo)} (see the class doc). */
    private long chargedFrom;
    private long chargedTo;
    /** Writer only: the size at which the writer charges (and, if the budget is over, sweeps) next. */
    private long nextChargeAt;
    /**
     * Bytes (plus fault-around) readers touched since the last reader sweep. Updated without synchronisation by
     * reader threads: a lost update only delays a sweep a little, and a long cannot tear on a 64-bit JVM.
     */
    private long touchedSinceSweep;
    /** Lowest and highest positions readers touched since the last reader sweep; racy like the counter. */
    private long touchedLow = Long.MAX_VALUE;
    private long touchedHigh;
    /** Guarded by {@link #lock}. */
    private boolean closed;
    /** Sweeps that reached madvise, for tests. Guarded by {@link #lock} (written), read racily. */
    private volatile long sweeps;

    /** Pages of a segment of {@code size} bytes (0 when created, its length when opened), charged to {@code budget}. */
    ResidentPages(final ResidentBudget budget, final int size) {
        this.budget = budget;
        this.policy = budget.policy();
        this.chargedFrom = size;
        this.chargedTo = size;
        this.nextChargeAt = policy.bounded() ? size + budget.chunkBytes() : Long.MAX_VALUE;
    }

    /** Writer: the segment mapped its file again (grown); its pages are dropped along with the others. */
    void mapped(final MappedByteBuffer mapping) {
        final MappedByteBuffer[] current = mappings;
        final MappedByteBuffer[] grown = Arrays.copyOf(current, current.length + 1);
        grown[current.length] = mapping;
        mappings = grown;
    }

    /** Writer, after each append: {@code size} is the new size. One compare unless a chunk is due. */
    void written(final int size) {
        if (size >= nextChargeAt) {
            nextChargeAt = (long) size + budget.chunkBytes();
            // The first charge starts loading madvise (off this thread), well before a sweep is due: a sweep
            // attempted before it is ready drops nothing and is retried at the next charge.
            PageDropper.get();
            if (setCharged(chargedFrom, size)) {
                sweep(size);
            }
        }
    }

    /**
     * Writer, the budget being over: drops what it wrote below the kept tail, if that is at least the minimum sweep,
     * and stops charging for it.
     */
    private void sweep(final int size) {
        final long to = pageFloor(size) - budget.keepBytes();
        if (to - writerDroppedTo >= budget.minSweepBytes() && PageDropper.get() != null) {
            readFromFileBelow = Math.max(readFromFileBelow, to);
            if (drop(writerDroppedTo, to)) {
                writerDroppedTo = to;
                setCharged(Math.min(Math.max(chargedFrom, to), chargedTo), chargedTo);
            }
        }
    }

    /** Writer: this segment's charge becomes {@code [from, to)}; returns whether the store is over its window. */
    private boolean setCharged(final long from, final long to) {
        final long before = chargedTo - chargedFrom;
        chargedFrom = from;
        chargedTo = to;
        return budget.adjust(before, to - from);
    }

    /** Writer (tests): this segment's share of the budget's charge. */
    long charged() {
        return chargedTo - chargedFrom;
    }

    /** Whether the page of {@code position} should still be mapped (not dropped by the writer); any thread. */
    boolean mapped(final int position) {
        return position >= readFromFileBelow;
    }

    /**
     * Any reader, after viewing {@code [position, position + length)} through a mapping of a segment that is
     * {@code size} long. The bookkeeping is unsynchronised: a lost update (two readers at once) can leave a span
     * out of one sweep; a later sweep whose span covers it, or the segment's trim, drops it.
     */
    void touched(final int position, final int length, final int size) {
        if (!policy.bounded()) {
            return;
        }
        if (position < touchedLow) {
            touchedLow = position;
        }
        if ((long) position + length > touchedHigh) {
            touchedHigh = (long) position + length;
        }
        final long touched = touchedSinceSweep + length + FAULT_AROUND;
        if (touched < policy.stepBytes()) {
            touchedSinceSweep = touched;
            return;
        }
        final long low = touchedLow / LARGEST_FOLIO * LARGEST_FOLIO;
        final long high = (touchedHigh + LARGEST_FOLIO - 1) / LARGEST_FOLIO * LARGEST_FOLIO;
        touchedSinceSweep = 0;
        touchedLow = Long.MAX_VALUE;
        touchedHigh = 0;
        drop(low, Math.min(high, pageFloor(size) - budget.keepBytes()));
    }

    /** Writer, after {@code truncateTo(size)}: appends will rewrite from {@code size}, so drops restart there. */
    void truncated(final int size) {
        writerDroppedTo = Math.min(writerDroppedTo, pageFloor(size));
        readFromFileBelow = Math.min(readFromFileBelow, pageFloor(size));
        // Pages past the new end left every mapping with the file's truncation: they are no longer charged.
        final long to = Math.min(chargedTo, size);
        setCharged(Math.min(chargedFrom, to), to);
        if (policy.bounded()) {
            nextChargeAt = to + budget.chunkBytes();
        }
    }

    /** Writer, when the segment is trimmed (rolled or closing): drops every page of every mapping. */
    void sealed(final int size) {
        if (policy.bounded() && PageDropper.get() != null) {
            // The page holding the end goes too: reads up to size go to the file; the next append refaults it.
            final long end = pageFloor(size + (long) ResidencyPolicy.PAGE - 1);
            readFromFileBelow = Math.max(readFromFileBelow, end);
            if (drop(0, Long.MAX_VALUE)) {
                // From the page holding the end: should appends go on, the page they fault back in is swept again.
                writerDroppedTo = Math.max(writerDroppedTo, pageFloor(size));
                final long through = Math.max(chargedTo, size);
                setCharged(through, through);
                nextChargeAt = through + budget.chunkBytes();
            }
        }
    }

    /**
     * Before the segment unmaps (the last release: see the class doc for the thread): no drop may start after this
     * returns, and the segment's charge leaves the budget with its mappings.
     */
    void close() {
        lock.lock();
        try {
            closed = true;
        } finally {
            lock.unlock();
        }
        setCharged(chargedTo, chargedTo);
    }

    /** Drops {@code [from, to)} of every mapping; false when nothing was dropped (not loaded yet, busy, closed). */
    private boolean drop(final long from, final long to) {
        if (to <= from) {
            return true;
        }
        final PageDropper dropper = PageDropper.get();
        if (dropper == null || !lock.tryLock()) {
            return false;
        }
        try {
            if (closed) {
                return false;
            }
            boolean all = true;
            for (MappedByteBuffer m : mappings) {
                all &= dropper.dontNeed(m, from, to);
            }
            sweeps++; // under the lock: one writer of the volatile at a time
            return all;
        } finally {
            lock.unlock();
        }
    }

    /** How many sweeps have called madvise (tests: proof that drops ran). */
    long sweeps() {
        return sweeps;
    }

    private static long pageFloor(final long position) {
        return position / ResidencyPolicy.PAGE * ResidencyPolicy.PAGE;
    }

    @Override
    public String toString() {
        return policy.toString();
    }
}
