package io.sediment.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.sediment.api.CorruptIndexException;
import io.sediment.index.HeapIndexRegion;
import io.sediment.index.OffsetIndex;
import io.sediment.index.TimeIndex;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Jazzer harnesses for the index readers over arbitrary region bytes: {@code open} and {@code sanityCheck} may only
 * throw {@link CorruptIndexException}; once the check passes, every lookup answers a true floor and never throws.
 *
 * <p>Regression mode under {@code mvn verify} (seed corpus in {@code IndexFuzzTestInputs}); fuzz with
 * {@code JAZZER_FUZZ=1 mvn verify -Dtest=IndexFuzzTest}.
 */
class IndexFuzzTest {
    @FuzzTest(maxDuration = "2m")
    void offsetIndex(final FuzzedDataProvider in) {
        final long baseOffset = in.consumeLong(0, Long.MAX_VALUE / 2);
        final int dataSize = in.consumeInt(0, Integer.MAX_VALUE);
        final int extraCapacity = in.consumeInt(0, 64);
        final long[] targets = {in.consumeLong(), in.consumeLong(baseOffset, baseOffset + 4096), baseOffset};
        final byte[] stored = in.consumeRemainingAsBytes();
        final byte[] region = java.util.Arrays.copyOf(stored, stored.length + extraCapacity);
        final OffsetIndex index;
        try {
            index = OffsetIndex.open(new HeapIndexRegion(region, stored.length), baseOffset, "fuzz.index");
            index.sanityCheck(dataSize);
        } catch (CorruptIndexException e) {
            return;
        }
        for (long target : targets) {
            final int slot = index.floorSlot(target);
            assertTrue(slot >= -1 && slot < index.entries());
            if (slot >= 0) {
                assertTrue(index.offsetAt(slot) <= target, "floor above target");
                final int position = index.positionAt(slot);
                assertTrue(position >= 0 && position < dataSize, "position outside the data");
            }
            if (slot + 1 < index.entries()) {
                assertTrue(index.offsetAt(slot + 1) > target, "not the largest floor");
            }
            final int position = index.lookupPosition(target);
            assertTrue(position >= 0 && (position < dataSize || index.entries() == 0 || slot < 0));
        }
        index.lastOffset();
        index.lastPosition();
        index.isFull();
    }

    @FuzzTest(maxDuration = "2m")
    void timeIndex(final FuzzedDataProvider in) {
        final long baseOffset = in.consumeLong(0, Long.MAX_VALUE / 2);
        final int dataSize = in.consumeInt(0, Integer.MAX_VALUE);
        final int extraCapacity = in.consumeInt(0, 64);
        final long[] targets = {in.consumeLong(), in.consumeLong(0, 1L << 42), -1L, Long.MAX_VALUE};
        final byte[] stored = in.consumeRemainingAsBytes();
        final byte[] region = java.util.Arrays.copyOf(stored, stored.length + extraCapacity);
        final TimeIndex index;
        try {
            index = TimeIndex.open(new HeapIndexRegion(region, stored.length), baseOffset, "fuzz.timeindex");
            index.sanityCheck(dataSize);
        } catch (CorruptIndexException e) {
            return;
        }
        for (long target : targets) {
            final int slot = index.floorSlot(target);
            assertTrue(slot >= -1 && slot < index.entries());
            if (slot >= 0) {
                assertTrue(index.timestampAt(slot) <= target, "floor above target");
                assertTrue(index.offsetAt(slot) >= baseOffset, "offset below the base");
            }
            if (slot + 1 < index.entries()) {
                assertTrue(index.timestampAt(slot + 1) > target, "not the largest floor");
            }
        }
        index.lastTimestamp();
        index.lastOffset();
        index.isFull();
    }
}
