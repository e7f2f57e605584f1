package io.sediment.index;

import io.sediment.api.CorruptIndexException;
import io.sediment.api.spi.IndexRegion;

import java.nio.ByteBuffer;

import static io.sediment.index.OffsetIndexLayout.ENTRY_SIZE;

/**
 * A segment's sparse offset index: maps an offset to the byte position in the segment's data of a batch at or
 * before it, so a read scans a few batch headers instead of the whole segment. Entry format in
 * {@link OffsetIndexLayout} (Kafka's {@code .index}); offsets are stored relative to the segment's base offset in
 * 4 bytes, so one segment spans at most {@link Integer#MAX_VALUE} offsets.
 *
 * <p>The engine adds an entry every {@code index.interval.bytes} of appended batches, so the index is sparse and
 * a lookup answers with a floor: the last indexed batch at or below the target, from where the reader scans
 * forward. The region is preallocated; {@link #trim()} gives back the unused tail when the segment rolls or
 * closes, after which the index accepts no more entries than it holds.
 *
 * <p>Invariants, checked on {@link #append} and by {@link #sanityCheck}: relative offsets are &ge; 0 and strictly
 * increasing; positions are &ge; 0 and non-decreasing; the count of valid entries is {@link #entries()}, the
 * bytes past it mean nothing.
 *
 * <p>Crash: there is no checksum and no stored count. A region opened after a crash may report its whole
 * preallocated length as stored, the tail full of zero bytes. Zero entries read as {@code (baseOffset, 0)}; a
 * zero entry after any entry repeats or lowers the relative offset, and a lone zero entry points at position 0 of
 * an empty segment, so {@link #sanityCheck} reports every such region as corrupt and the engine rebuilds the index
 * from the data (Kafka's rule: rebuild rather than checksum).
 *
 * <p>Threading: one writer (the partition's writer thread) calls the mutating methods ({@code append},
 * {@code truncate*}, {@code reset}, {@code trim}, {@code flush}). Lookups ({@link #floorSlot}, {@link #offsetAt},
 * {@link #positionAt}, {@link #lookupPosition}, {@link #entries}, {@link #lastOffset}) run lock-free on any thread:
 * the writer stores an entry's bytes and then publishes the new count through a volatile write, and a lookup reads
 * the count once, so it only ever sees entries that are completely written. Truncation rewrites slots a
 * concurrent lookup may still be reading; the engine truncates only while no reader can reach the segment
 * (recovery) and callers must treat a racing lookup's answer as a hint they re-verify against the data.
 * Lookups never allocate.
 */
public final class OffsetIndex {
    /**
     * Entries in the "warm" tail: 8 KiB, Kafka's choice. Reads close to the end of the log (nearly all of them)
     * search only these, so they touch the same two or three pages over and over, which stay in the page cache;
     * a plain binary search over the whole index would touch pages scattered over it, and a page that went cold
     * costs a disk read on the hot path.
     */
    static final int WARM_ENTRIES = 8192 / ENTRY_SIZE;

    private final IndexRegion region;
    private final ByteBuffer buffer;
    private final long baseOffset;
    private final String file;
    private volatile int maxEntries;
    private volatile int entries;
    /** Bytes the region held at open that do not make a whole entry; cleared once the writer rewrites the index. */
    private int strayBytes;

    private OffsetIndex(final IndexRegion region, final long baseOffset, final String file) {
        this.region = region;
        this.buffer = region.buffer();
        this.baseOffset = baseOffset;
        this.file = file;
        final int stored = region.storedBytes();
        if (stored < 0 || stored > buffer.capacity()) {
            throw new CorruptIndexException(file, "region reports " + stored + " stored bytes but its buffer holds "
                    + buffer.capacity());
        }
        this.maxEntries = buffer.capacity() / ENTRY_SIZE;
        this.strayBytes = stored % ENTRY_SIZE;
        this.entries = stored / ENTRY_SIZE;
    }

    /**
     * Opens the index held by {@code region}, taking {@code storedBytes / 8} entries as written (call
     * {@link #sanityCheck} before trusting them after an unclean shutdown).
     *
     * @param file names the index in errors (the backend's file or key)
     */
    public static OffsetIndex open(final IndexRegion region, final long baseOffset, final String file) {
        if (baseOffset < 0) {
            throw new IllegalArgumentException(file + ": base offset " + baseOffset + " is negative");
        }
        return new OffsetIndex(region, baseOffset, file);
    }

