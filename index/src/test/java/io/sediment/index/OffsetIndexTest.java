package io.sediment.index;

import io.sediment.api.CorruptIndexException;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;

class OffsetIndexTest {
    private static final String FILE = "00000000000000000000.index";

    /** One step of a model-based run; {@code a} and {@code b} are spreads the step interprets. */
    record Op(int kind, int a, int b) {
    }

    private static Gen<Op> ops() {
        return integers().between(0, 19).zip(integers().between(0, 300), integers().between(0, 5000), Op::new);
    }

    private static OffsetIndex newIndex(final long baseOffset, final int maxEntries) {
        return OffsetIndex.open(new HeapIndexRegion(maxEntries * 8), baseOffset, FILE);
    }

    /** Model: the entries, oldest first, as {offset, position}. */
    private static int modelFloor(final List<long[]> model, final long target) {
        int slot = -1;
        for (int i = 0; i < model.size(); i++) {
            if (model.get(i)[0] <= target) {
                slot = i;
            }
        }
        return slot;
    }

    @Test
    void behavesLikeASortedListOfEntriesThroughAppendsLookupsTruncatesAndReopens() {
        qt().withExamples(300).forAll(longs().between(0, 1L << 40), integers().between(1, 48),
                lists().of(ops()).ofSizeBetween(0, 150)).checkAssert((baseOffset, capacity, steps) -> {
                    HeapIndexRegion region = new HeapIndexRegion(capacity * 8);
                    OffsetIndex index = OffsetIndex.open(region, baseOffset, FILE);
                    final List<long[]> model = new ArrayList<>();
                    for (Op op : steps) {
                        final OffsetIndex current = index;
                        final long lastOffset = model.isEmpty() ? baseOffset - 1 : model.get(model.size() - 1)[0];
                        final long lastPosition = model.isEmpty() ? 0 : model.get(model.size() - 1)[1];
                        if (op.kind() < 9) { // append a valid entry
                            final long offset = lastOffset + 1 + op.a();
                            final int position = (int) (lastPosition + op.b());
                            if (model.size() == capacity) {
                                assertThrows(IllegalStateException.class, () -> current.append(offset, position));
                            } else {
                                index.append(offset, position);
                                model.add(new long[] {offset, position});
                            }
                        } else if (op.kind() < 11) { // append an entry out of order
                            if (!model.isEmpty() && model.size() < capacity) {
                                final boolean offsetTooLow = op.b() % 2 == 0 || lastPosition == 0;
                                final long offset = offsetTooLow ? lastOffset - op.a() % 3 : lastOffset + 1;
                                final int position = offsetTooLow ? (int) lastPosition
                                        : (int) lastPosition - 1 - op.a() % (int) lastPosition;
                                assertThrows(IllegalArgumentException.class, () -> current.append(offset, position));
                            }
                        } else if (op.kind() < 15) { // floor lookup
                            final long target = baseOffset - 1 + op.a() * (long) (1 + op.b() % 4);
                            final int expected = modelFloor(model, target);
                            assertEquals(expected, index.floorSlot(target), "floor of " + target);
                            if (expected >= 0) {
                                assertEquals(model.get(expected)[0], index.offsetAt(expected));
                                assertEquals(model.get(expected)[1], index.positionAt(expected));
                            }
                            assertEquals(expected < 0 ? 0 : model.get(expected)[1], index.lookupPosition(target));
                        } else if (op.kind() < 17) { // truncate
                            final long target = baseOffset + op.a() * (long) (1 + op.b() % 4);
                            index.truncateTo(target);
                            model.removeIf(e -> e[0] >= target);
                        } else if (op.kind() < 19) { // clean close and reopen, maybe with more room
                            region.trimTo(index.sizeInBytes());
                            final int newCapacity = Math.max(model.size(), capacity - op.a() % 2);
                            region = region.reopen(region.validBytes(), newCapacity * 8);
                            index = OffsetIndex.open(region, baseOffset, FILE);
                            index.sanityCheck(Integer.MAX_VALUE);
                            capacity = newCapacity;
                        } else {
                            index.reset();
                            model.clear();
                        }
                        assertEquals(model.size(), index.entries());
                        assertEquals(model.isEmpty() ? baseOffset : model.get(model.size() - 1)[0], index.lastOffset());
                        assertEquals(model.size() >= capacity, index.isFull());
                    }
                    for (int i = 0; i < model.size(); i++) {
                        assertEquals(model.get(i)[0], index.offsetAt(i));
                        assertEquals(model.get(i)[1], index.positionAt(i));
                    }
                    index.sanityCheck(model.isEmpty() ? 0 : (int) model.get(model.size() - 1)[1] + 1);
                });
    }

