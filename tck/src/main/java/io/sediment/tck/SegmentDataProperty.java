package io.sediment.tck;

import io.sediment.api.spi.SegmentData;
import io.sediment.api.spi.SegmentFiles;
import io.sediment.api.spi.SegmentSpec;
import org.quicktheories.core.Gen;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

/**
 * Property: after any sequence of appends, truncations, flushes, trims and reopens (clean, crash-like, or of the
 * whole store), a segment's data equals a byte-array model, and views taken earlier of bytes still stored are
 * unchanged.
 *
 * <p>A crash-like reopen flushes, closes without trimming, and then does what the engine's recovery does: checks
 * that {@code size()} is at least the model's (reserved bytes may be counted) and that the model's bytes are
 * there, and truncates to the model's size.
 *
 * <p>Threading: one test thread.
 */
final class SegmentDataProperty {
    /** Small, so that random appends cross the capacity hint. */
    private static final SegmentSpec SPEC = new SegmentSpec(8192, 256, 256);

    enum Kind { APPEND, APPEND_LARGE, TRUNCATE, FLUSH, TRIM, VIEW, REOPEN_TRIMMED, REOPEN_UNTRIMMED, REOPEN_STORE }

    /** One generated operation; {@code amount} sizes it, {@code seed} picks its bytes. */
    record Step(Kind kind, int amount, int seed) {
        @Override
        public String toString() {
            return kind + "(" + amount + ")";
        }
    }

    private SegmentDataProperty() {
    }

    static void check(final Supplier<StoreAndPartition> fresh) {
        qt().withExamples(40).withShrinkCycles(200)
                .forAll(lists().of(steps()).ofSizeBetween(1, 30))
                .checkAssert(steps -> {
                    try (StoreAndPartition store = fresh.get()) {
                        run(store, steps);
                    }
                });
    }

    private static Gen<Step> steps() {
        return integers().between(0, 99).zip(integers().between(0, 20_000), integers().all(),
                (kind, amount, seed) -> new Step(kindOf(kind), amount, seed));
    }

    private static Kind kindOf(final int roll) {
        if (roll < 30) {
            return Kind.APPEND;
        } else if (roll < 40) {
            return Kind.APPEND_LARGE;
        } else if (roll < 52) {
            return Kind.TRUNCATE;
        } else if (roll < 60) {
            return Kind.FLUSH;
        } else if (roll < 68) {
            return Kind.TRIM;
        } else if (roll < 80) {
            return Kind.VIEW;
        } else if (roll < 88) {
            return Kind.REOPEN_TRIMMED;
        } else if (roll < 95) {
            return Kind.REOPEN_UNTRIMMED;
        }
        return Kind.REOPEN_STORE;
    }

    /** A view handed out earlier and the bytes it must keep showing. */
    private record HeldView(ByteBuffer view, int position, byte[] expected) {
    }

    private static void run(final StoreAndPartition store, final List<Step> steps) {
        byte[] model = new byte[0];
        final List<HeldView> views = new ArrayList<>();
        SegmentFiles segment = store.partition().createSegment(0, SPEC);
        try {
            for (Step step : steps) {
                final SegmentData data = segment.data();
                switch (step.kind()) {
                    case APPEND, APPEND_LARGE -> {
                        final int length = step.kind() == Kind.APPEND ? step.amount() % 3000 : step.amount();
                        final byte[] bytes = Patterns.range(step.seed(), model.length, length);
                        data.append(ByteBuffer.wrap(bytes));
                        final byte[] grown = Arrays.copyOf(model, model.length + length);
                        System.arraycopy(bytes, 0, grown, model.length, length);
                        model = grown;
                    }
                    case TRUNCATE -> {
                        final int size = step.amount() % (model.length + 1);
                        data.truncateTo(size);
                        model = Arrays.copyOf(model, size);
                        views.removeIf(held -> held.position() + held.expected().length > size);
                    }
                    case FLUSH -> data.flush();
                    case TRIM -> data.trim();
                    case VIEW -> {
                        final int position = step.amount() % (model.length + 1);
                        final int length = Math.abs(step.seed() % (model.length - position + 1));
                        views.add(new HeldView(data.view(position, length), position,
                                Arrays.copyOfRange(model, position, position + length)));
                    }
                    case REOPEN_TRIMMED -> {
                        data.trim();
                        segment.close();
                        views.clear();
                        segment = store.partition().openSegment(0, SPEC);
                        assertEquals(model.length, segment.data().size(), "size after trim and reopen");
                    }
                    case REOPEN_UNTRIMMED -> {
                        data.flush();
                        segment.close();
                        views.clear();
                        segment = store.partition().openSegment(0, SPEC);
                        final int found = segment.data().size();
                        assertTrue(found >= model.length, "size " + found + " after reopen lost flushed bytes");
                        assertArrayEquals(model, read(segment.data(), model.length), "flushed bytes after reopen");
                        segment.data().truncateTo(model.length); // the engine's recovery
                    }
                    case REOPEN_STORE -> {
                        data.trim();
                        data.flush();
                        segment.close();
                        views.clear();
                        store.reopen();
                        assertArrayEquals(new long[] {0}, store.partition().segmentIds());
                        segment = store.partition().openSegment(0, SPEC);
                    }
                }
                assertEquals(model.length, segment.data().size(), () -> "size after " + step);
                assertArrayEquals(model, read(segment.data(), model.length), () -> "bytes after " + step);
                for (HeldView held : views) {
                    final byte[] seen = new byte[held.expected().length];
                    held.view().duplicate().get(seen);
                    assertArrayEquals(held.expected(), seen, () -> "view at " + held.position() + " after " + step);
                }
            }
        } finally {
            segment.close();
        }
    }

    private static byte[] read(final SegmentData data, final int length) {
        final ByteBuffer all = ByteBuffer.allocate(length);
        data.read(0, all);
        return all.array();
    }
}
