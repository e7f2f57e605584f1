package io.sediment.fuzz;

import io.sediment.api.CorruptRecordException;
import io.sediment.api.Log;
import io.sediment.api.LogSlice;
import io.sediment.api.SedimentException;
import io.sediment.api.TimestampedOffset;
import io.sediment.api.record.RecordBatch;
import io.sediment.api.record.RecordCursor;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;

/**
 * Reads a whole log back and checks it against what {@link RecordContent} says was written.
 *
 * <ul>
 *   <li>every batch read passes {@link RecordBatch#validate} (else a detected corrupt read);</li>
 *   <li>offsets are dense from the log start offset to the log end offset, each record is exactly the one written
 *       for its offset (else silently wrong data: the CRC passed but the data is not ours);</li>
 *   <li>every acknowledged offset at or above the log start offset is present with the timestamp it was
 *       acknowledged with (which, with the content check, makes it byte-identical), else lost;</li>
 *   <li>indexes agree with the data: {@code read(o)} for a sample of offsets returns the batch holding {@code o};
 *       {@code offsetForTimestamp} and {@code offsetOfMaxTimestamp} agree with a scan of the records.</li>
 * </ul>
 * Exceptions from the engine are classified: a {@link SedimentException} is a typed error (the engine said what
 * is wrong); anything else is an unchecked error, always a failure.
 *
 * <p>Not thread-safe; one per verification.
 */
public final class LogVerifier {
    private static final int READ_BYTES = 64 * 1024;
    private static final int SAMPLES = 48;

    private final long seed;
    private final SplittableRandom random;
    private final RecordBatch batch = new RecordBatch();
    private final RecordCursor cursor = new RecordCursor();
    private final CRC32C crc = new CRC32C();
    private long[] offsets = new long[1024];
    private long[] timestamps = new long[1024];
    private int count;

    public LogVerifier(final long seed, final SplittableRandom random) {
        this.seed = seed;
        this.random = random;
    }

    /**
     * @param acked acknowledged ranges, first offset → {last offset, timestamp}; empty when nothing was promised
     */
    public Verdict verify(final Log log, final NavigableMap<Long, long[]> acked) {
        final Verdict v = new Verdict();
        count = 0;
        try {
            scan(log, v);
        } catch (SedimentException e) {
            v.typedReadErrors++;
            v.problem("read failed with " + e);
        } catch (RuntimeException e) {
            v.uncheckedErrors++;
            v.problem("read failed with unchecked " + describe(e));
            return v;
        }
        checkAcked(acked, v);
        if (v.typedReadErrors == 0 && v.detectedCorruptReads == 0 && v.silentlyWrong == 0) {
            try {
                checkIndexes(log, v);
            } catch (RuntimeException e) {
                if (e instanceof SedimentException) {
                    v.typedReadErrors++;
                } else {
                    v.uncheckedErrors++;
                }
                v.problem("index lookup failed with " + describe(e));
            }
        }
        return v;
    }

    private void scan(final Log log, final Verdict v) {
        final long start = log.logStartOffset();
        final long end = log.logEndOffset();
        v.logStartOffset = start;
        v.logEndOffset = end;
        if (start < 0 || end < start) {
            v.silentlyWrong++;
            v.problem("log start " + start + " and end " + end + " are impossible");
            return;
        }
        long expected = start;
        while (expected < end) {
            try (LogSlice slice = log.read(expected, READ_BYTES)) {
                if (slice.isEmpty()) {
                    v.silentlyWrong++;
                    v.problem("empty read at offset " + expected + " below the log end offset " + end);
                    return;
                }
                final ByteBuffer buf = slice.buffer();
                final int limit = buf.limit();
                int position = buf.position();
                long next = expected;
                while (position < limit) {
                    try {
                        batch.wrap(buf, position).validate(limit, crc, "slice at offset " + expected);
                    } catch (CorruptRecordException e) {
                        v.detectedCorruptReads++;
                        v.problem("corrupt batch served at offset ~" + next + ": " + e.getMessage());
                        break;
                    }
                    v.batchesVerified++;
                    final long base = batch.baseOffset();
                    final long last = batch.lastOffset();
                    if (next == expected && position == buf.position()) {
                        if (base > expected || last < expected) {
                            v.silentlyWrong++;
                            v.problem("read(" + expected + ") starts with batch [" + base + ", " + last + "]");
                            return;
                        }
                    } else if (base != next) {
                        v.silentlyWrong++;
                        v.problem("offsets not dense: batch at " + base + " after offset " + (next - 1));
                        return;
                    }
                    if (!checkRecords(base, last, start, v)) {
                        return;
                    }
                    next = last + 1;
                    position += batch.sizeInBytes();
                }
                if (next == expected) {
                    // Nothing valid in this slice: skip past it as a consumer would give up on it.
                    next = Math.max(slice.nextOffset(), expected + 1);
                } else if (position >= limit && slice.nextOffset() != next) {
                    v.silentlyWrong++;
                    v.problem("slice says next offset " + slice.nextOffset() + " but its batches end before " + next);
                }
                expected = next;
            }
        }
    }

