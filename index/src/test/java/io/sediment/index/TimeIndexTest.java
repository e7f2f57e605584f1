package io.sediment.index;

import io.sediment.api.CorruptIndexException;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;

class TimeIndexTest {
    private static final String FILE = "00000000000000000000.timeindex";
    private static final long T0 = 1_700_000_000_000L;

    record Op(int kind, int a, int b) {
    }

    private static Gen<Op> ops() {
        return integers().between(0, 19).zip(integers().between(0, 300), integers().between(0, 300), Op::new);
    }

    private static TimeIndex newIndex(final long baseOffset, final int maxEntries) {
        return TimeIndex.open(new HeapIndexRegion(maxEntries * 12), baseOffset, FILE);
    }

    @Test
    void behavesLikeASortedListOfEntriesThroughAppendsLookupsTruncatesAndReopens() {
        qt().withExamples(300).forAll(longs().between(0, 1L << 40), integers().between(1, 48),
                lists().of(ops()).ofSizeBetween(0, 150)).checkAssert((baseOffset, capacity, steps) -> {
                    HeapIndexRegion region = new HeapIndexRegion(capacity * 12);
                    TimeIndex index = TimeIndex.open(region, baseOffset, FILE);
                    final List<long[]> model = new ArrayList<>(); // {timestamp, offset}
                    for (Op op : steps) {
                        final TimeIndex current = index;
                        final long lastTimestamp = model.isEmpty() ? -1 : model.get(model.size() - 1)[0];
                        final long lastOffset = model.isEmpty() ? baseOffset : model.get(model.size() - 1)[1];
                        if (op.kind() < 9) { // offer an entry; kept only if its timestamp is newer
                            final long timestamp = (model.isEmpty() ? T0 : lastTimestamp) + op.a() - 60;
                            final long offset = lastOffset + op.b() % 4;
                            final boolean newer = timestamp > lastTimestamp;
                            if (newer && model.size() == capacity) {
                                assertThrows(IllegalStateException.class, () -> current.maybeAppend(timestamp, offset));
                            } else {
                                assertEquals(newer, index.maybeAppend(timestamp, offset));
                                if (newer) {
                                    model.add(new long[] {timestamp, offset});
                                }
                            }
                        } else if (op.kind() < 10) { // offer an offset below the last entry's
                            if (!model.isEmpty() && lastOffset > baseOffset) {
                                final long offset = lastOffset - 1 - op.a() % (lastOffset - baseOffset);
                                assertThrows(IllegalArgumentException.class,
                                        () -> current.maybeAppend(lastTimestamp + 1, offset));
                            }
                        } else if (op.kind() < 15) { // floor lookup by timestamp
                            final long target = T0 - 200 + op.a() * (long) (1 + op.b() % 8);
                            int expected = -1;
                            for (int i = 0; i < model.size(); i++) {
                                if (model.get(i)[0] <= target) {
                                    expected = i;
                                }
                            }
                            assertEquals(expected, index.floorSlot(target), "floor of " + target);
                            if (expected >= 0) {
                                assertEquals(model.get(expected)[0], index.timestampAt(expected));
                                assertEquals(model.get(expected)[1], index.offsetAt(expected));
                            }
                        } else if (op.kind() < 17) { // truncate by offset
                            final long target = baseOffset + op.a() % 40;
                            index.truncateTo(target);
                            model.removeIf(e -> e[1] >= target);
                        } else if (op.kind() < 19) { // clean close and reopen
                            region.trimTo(index.sizeInBytes());
                            final int newCapacity = Math.max(model.size(), capacity - op.a() % 2);
                            region = region.reopen(region.validBytes(), newCapacity * 12);
                            index = TimeIndex.open(region, baseOffset, FILE);
                            index.sanityCheck(Integer.MAX_VALUE);
                            capacity = newCapacity;
                        } else {
                            index.reset();
                            model.clear();
                        }
                        assertEquals(model.size(), index.entries());
                        assertEquals(model.isEmpty() ? -1 : model.get(model.size() - 1)[0], index.lastTimestamp());
                        assertEquals(model.isEmpty() ? baseOffset : model.get(model.size() - 1)[1], index.lastOffset());
                        assertEquals(model.size() >= capacity - 1, index.isFull());
                    }
                    index.sanityCheck(model.isEmpty() ? 0 : 1);
                });
    }

