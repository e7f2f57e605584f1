package io.sediment.tck;

import io.sediment.api.spi.IndexRegion;
import io.sediment.api.spi.SegmentFiles;
import io.sediment.api.spi.SegmentSpec;
import org.quicktheories.core.Gen;

import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

/**
 * Property: after any sequence of absolute puts, flushes, trims with reopen, and crash-like reopens, an index
 * region's bytes equal a model wherever the model knows them, {@code storedBytes()} is exactly the trimmed length
 * after a trim and at least every flushed byte after a crash-like reopen, and the buffer always offers at least
 * {@code max(storedBytes, capacity)} bytes.
 *
 * <p>The model forgets bytes at and past a trim point: the region holds them no longer, and what reads there after
 * reopen is unspecified. Puts happen only between reopens and a trim is always followed by a reopen, as the engine
 * trims only on roll and close.
 *
 * <p>Threading: one test thread.
 */
final class IndexRegionProperty {
    private static final int CAPACITY = 1024;
    private static final SegmentSpec SPEC = new SegmentSpec(1024, CAPACITY, CAPACITY);

    enum Kind { PUT, FLUSH, TRIM_AND_REOPEN, REOPEN_UNTRIMMED }

    record Step(Kind kind, int amount, long value) {
        @Override
        public String toString() {
            return kind + "(" + amount + ")";
        }
    }

    private IndexRegionProperty() {
    }

    static void check(final Supplier<StoreAndPartition> fresh) {
        qt().withExamples(40).withShrinkCycles(200)
                .forAll(lists().of(steps()).ofSizeBetween(1, 40))
                .checkAssert(steps -> {
                    try (StoreAndPartition store = fresh.get()) {
                        run(store, steps);
                    }
                });
    }

    private static Gen<Step> steps() {
        return integers().between(0, 99).zip(integers().between(0, CAPACITY), integers().all(),
                (kind, amount, value) -> new Step(kindOf(kind), amount, value * 0x9E3779B97F4A7C15L));
    }

    private static Kind kindOf(final int roll) {
        if (roll < 65) {
            return Kind.PUT;
        } else if (roll < 75) {
            return Kind.FLUSH;
        } else if (roll < 90) {
            return Kind.TRIM_AND_REOPEN;
        }
        return Kind.REOPEN_UNTRIMMED;
    }

    private static void run(final StoreAndPartition store, final List<Step> steps) {
        final byte[] model = new byte[CAPACITY];
        final boolean[] known = new boolean[CAPACITY];
        // a new region's unwritten bytes are not promised to be zeros: only written bytes are checked
        int extent = 0; // bytes up to the last written one
        SegmentFiles segment = store.partition().createSegment(0, SPEC);
        try {
            for (Step step : steps) {
                final IndexRegion region = segment.offsetIndex();
                switch (step.kind()) {
                    case PUT -> {
                        final int at = step.amount() % (CAPACITY - 7);
                        region.buffer().putLong(at, step.value());
                        for (int i = 0; i < 8; i++) {
                            model[at + i] = (byte) (step.value() >>> (56 - 8 * i)); // big-endian
                            known[at + i] = true;
                        }
                        extent = Math.max(extent, at + 8);
                    }
                    case FLUSH -> region.flush(Math.min(step.amount(), CAPACITY));
                    case TRIM_AND_REOPEN -> {
                        final int bytes = step.amount() % (CAPACITY + 1);
                        region.flush(bytes);
                        region.trimTo(bytes);
                        segment.close();
                        segment = store.partition().openSegment(0, SPEC);
                        assertEquals(bytes, segment.offsetIndex().storedBytes(), () -> "storedBytes after " + step);
                        Arrays.fill(known, bytes, CAPACITY, false);
                        extent = Math.min(extent, bytes);
                    }
                    case REOPEN_UNTRIMMED -> {
                        region.flush(CAPACITY);
                        segment.close();
                        segment = store.partition().openSegment(0, SPEC);
                        final int stored = segment.offsetIndex().storedBytes();
                        final int mustHold = extent;
                        assertTrue(stored >= mustHold, () -> "storedBytes " + stored + " < flushed " + mustHold);
                    }
                }
                final IndexRegion now = segment.offsetIndex();
                assertTrue(now.buffer().capacity() >= Math.max(now.storedBytes(), CAPACITY),
                        () -> "capacity after " + step);
                for (int i = 0; i < CAPACITY; i++) {
                    if (known[i]) {
                        final int position = i;
                        assertEquals(model[i], now.buffer().get(i), () -> "byte " + position + " after " + step);
                    }
                }
            }
        } finally {
            segment.close();
        }
    }
}