    /** Walks one validated batch's records; false when the data is so wrong that reading on is pointless. */
    private boolean checkRecords(final long base, final long last, final long start, final Verdict v) {
        try {
            cursor.reset(batch, "batch " + base);
        } catch (CorruptRecordException | UnsupportedOperationException e) {
            v.silentlyWrong++;
            v.problem("batch " + base + " passes its CRC but cannot be walked: " + e.getMessage());
            return false;
        }
        long offset = base;
        while (true) {
            final boolean more;
            try {
                more = cursor.next();
            } catch (CorruptRecordException e) {
                v.silentlyWrong++;
                v.problem("batch " + base + " passes its CRC but a record is malformed: " + e.getMessage());
                return false;
            }
            if (!more) {
                break;
            }
            if (cursor.offset() != offset) {
                v.silentlyWrong++;
                v.problem("batch " + base + ": record offset " + cursor.offset() + " where " + offset + " was expected");
                return false;
            }
            if (offset >= start) {
                final String wrong = RecordContent.check(seed, cursor);
                if (wrong != null) {
                    v.silentlyWrong++;
                    v.problem(wrong);
                    return false;
                }
                remember(offset, cursor.timestamp());
                v.recordsVerified++;
            }
            offset++;
        }
        if (offset != last + 1) {
            v.silentlyWrong++;
            v.problem("batch " + base + " holds records up to " + (offset - 1) + " but claims last offset " + last);
            return false;
        }
        return true;
    }

    private void remember(final long offset, final long ts) {
        if (count == offsets.length) {
            offsets = Arrays.copyOf(offsets, count * 2);
            timestamps = Arrays.copyOf(timestamps, count * 2);
        }
        offsets[count] = offset;
        timestamps[count] = ts;
        count++;
    }

    private void checkAcked(final NavigableMap<Long, long[]> acked, final Verdict v) {
        final long start = v.logStartOffset;
        for (Map.Entry<Long, long[]> e : acked.entrySet()) {
            final long first = e.getKey();
            final long last = e.getValue()[0];
            final long ts = e.getValue()[1];
            for (long o = Math.max(first, start); o <= last; o++) {
                final int i = indexOf(o);
                if (i < 0) {
                    v.recordsLost++;
                    if (v.recordsLost <= 3) {
                        v.problem("acknowledged offset " + o + " is missing (log [" + start + ", " + v.logEndOffset + "))");
                    }
                } else if (timestamps[i] != ts) {
                    v.recordsLost++;
                    v.problem("acknowledged offset " + o + " holds a record written at " + timestamps[i]
                            + ", not the one acknowledged at " + ts);
                }
            }
        }
    }

    /** Index of {@code offset} in the scanned records (they are dense and increasing when the scan passed). */
    private int indexOf(final long offset) {
        if (count == 0) {
            return -1;
        }
        final long i = offset - offsets[0];
        if (i >= 0 && i < count && offsets[(int) i] == offset) {
            return (int) i;
        }
        final int j = Arrays.binarySearch(offsets, 0, count, offset);
        return j >= 0 ? j : -1;
    }

    private void checkIndexes(final Log log, final Verdict v) {
        if (count == 0) {
            if (log.offsetForTimestamp(0).isPresent() || log.offsetOfMaxTimestamp().isPresent()) {
                v.indexMismatches++;
                v.problem("timestamp lookups answer on a log with no readable records");
            }
            return;
        }
        for (int k = 0; k < SAMPLES; k++) {
            final long o = offsets[random.nextInt(count)];
            try (LogSlice slice = log.read(o, 1)) {
                final ByteBuffer buf = slice.buffer();
                batch.wrap(buf, buf.position());
                if (slice.isEmpty() || batch.baseOffset() > o || batch.lastOffset() < o
                        || slice.firstOffset() > o || slice.nextOffset() <= o) {
                    v.indexMismatches++;
                    v.problem("read(" + o + ", 1) returned [" + slice.firstOffset() + ", " + slice.nextOffset() + ")");
                }
            }
        }
        for (int k = 0; k < SAMPLES / 2; k++) {
            final long t = timestamps[random.nextInt(count)] + random.nextInt(3) - 1;
            final Optional<TimestampedOffset> got = log.offsetForTimestamp(t);
            int first = -1;
            for (int i = 0; i < count; i++) {
                if (timestamps[i] >= t) {
                    first = i;
                    break;
                }
            }
            final TimestampedOffset want = first < 0 ? null : new TimestampedOffset(timestamps[first], offsets[first]);
            if (!got.equals(Optional.ofNullable(want))) {
                v.indexMismatches++;
                v.problem("offsetForTimestamp(" + t + ") = " + got + " but a scan says " + want);
            }
        }
        int maxAt = 0;
        for (int i = 1; i < count; i++) {
            if (timestamps[i] > timestamps[maxAt]) {
                maxAt = i;
            }
        }
        final Optional<TimestampedOffset> max = log.offsetOfMaxTimestamp();
        final TimestampedOffset want = new TimestampedOffset(timestamps[maxAt], offsets[maxAt]);
        if (!max.equals(Optional.of(want))) {
            v.indexMismatches++;
            v.problem("offsetOfMaxTimestamp = " + max + " but a scan says " + want);
        }
    }

    /** The exception and the frames down to the first one in the engine (io.sediment.log), where it came from. */
    static String describe(final Throwable e) {
        final StringBuilder b = new StringBuilder(String.valueOf(e));
        for (StackTraceElement f : e.getStackTrace()) {
            b.append(" at ").append(f);
            if (f.getClassName().startsWith("io.sediment.log.") || f.getClassName().startsWith("io.sediment.fuzz.")) {
                break;
            }
        }
        return b.toString();
    }
}