    @Test
    void floorSlotAgreesWithALinearScanInBothTheWarmAndTheColdSections() {
        qt().withExamples(60).forAll(integers().between(0, 3 * TimeIndex.WARM_ENTRIES),
                lists().of(integers().between(1, 50)).ofSize(40), longs().between(0, 1L << 40))
                .checkAssert((count, gaps, baseOffset) -> {
                    final TimeIndex index = newIndex(baseOffset, count + 1);
                    final long[] timestamps = new long[count];
                    long timestamp = T0;
                    for (int i = 0; i < count; i++) {
                        timestamp += gaps.get(i % gaps.size());
                        timestamps[i] = timestamp;
                        assertTrue(index.maybeAppend(timestamp, baseOffset + i));
                    }
                    final long span = timestamp - T0 + 3;
                    for (int i = 0; i < gaps.size(); i++) {
                        final long target = T0 - 1 + span * i / gaps.size() + gaps.get(i);
                        int expected = -1;
                        for (int s = 0; s < count && timestamps[s] <= target; s++) {
                            expected = s;
                        }
                        assertEquals(expected, index.floorSlot(target), "target " + target);
                    }
                    assertEquals(count - 1, index.floorSlot(Long.MAX_VALUE));
                    assertEquals(-1, index.floorSlot(T0));
                });
    }

    @Test
    void aCrashLeftoverZeroTailIsReportedCorrupt() {
        qt().withExamples(300).forAll(integers().between(2, 40), integers().between(0, 40), integers().between(1, 9))
                .checkAssert((capacity, writtenSeed, gap) -> {
                    final int written = writtenSeed % capacity;
                    final HeapIndexRegion region = new HeapIndexRegion(capacity * 12);
                    final TimeIndex index = TimeIndex.open(region, 1000, FILE);
                    for (int i = 0; i < written; i++) {
                        index.maybeAppend(T0 + (long) i * gap, 1000 + (long) i * gap);
                    }
                    final int dataSize = written == 0 ? 0 : 4096;
                    index.sanityCheck(dataSize);
                    final TimeIndex reopened = TimeIndex.open(region.reopenAfterCrash(), 1000, FILE);
                    assertEquals(capacity, reopened.entries());
                    assertThrows(CorruptIndexException.class, () -> reopened.sanityCheck(dataSize));
                    assertThrows(CorruptIndexException.class, () -> reopened.sanityCheck(Integer.MAX_VALUE));
                });
    }

    @Test
    void sizeNotAMultipleOfTheEntryIsCorrupt() {
        final byte[] bytes = new byte[30];
        ByteBuffer.wrap(bytes).putLong(0, T0).putInt(8, 0);
        final TimeIndex index = TimeIndex.open(new HeapIndexRegion(bytes, 20), 0, FILE);
        assertEquals(1, index.entries());
        final CorruptIndexException e = assertThrows(CorruptIndexException.class, () -> index.sanityCheck(100));
        assertTrue(e.getMessage().contains("20 bytes"), e.getMessage());
    }

    @Test
    void decreasingOffsetsOrRepeatedTimestampsAreCorrupt() {
        final byte[] bytes = new byte[24];
        ByteBuffer.wrap(bytes).putLong(0, T0).putInt(8, 5).putLong(12, T0 + 1).putInt(20, 4);
        final TimeIndex index = TimeIndex.open(new HeapIndexRegion(bytes, 24), 10, FILE);
        assertTrue(assertThrows(CorruptIndexException.class, () -> index.sanityCheck(100)).getMessage()
                .contains("slot 1 has offset 14"));

        final byte[] same = new byte[24];
        ByteBuffer.wrap(same).putLong(0, T0).putInt(8, 1).putLong(12, T0).putInt(20, 2);
        final TimeIndex repeated = TimeIndex.open(new HeapIndexRegion(same, 24), 10, FILE);
        assertTrue(assertThrows(CorruptIndexException.class, () -> repeated.sanityCheck(100)).getMessage()
                .contains("timestamp " + T0));

        final byte[] negative = new byte[12];
        ByteBuffer.wrap(negative).putLong(0, T0).putInt(8, -1);
        assertThrows(CorruptIndexException.class,
                () -> TimeIndex.open(new HeapIndexRegion(negative, 12), 10, FILE).sanityCheck(100));
    }

