package io.sediment.backend.mmap;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;

/**
 * The store-wide resident budget against a model: random appends, truncations, seals and closes of several segments
 * sharing one {@link ResidentBudget}. After every step the budget must hold exactly the sum of the live segments'
 * charges and count exactly those with a charge, the sum must stay within the documented bound, and when every
 * segment is closed nothing may be left charged.
 *
 * <p>The segments here have no mappings, so a drop always succeeds (madvise over no mapping) and the bound is
 * exact; real mappings are covered by {@link MmapResidentPagesTest}. Each operation comes from one random
 * {@code long}, so QuickTheories shrinks a failure by dropping operations.
 */
class ResidentBudgetPropertyTest {
    private static final int PAGE = ResidencyPolicy.PAGE;

    @BeforeAll
    static void madviseLoads() throws InterruptedException {
        // Drops need the dropper loaded (a null dropper drops nothing, and the bound below assumes drops happen).
        assumeTrue(PageDropper.awaitAvailable(60, TimeUnit.SECONDS), "madvise through jffi (Linux)");
    }

    @Test
    void theBudgetIsTheSumOfTheSegmentsChargesAndStaysWithinTheWindowPlusOneKeepPerSegment() {
        qt().withExamples(200).withShrinkCycles(50)
                .forAll(integers().between(0, 5), integers().between(1, 8), lists().of(longs().all()).ofSizeBetween(1, 120))
                .checkAssert(this::run);
    }

    /** One store: a window of 0, 32 KiB, 128 KiB, 512 KiB, 2 MiB or 8 MiB, and {@code segments} segments. */
    private void run(final int windowChoice, final int segments, final List<Long> ops) {
        final long window = windowChoice == 0 ? 0 : (16L * 1024) << (2 * windowChoice - 1);
        final ResidencyPolicy policy = ResidencyPolicy.of(window);
        final ResidentBudget budget = new ResidentBudget(policy);
        final List<Seg> live = new ArrayList<>();
        for (int i = 0; i < segments; i++) {
            live.add(new Seg(budget, 0));
        }
        for (long op : ops) {
            final SplittableRandom r = new SplittableRandom(op);
            if (live.isEmpty()) {
                live.add(new Seg(budget, r.nextInt(0, 1 << 20))); // an existing segment opened: nothing charged
            }
            final Seg seg = live.get(r.nextInt(live.size()));
            final int kind = r.nextInt(100);
            if (kind < 80) {
                // Appends of 1 byte to 256 KiB, as batches come.
                seg.size += r.nextInt(1, r.nextBoolean() ? 4096 : 256 * 1024);
                seg.pages.written(seg.size);
            } else if (kind < 88) {
                seg.size = r.nextInt(0, seg.size + 1);
                seg.pages.truncated(seg.size);
            } else if (kind < 95) {
                seg.pages.sealed(seg.size);
                assertEquals(0, seg.pages.charged(), "a sealed segment's pages are all dropped: no charge left");
            } else {
                seg.pages.close();
                live.remove(seg);
            }
            check(budget, live, policy);
        }
        for (Seg seg : live) {
            seg.pages.close();
        }
        assertEquals(0, budget.charged(), "every segment closed: nothing charged");
        assertEquals(0, budget.holders());
    }

    private static void check(final ResidentBudget budget, final List<Seg> live, final ResidencyPolicy policy) {
        long sum = 0;
        int holders = 0;
        for (Seg seg : live) {
            final long charged = seg.pages.charged();
            assertTrue(charged >= 0 && charged <= seg.size, "a segment's charge is within what it wrote: " + charged);
            sum += charged;
            holders += charged > 0 ? 1 : 0;
        }
        assertEquals(sum, budget.charged(), "the budget is the sum of the segments' charges");
        assertEquals(holders, budget.holders(), "holders are the segments with a charge");
        // The bound (ResidentBudget's javadoc): segments whose last charge left the store within the window add up to
        // at most the window; each segment whose last charge found it over holds less than a keep, a minimum sweep
        // and a page.
        final long bound = policy.windowBytes()
                + (long) live.size() * (policy.keepBytes() + budget.minSweepBytes() + PAGE);
        assertTrue(sum <= bound, "charged " + sum + " over the bound " + bound + " (" + live.size() + " segments, "
                + policy + ")");
    }

    @Test
    void oneSegmentWrittenAloneSweepsAsWithAWindowOfItsOwn() {
        final long window = 4L * 1024 * 1024;
        final ResidentBudget budget = new ResidentBudget(ResidencyPolicy.of(window));
        final Seg seg = new Seg(budget, 0);
        long most = 0;
        long least = Long.MAX_VALUE;
        for (int i = 0; i < 4000; i++) {
            seg.size += 16 * 1024;
            seg.pages.written(seg.size);
            most = Math.max(most, budget.charged());
            if (i > 1000) {
                least = Math.min(least, budget.charged());
            }
        }
        assertTrue(most <= window + budget.chunkBytes(), "never more than the window and a chunk: " + most);
        assertTrue(most > window - budget.chunkBytes(), "grows to the window before it sweeps: " + most);
        assertEquals(window / 4, least, "sweeps down to the keep, W/4, with one segment charged");
        seg.pages.close();
        assertEquals(0, budget.charged());
    }

    @Test
    void theKeepIsSharedAmongTheSegmentsHoldingACharge() {
        final ResidentBudget budget = new ResidentBudget(ResidencyPolicy.of(4L * 1024 * 1024));
        final List<Seg> six = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            six.add(new Seg(budget, 0));
        }
        for (int round = 0; round < 500; round++) {
            for (Seg seg : six) {
                seg.size += 16 * 1024;
                seg.pages.written(seg.size);
            }
        }
        assertEquals(6, budget.holders());
        assertEquals(1024 * 1024 / 6 / PAGE * PAGE, budget.keepBytes());
        assertTrue(budget.charged() <= 4L * 1024 * 1024 + 6 * (budget.keepBytes() + budget.minSweepBytes() + PAGE),
                "six segments written in turn share one window: " + budget.charged());
        for (Seg seg : six) {
            seg.pages.sealed(seg.size);
        }
        assertEquals(0, budget.charged(), "rolled segments release their charge");
        assertEquals(0, budget.holders());
    }

    /** A segment as the writer sees it: its size and its resident pages. */
    private static final class Seg {
        final ResidentPages pages;
        int size;

        Seg(final ResidentBudget budget, final int size) {
            this.pages = new ResidentPages(budget, size);
            this.size = size;
        }
    }
}