    @Test
    void floorSlotAgreesWithALinearScanInBothTheWarmAndTheColdSections() {
        qt().withExamples(60).forAll(integers().between(0, 3 * OffsetIndex.WARM_ENTRIES),
                lists().of(integers().between(1, 5)).ofSize(50), longs().between(0, 1L << 50))
                .checkAssert((count, gapsAndTargets, baseOffset) -> {
                    final OffsetIndex index = newIndex(baseOffset, Math.max(count, 1));
                    final long[] offsets = new long[count];
                    long offset = baseOffset;
                    for (int i = 0; i < count; i++) {
                        offset += gapsAndTargets.get(i % gapsAndTargets.size());
                        offsets[i] = offset;
                        index.append(offset, i * 100);
                    }
                    final long span = offset - baseOffset + 3;
                    for (int i = 0; i < gapsAndTargets.size(); i++) {
                        // Targets spread over the whole index, so both sections are searched.
                        final long target = baseOffset - 1 + span * i / gapsAndTargets.size() + gapsAndTargets.get(i);
                        int expected = -1;
                        for (int s = 0; s < count && offsets[s] <= target; s++) {
                            expected = s;
                        }
                        assertEquals(expected, index.floorSlot(target), "target " + target);
                    }
                    if (count > 0) {
                        assertEquals(0, index.floorSlot(offsets[0]));
                        assertEquals(count - 1, index.floorSlot(Long.MAX_VALUE));
                        assertEquals(-1, index.floorSlot(offsets[0] - 1));
                    }
                });
    }

    @Test
    void aCrashLeftoverZeroTailIsReportedCorrupt() {
        // Any zero tail of two or more slots, or one slot after a written entry; a lone zero slot in an otherwise
        // empty region is covered by the example below.
        qt().withExamples(300).forAll(integers().between(2, 40), integers().between(0, 40), integers().between(1, 9))
                .checkAssert((capacity, writtenSeed, gap) -> {
                    final int written = writtenSeed % capacity;
                    final HeapIndexRegion region = new HeapIndexRegion(capacity * 8);
                    final OffsetIndex index = OffsetIndex.open(region, 1000, FILE);
                    for (int i = 0; i < written; i++) {
                        index.append(1000 + (long) i * gap, i * 64 * gap);
                    }
                    final int dataSize = written == 0 ? 0 : (written - 1) * 64 * gap + 64;
                    index.sanityCheck(dataSize); // the live index is fine

                    final OffsetIndex reopened = OffsetIndex.open(region.reopenAfterCrash(), 1000, FILE);
                    assertEquals(capacity, reopened.entries());
                    assertThrows(CorruptIndexException.class, () -> reopened.sanityCheck(dataSize));
                });
    }

    @Test
    void aLoneZeroSlotOverAnEmptySegmentIsCorrupt() {
        final OffsetIndex index = OffsetIndex.open(new HeapIndexRegion(new byte[8], 8), 0, FILE);
        assertThrows(CorruptIndexException.class, () -> index.sanityCheck(0));
    }