    public long baseOffset() {
        return baseOffset;
    }

    public String file() {
        return file;
    }

    /** Number of valid entries. */
    public int entries() {
        return entries;
    }

    /** Entries the region can hold: its capacity / 8, or the entry count once {@link #trim() trimmed}. */
    public int maxEntries() {
        return maxEntries;
    }

    public boolean isFull() {
        return entries >= maxEntries;
    }

    /** Bytes the valid entries take. */
    public int sizeInBytes() {
        return entries * ENTRY_SIZE;
    }

    /**
     * Adds an entry: {@code offset} is at byte {@code position} of the segment data. Writer only.
     *
     * @throws IllegalArgumentException if {@code offset} is not above the last entry's offset or not within
     *         {@link Integer#MAX_VALUE} of the base offset, or {@code position} is negative or below the last entry's
     * @throws IllegalStateException if the index is full
     */
    public void append(final long offset, final int position) {
        final int n = entries;
        if (n >= maxEntries) {
            throw new IllegalStateException(file + ": offset index is full (" + n + " entries), cannot add offset "
                    + offset + " at position " + position);
        }
        final long relative = offset - baseOffset;
        if (relative < 0 || relative > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(file + ": offset " + offset + " is outside the index's range ["
                    + baseOffset + ", " + (baseOffset + Integer.MAX_VALUE) + "]");
        }
        if (position < 0) {
            throw new IllegalArgumentException(file + ": position " + position + " for offset " + offset
                    + " is negative");
        }
        if (n > 0) {
            final int lastRelative = relativeOffsetAt(n - 1);
            if (relative <= lastRelative) {
                throw new IllegalArgumentException(file + ": offset " + offset + " is not above the last indexed offset "
                        + (baseOffset + lastRelative) + " (slot " + (n - 1) + ")");
            }
            final int lastPosition = positionAt(n - 1);
            if (position < lastPosition) {
                throw new IllegalArgumentException(file + ": position " + position + " for offset " + offset
                        + " is below the last indexed position " + lastPosition + " (slot " + (n - 1) + ")");
            }
        }
        buffer.putInt(OffsetIndexLayout.relativeOffsetOffset(n), (int) relative);
        buffer.putInt(OffsetIndexLayout.positionOffset(n), position);
        strayBytes = 0;
        entries = n + 1; // volatile write publishes the bytes above
    }

    /** Offset of the last entry, or the base offset when the index is empty. */
    public long lastOffset() {
        final int n = entries;
        return n == 0 ? baseOffset : baseOffset + relativeOffsetAt(n - 1);
    }

    /** Position of the last entry, or 0 when the index is empty. */
    public int lastPosition() {
        final int n = entries;
        return n == 0 ? 0 : positionAt(n - 1);
    }

