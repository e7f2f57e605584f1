package io.sediment.index;

import io.sediment.api.CorruptIndexException;
import io.sediment.api.spi.IndexRegion;

import java.nio.ByteBuffer;

import static io.sediment.index.TimeIndexLayout.ENTRY_SIZE;

/**
 * A segment's sparse time index: maps a timestamp to an offset from which a search for the first record at or
 * after that timestamp can start (ListOffsets by time, {@code retention.ms} bookkeeping). Entry format in
 * {@link TimeIndexLayout} (Kafka's {@code .timeindex}).
 *
 * <p>The engine offers an entry {@code (largest timestamp so far, offset of the record that holds it)} whenever it
 * adds an offset index entry, and once more when the segment rolls; {@link #maybeAppend} keeps it only if the
 * timestamp is above the last entry's, so timestamps are strictly increasing and a segment whose records carry no
 * timestamps (-1) has an empty time index. {@link #isFull()} turns true one slot early, as in Kafka, so that the
 * entry added on roll always finds room.
 *
 * <p>Invariants, checked on {@link #maybeAppend} and by {@link #sanityCheck}: timestamps strictly increasing,
 * relative offsets &ge; 0 and non-decreasing, whole entries only.
 *
 * <p>Crash: no checksum, no stored count. After a crash the region may report its whole preallocated length, the
 * tail full of zero bytes, read as entries {@code (0, baseOffset)}. Two such entries repeat timestamp 0, and a
 * zero entry after a real one lowers the timestamp (record timestamps are milliseconds since the epoch, above 0),
 * so {@link #sanityCheck} reports the region as corrupt and the engine rebuilds it from the data; so is a lone
 * zero entry over an empty segment. The one case it cannot see is a region of exactly one zero entry over a
 * segment with data; that entry, "no record up to {@code baseOffset} is newer than 0", is harmless because
 * lookups only use the index as a lower bound to scan from.
 *
 * <p>Threading: as {@link OffsetIndex}: one writer for the mutating methods; lookups ({@link #floorSlot},
 * {@link #timestampAt}, {@link #offsetAt}, {@link #entries}, {@link #lastTimestamp}, {@link #lastOffset})
 * lock-free on any thread, seeing only entries published by the volatile count; truncation only while no reader
 * can reach the segment. Lookups never allocate.
 */
public final class TimeIndex {
    /** Entries in the warm tail (8 KiB), searched first; see {@link OffsetIndex#WARM_ENTRIES}. */
    static final int WARM_ENTRIES = 8192 / ENTRY_SIZE;
    /** {@link #lastTimestamp()} of an empty index: Kafka's NO_TIMESTAMP. */
    public static final long NO_TIMESTAMP = -1L;

    private final IndexRegion region;
    private final ByteBuffer buffer;
    private final long baseOffset;
    private final String file;
    private volatile int maxEntries;
    private volatile int entries;
    /** Bytes the region held at open that do not make a whole entry; cleared once the writer rewrites the index. */
    private int strayBytes;