    @Test
    void aFullRegionReopenedAfterACrashIsStillValid() {
        final HeapIndexRegion region = new HeapIndexRegion(4 * 8);
        final OffsetIndex index = OffsetIndex.open(region, 0, FILE);
        for (int i = 0; i < 4; i++) {
            index.append(i * 10L, i * 100);
        }
        final OffsetIndex reopened = OffsetIndex.open(region.reopenAfterCrash(), 0, FILE);
        reopened.sanityCheck(301);
        assertEquals(30, reopened.lastOffset());
        assertEquals(2, reopened.floorSlot(25));
    }

    @Test
    void allZeroRegionIsCorrupt() {
        final OffsetIndex index = OffsetIndex.open(new HeapIndexRegion(new byte[1024], 1024), 500, FILE);
        final CorruptIndexException e = assertThrows(CorruptIndexException.class, () -> index.sanityCheck(4096));
        assertTrue(e.getMessage().contains(FILE), e.getMessage());
        assertTrue(e.getMessage().contains("slot 1"), e.getMessage());
        assertEquals(FILE, e.file());
    }

    @Test
    void storedSizeThatIsNotAMultipleOfTheEntrySizeIsCorrupt() {
        final byte[] bytes = new byte[64];
        ByteBuffer.wrap(bytes).putInt(0, 3).putInt(4, 0);
        final OffsetIndex index = OffsetIndex.open(new HeapIndexRegion(bytes, 12), 0, FILE);
        assertEquals(1, index.entries());
        final CorruptIndexException e = assertThrows(CorruptIndexException.class, () -> index.sanityCheck(100));
        assertTrue(e.getMessage().contains("12 bytes"), e.getMessage());
        index.reset(); // a rebuild starts from scratch and is then sane
        index.append(7, 0);
        index.sanityCheck(100);
    }

    @Test
    void unsortedOffsetsAreCorrupt() {
        final byte[] bytes = new byte[24];
        ByteBuffer.wrap(bytes).putInt(0, 5).putInt(4, 0).putInt(8, 9).putInt(12, 10).putInt(16, 7).putInt(20, 20);
        final OffsetIndex index = OffsetIndex.open(new HeapIndexRegion(bytes, 24), 100, FILE);
        final CorruptIndexException e = assertThrows(CorruptIndexException.class, () -> index.sanityCheck(1000));
        assertTrue(e.getMessage().contains("slot 2 has offset 107"), e.getMessage());
    }

    @Test
    void decreasingPositionsAreCorrupt() {
        final byte[] bytes = new byte[16];
        ByteBuffer.wrap(bytes).putInt(0, 1).putInt(4, 50).putInt(8, 2).putInt(12, 40);
        final OffsetIndex index = OffsetIndex.open(new HeapIndexRegion(bytes, 16), 0, FILE);
        final CorruptIndexException e = assertThrows(CorruptIndexException.class, () -> index.sanityCheck(1000));
        assertTrue(e.getMessage().contains("position 40"), e.getMessage());
    }

    @Test
    void negativeRelativeOffsetIsCorrupt() {
        final byte[] bytes = new byte[8];
        ByteBuffer.wrap(bytes).putInt(0, -4).putInt(4, 0);
        final OffsetIndex index = OffsetIndex.open(new HeapIndexRegion(bytes, 8), 0, FILE);
        assertThrows(CorruptIndexException.class, () -> index.sanityCheck(1000));
    }

    @Test
    void positionOutsideTheSegmentDataIsCorrupt() {
        final OffsetIndex index = newIndex(0, 4);
        index.append(3, 100);
        index.sanityCheck(101);
        final CorruptIndexException e = assertThrows(CorruptIndexException.class, () -> index.sanityCheck(100));
        assertTrue(e.getMessage().contains("position 100") && e.getMessage().contains("100 bytes"), e.getMessage());
    }

    @Test
    void emptyIndexAnswersNothingAndScansFromTheStart() {
        final OffsetIndex index = newIndex(42, 4);
        assertEquals(0, index.entries());
        assertEquals(4, index.maxEntries());
        assertEquals(-1, index.floorSlot(1000));
        assertEquals(0, index.lookupPosition(1000));
        assertEquals(42, index.lastOffset());
        assertFalse(index.isFull());
        index.sanityCheck(0);
    }