    /**
     * Slot of the largest entry whose offset is at most {@code targetOffset}, or -1 if there is none. Searches the
     * warm tail first (see {@link #WARM_ENTRIES}). Any thread; no allocation.
     */
    public int floorSlot(final long targetOffset) {
        final int n = entries;
        if (n == 0 || targetOffset < baseOffset) {
            return -1;
        }
        final long relativeTarget = targetOffset - baseOffset;
        // Past the int range every entry is below the target; clamping keeps the comparison in ints.
        final int target = relativeTarget > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) relativeTarget;
        final int firstWarm = Math.max(0, n - 1 - WARM_ENTRIES);
        if (relativeOffsetAt(firstWarm) <= target) {
            return floorIn(firstWarm, n - 1, target);
        }
        if (relativeOffsetAt(0) > target) {
            return -1;
        }
        return floorIn(0, firstWarm, target);
    }

    /** Largest slot in [lo, hi] whose relative offset is at most target; requires the entry at lo to qualify. */
    private int floorIn(final int loInclusive, final int hiInclusive, final int target) {
        int lo = loInclusive;
        int hi = hiInclusive;
        while (lo < hi) {
            final int mid = (lo + hi + 1) >>> 1;
            if (relativeOffsetAt(mid) > target) {
                hi = mid - 1;
            } else {
                lo = mid;
            }
        }
        return lo;
    }

    /** Offset of the entry in {@code slot} (a slot below {@link #entries()}, e.g. from {@link #floorSlot}). */
    public long offsetAt(final int slot) {
        return baseOffset + relativeOffsetAt(slot);
    }

    /** Data position of the entry in {@code slot} (a slot below {@link #entries()}). */
    public int positionAt(final int slot) {
        return buffer.getInt(OffsetIndexLayout.positionOffset(slot));
    }

    private int relativeOffsetAt(final int slot) {
        return buffer.getInt(OffsetIndexLayout.relativeOffsetOffset(slot));
    }

    /**
     * Position from which to scan for {@code targetOffset}: that of the largest entry at or below it, or 0 (the
     * segment's start) when there is none.
     */
    public int lookupPosition(final long targetOffset) {
        final int slot = floorSlot(targetOffset);
        return slot < 0 ? 0 : positionAt(slot);
    }

    /**
     * Drops every entry whose offset is at or above {@code offset}; an offset above the last entry's changes
     * nothing, one at or below the first entry's empties the index. Writer only.
     */
    public void truncateTo(final long offset) {
        // Entries kept = entries with offset < target = floor slot of (offset - 1) plus one.
        final int keep = offset <= baseOffset ? 0 : floorSlot(offset - 1) + 1;
        truncateToEntries(keep);
    }

    /** Keeps the first {@code n} entries (no effect if there are {@code n} or fewer). Writer only. */
    public void truncateToEntries(final int n) {
        if (n < 0) {
            throw new IllegalArgumentException(file + ": cannot truncate to " + n + " entries");
        }
        strayBytes = 0;
        if (n < entries) {
            entries = n;
        }
    }

    /** Removes every entry. Writer only. */
    public void reset() {
        truncateToEntries(0);
    }

    /**
     * Checks that the entries can be right for a segment holding {@code dataSize} bytes: whole entries only,
     * relative offsets &ge; 0 and strictly increasing, positions non-decreasing and inside the data. Catches
     * the zero-filled tail a crash leaves (see the class comment). Writer, or before the index is shared.
     *
     * @throws CorruptIndexException naming the file, the slot and the values
     */
    public void sanityCheck(final int dataSize) {
        if (strayBytes != 0) {
            throw new CorruptIndexException(file, "offset index holds " + region.storedBytes()
                    + " bytes, which is not a multiple of the entry size " + ENTRY_SIZE);
        }
        final int n = entries;
        int previousRelative = -1;
        int previousPosition = 0;
        for (int slot = 0; slot < n; slot++) {
            final int relative = relativeOffsetAt(slot);
            final int position = positionAt(slot);
            if (relative < 0) {
                throw new CorruptIndexException(file, "slot " + slot + " has negative relative offset " + relative
                        + " (base offset " + baseOffset + ")");
            }
            if (relative <= previousRelative) {
                throw new CorruptIndexException(file, "slot " + slot + " has offset " + (baseOffset + relative)
                        + ", not above slot " + (slot - 1) + "'s offset " + (baseOffset + previousRelative)
                        + " (" + n + " entries)");
            }
            if (position < previousPosition) {
                throw new CorruptIndexException(file, "slot " + slot + " has position " + position
                        + ", below the previous slot's position " + previousPosition);
            }
            if (position >= dataSize) {
                throw new CorruptIndexException(file, "slot " + slot + " (offset " + (baseOffset + relative)
                        + ") has position " + position + ", not inside the segment data of " + dataSize + " bytes");
            }
            previousRelative = relative;
            previousPosition = position;
        }
    }

    /**
     * Gives back the region's unused tail, keeping the valid entries (on roll and close). The index then holds no
     * more than its current entries: {@link #isFull()} turns true. Writer only.
     */
    public void trim() {
        final int n = entries;
        region.trimTo(n * ENTRY_SIZE);
        maxEntries = n;
    }

    /** Makes the valid entries durable. Writer only. */
    public void flush() {
        region.flush(entries * ENTRY_SIZE);
    }

    @Override
    public String toString() {
        return "OffsetIndex(" + file + ", baseOffset=" + baseOffset + ", entries=" + entries + "/" + maxEntries + ")";
    }
}