    private TimeIndex(final IndexRegion region, final long baseOffset, final String file) {
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
     * Opens the index held by {@code region}, taking {@code storedBytes / 12} entries as written (call
     * {@link #sanityCheck} before trusting them after an unclean shutdown).
     *
     * @param file names the index in errors (the backend's file or key)
     */
    public static TimeIndex open(final IndexRegion region, final long baseOffset, final String file) {
        if (baseOffset < 0) {
            throw new IllegalArgumentException(file + ": base offset " + baseOffset + " is negative");
        }
        return new TimeIndex(region, baseOffset, file);
    }

    public long baseOffset() {
        return baseOffset;
    }

    public String file() {
        return file;
    }

    public int entries() {
        return entries;
    }

    /** Entries the region can hold: its capacity / 12, or the entry count once {@link #trim() trimmed}. */
    public int maxEntries() {
        return maxEntries;
    }

    /**
     * True when at most one free slot is left: that slot is kept for the entry the engine adds when it rolls the
     * segment (Kafka's rule), so the engine should roll now.
     */
    public boolean isFull() {
        return entries >= maxEntries - 1;
    }

    public int sizeInBytes() {
        return entries * ENTRY_SIZE;
    }

    /**
     * Adds the entry {@code (timestamp, offset)} if {@code timestamp} is above the last entry's timestamp (always,
     * for an empty index, if it is above {@link #NO_TIMESTAMP}). Writer only.
     *
     * @return whether the entry was added
     * @throws IllegalArgumentException if {@code offset} is below the last entry's offset or not within
     *         {@link Integer#MAX_VALUE} of the base offset
     * @throws IllegalStateException if the entry should be added but every slot, the reserved one included, is used
     */
    public boolean maybeAppend(final long timestamp, final long offset) {
        final int n = entries;
        final long relative = offset - baseOffset;
        if (relative < 0 || relative > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(file + ": offset " + offset + " is outside the index's range ["
                    + baseOffset + ", " + (baseOffset + Integer.MAX_VALUE) + "]");
        }
        final long lastTimestamp;
        if (n > 0) {
            final int lastRelative = relativeOffsetAt(n - 1);
            if (relative < lastRelative) {
                throw new IllegalArgumentException(file + ": offset " + offset + " is below the last indexed offset "
                        + (baseOffset + lastRelative) + " (slot " + (n - 1) + ")");
            }
            lastTimestamp = timestampAt(n - 1);
        } else {
            lastTimestamp = NO_TIMESTAMP;
        }
        if (timestamp <= lastTimestamp) {
            return false;
        }
        if (n >= maxEntries) {
            throw new IllegalStateException(file + ": time index is full (" + n + " entries), cannot add timestamp "
                    + timestamp + " at offset " + offset);
        }
        buffer.putLong(TimeIndexLayout.timestampOffset(n), timestamp);
        buffer.putInt(TimeIndexLayout.relativeOffsetOffset(n), (int) relative);
        strayBytes = 0;
        entries = n + 1; // volatile write publishes the bytes above
        return true;
    }

    /** Timestamp of the last entry, or {@link #NO_TIMESTAMP} when the index is empty. */
    public long lastTimestamp() {
        final int n = entries;
        return n == 0 ? NO_TIMESTAMP : timestampAt(n - 1);
    }

    /** Offset of the last entry, or the base offset when the index is empty. */
    public long lastOffset() {
        final int n = entries;
        return n == 0 ? baseOffset : offsetAt(n - 1);
    }

    /**
     * Slot of the entry with the largest timestamp at most {@code timestamp}, or -1 if there is none. Searches the
     * warm tail first. Any thread; no allocation.
     */
    public int floorSlot(final long timestamp) {
        final int n = entries;
        if (n == 0) {
            return -1;
        }
        final int firstWarm = Math.max(0, n - 1 - WARM_ENTRIES);
        if (timestampAt(firstWarm) <= timestamp) {
            return floorIn(firstWarm, n - 1, timestamp);
        }
        if (timestampAt(0) > timestamp) {
            return -1;
        }
        return floorIn(0, firstWarm, timestamp);
    }

    /** Largest slot in [lo, hi] whose timestamp is at most target; requires the entry at lo to qualify. */
    private int floorIn(final int loInclusive, final int hiInclusive, final long target) {
        int lo = loInclusive;
        int hi = hiInclusive;
        while (lo < hi) {
            final int mid = (lo + hi + 1) >>> 1;
            if (timestampAt(mid) > target) {
                hi = mid - 1;
            } else {
                lo = mid;
            }
        }
        return lo;
    }

    /** Timestamp of the entry in {@code slot} (a slot below {@link #entries()}, e.g. from {@link #floorSlot}). */
    public long timestampAt(final int slot) {
        return buffer.getLong(TimeIndexLayout.timestampOffset(slot));
    }

    /** Offset of the entry in {@code slot} (a slot below {@link #entries()}). */
    public long offsetAt(final int slot) {
        return baseOffset + relativeOffsetAt(slot);
    }

    private int relativeOffsetAt(final int slot) {
        return buffer.getInt(TimeIndexLayout.relativeOffsetOffset(slot));
    }

    /** Drops every entry whose offset is at or above {@code offset}. Writer only. */
    public void truncateTo(final long offset) {
        final int n = entries;
        if (offset <= baseOffset) {
            truncateToEntries(0);
            return;
        }
        final long relativeTarget = offset - baseOffset;
        if (relativeTarget > Integer.MAX_VALUE) {
            truncateToEntries(n);
            return;
        }
        // Offsets may repeat, so search for the first slot whose offset is >= the target (a lower bound).
        final int target = (int) relativeTarget;
        int lo = 0;
        int hi = n;
        while (lo < hi) {
            final int mid = (lo + hi) >>> 1;
            if (relativeOffsetAt(mid) < target) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        truncateToEntries(lo);
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
     * timestamps strictly increasing, relative offsets &ge; 0 and non-decreasing, and no entry at all over an empty
     * segment. Catches the zero-filled tail a crash leaves (see the class comment). Writer, or before the index is
     * shared.
     *
     * @throws CorruptIndexException naming the file, the slot and the values
     */
    public void sanityCheck(final int dataSize) {
        if (strayBytes != 0) {
            throw new CorruptIndexException(file, "time index holds " + region.storedBytes()
                    + " bytes, which is not a multiple of the entry size " + ENTRY_SIZE);
        }
        final int n = entries;
        if (n > 0 && dataSize <= 0) {
            throw new CorruptIndexException(file, "time index has " + n + " entries but the segment data is empty");
        }
        long previousTimestamp = Long.MIN_VALUE;
        int previousRelative = 0;
        for (int slot = 0; slot < n; slot++) {
            final long timestamp = timestampAt(slot);
            final int relative = relativeOffsetAt(slot);
            if (relative < 0) {
                throw new CorruptIndexException(file, "slot " + slot + " has negative relative offset " + relative
                        + " (base offset " + baseOffset + ")");
            }
            if (slot > 0 && timestamp <= previousTimestamp) {
                throw new CorruptIndexException(file, "slot " + slot + " has timestamp " + timestamp
                        + ", not above slot " + (slot - 1) + "'s timestamp " + previousTimestamp
                        + " (" + n + " entries)");
            }
            if (relative < previousRelative) {
                throw new CorruptIndexException(file, "slot " + slot + " has offset " + (baseOffset + relative)
                        + ", below slot " + (slot - 1) + "'s offset " + (baseOffset + previousRelative));
            }
            previousTimestamp = timestamp;
            previousRelative = relative;
        }
    }

    /**
     * Gives back the region's unused tail, keeping the valid entries (on roll and close). The index then accepts
     * no more entries. Writer only.
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
        return "TimeIndex(" + file + ", baseOffset=" + baseOffset + ", entries=" + entries + "/" + maxEntries + ")";
    }
}