    @Test
    void appendRejectsOutOfOrderEntriesNamingTheValues() {
        final OffsetIndex index = newIndex(100, 8);
        index.append(110, 500);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> index.append(110, 600)).getMessage()
                .contains("offset 110 is not above the last indexed offset 110"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> index.append(111, 499)).getMessage()
                .contains("position 499"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> newIndex(100, 8).append(99, 0)).getMessage()
                .contains("offset 99"));
        assertThrows(IllegalArgumentException.class, () -> newIndex(100, 8).append(100 + Integer.MAX_VALUE + 1L, 0));
        assertThrows(IllegalArgumentException.class, () -> newIndex(100, 8).append(100, -1));
        newIndex(100, 8).append(100L + Integer.MAX_VALUE, 0); // the last offset a segment can index
        assertEquals(1, index.entries());
    }

    @Test
    void aFullIndexRefusesEntries() {
        final OffsetIndex index = newIndex(0, 2);
        index.append(1, 0);
        assertFalse(index.isFull());
        index.append(2, 10);
        assertTrue(index.isFull());
        assertThrows(IllegalStateException.class, () -> index.append(3, 20));
        assertEquals(2, index.entries());
    }

    @Test
    void truncateToDropsEntriesAtOrAboveTheOffset() {
        final OffsetIndex index = newIndex(0, 8);
        index.append(10, 0);
        index.append(20, 100);
        index.append(30, 200);
        index.truncateTo(31); // above the last entry: nothing changes
        assertEquals(3, index.entries());
        index.truncateTo(30); // an exact entry goes, with everything above it
        assertEquals(2, index.entries());
        index.truncateTo(15); // between entries: the one above goes
        assertEquals(1, index.entries());
        assertEquals(10, index.lastOffset());
        index.truncateTo(10); // at or below the first entry: empty
        assertEquals(0, index.entries());
        index.append(11, 0); // appends resume after truncation
        assertEquals(11, index.lastOffset());
        index.truncateToEntries(5);
        assertEquals(1, index.entries());
    }

    @Test
    void trimGivesBackTheTailAndSealsTheIndex() {
        final HeapIndexRegion region = new HeapIndexRegion(10 * 8);
        final OffsetIndex index = OffsetIndex.open(region, 0, FILE);
        index.append(5, 0);
        index.append(9, 4096);
        index.flush();
        assertEquals(16, region.flushedBytes());
        index.trim();
        assertEquals(16, region.validBytes());
        assertTrue(index.isFull());
        assertEquals(2, index.maxEntries());
        assertThrows(IllegalStateException.class, () -> index.append(12, 8192));
        final OffsetIndex reopened = OffsetIndex.open(region.reopen(region.validBytes(), 10 * 8), 0, FILE);
        reopened.sanityCheck(4097);
        assertEquals(4096, reopened.lookupPosition(100));
    }

    @Test
    void aConcurrentReaderOnlySeesCompleteEntries() throws Exception {
        final int count = 20_000;
        final OffsetIndex index = newIndex(1_000, count);
        final AtomicReference<String> failure = new AtomicReference<>();
        final Thread reader = new Thread(() -> {
            long probe = 0;
            while (index.entries() < count && failure.get() == null) {
                final long target = 1_000 + (probe++ * 7919) % (3L * count);
                final int slot = index.floorSlot(target);
                if (slot >= 0) {
                    final long offset = index.offsetAt(slot);
                    final int position = index.positionAt(slot);
                    // Every entry the writer publishes is (base + 3k, 11k): anything else is a torn entry.
                    if (offset > target || (offset - 1_000) % 3 != 0 || position != (offset - 1_000) / 3 * 11) {
                        failure.set("slot " + slot + " = (" + offset + ", " + position + ") for target " + target);
                    }
                }
            }
        });
        reader.start();
        for (int k = 0; k < count; k++) {
            index.append(1_000 + 3L * k, 11 * k);
        }
        reader.join();
        if (failure.get() != null) {
            fail(failure.get());
        }
    }
}