    @Test
    void emptyIndexHasNoTimestamp() {
        final TimeIndex index = newIndex(77, 4);
        assertEquals(TimeIndex.NO_TIMESTAMP, index.lastTimestamp());
        assertEquals(77, index.lastOffset());
        assertEquals(-1, index.floorSlot(Long.MAX_VALUE));
        assertFalse(index.maybeAppend(-1, 77), "records without timestamps leave the index empty");
        assertEquals(0, index.entries());
        index.sanityCheck(0);
    }

    @Test
    void anyEntryOverAnEmptySegmentIsCorrupt() {
        final TimeIndex lone = TimeIndex.open(new HeapIndexRegion(new byte[12], 12), 0, FILE);
        lone.sanityCheck(1); // one zero entry over data: a true, if useless, statement
        assertThrows(CorruptIndexException.class, () -> lone.sanityCheck(0));
    }

    @Test
    void maybeAppendKeepsOnlyNewerTimestampsAndRejectsOlderOffsets() {
        final TimeIndex index = newIndex(100, 8);
        assertTrue(index.maybeAppend(T0, 105));
        assertFalse(index.maybeAppend(T0, 106));
        assertFalse(index.maybeAppend(T0 - 5, 107));
        assertTrue(index.maybeAppend(T0 + 1, 105), "same offset, newer timestamp (the roll entry) is kept");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> index.maybeAppend(T0 + 2, 104)).getMessage()
                .contains("offset 104"));
        assertThrows(IllegalArgumentException.class, () -> index.maybeAppend(T0 + 2, 99));
        assertEquals(2, index.entries());
    }

    @Test
    void isFullKeepsTheLastSlotForTheRollEntry() {
        final TimeIndex index = newIndex(0, 3);
        index.maybeAppend(T0, 0);
        assertFalse(index.isFull());
        index.maybeAppend(T0 + 1, 1);
        assertTrue(index.isFull(), "one slot left: the engine must roll");
        assertTrue(index.maybeAppend(T0 + 2, 1), "the roll entry still fits");
        assertThrows(IllegalStateException.class, () -> index.maybeAppend(T0 + 3, 2));
        assertFalse(index.maybeAppend(T0 + 2, 2), "an entry that would not be kept does not need room");
    }

    @Test
    void truncateToDropsEntriesAtOrAboveTheOffsetEvenWhenOffsetsRepeat() {
        final TimeIndex index = newIndex(0, 8);
        index.maybeAppend(T0, 10);
        index.maybeAppend(T0 + 1, 20);
        index.maybeAppend(T0 + 2, 20);
        index.maybeAppend(T0 + 3, 30);
        index.truncateTo(21);
        assertEquals(3, index.entries());
        index.truncateTo(20);
        assertEquals(1, index.entries());
        assertEquals(T0, index.lastTimestamp());
        index.truncateTo(0);
        assertEquals(0, index.entries());
    }

    @Test
    void trimGivesBackTheTailAndSealsTheIndex() {
        final HeapIndexRegion region = new HeapIndexRegion(10 * 12);
        final TimeIndex index = TimeIndex.open(region, 0, FILE);
        index.maybeAppend(T0, 3);
        index.flush();
        assertEquals(12, region.flushedBytes());
        index.trim();
        assertEquals(12, region.validBytes());
        assertTrue(index.isFull());
        assertThrows(IllegalStateException.class, () -> index.maybeAppend(T0 + 1, 4));
        final TimeIndex reopened = TimeIndex.open(region.reopen(12, 120), 0, FILE);
        reopened.sanityCheck(10);
        assertEquals(T0, reopened.lastTimestamp());
        assertEquals(3, reopened.lastOffset());
    }
}
