package io.sediment.fuzz;

import java.util.ArrayList;
import java.util.List;

/**
 * What one verification of a log found: counters, and the first few problems in words.
 *
 * <p>The counters that are failures in every run: {@link #recordsLost} (an acknowledged record missing or not
 * byte-identical), {@link #silentlyWrong} (a record whose batch passes its CRC but which is not what was written
 * at that offset, or offsets that are not dense), {@link #indexMismatches}, {@link #uncheckedErrors}. The counter
 * {@link #detectedCorruptReads} (a batch served whose CRC fails, so any consumer rejects it) is a failure after a
 * crash, and expected after bytes were changed on disk behind a clean shutdown, which the engine trusts as Kafka does.
 *
 * <p>Not thread-safe; one per verification.
 */
public final class Verdict {
    private static final int MAX_PROBLEMS = 3;

    long recordsVerified;
    long batchesVerified;
    long recordsLost;
    long silentlyWrong;
    long detectedCorruptReads;
    long typedReadErrors;
    long indexMismatches;
    long uncheckedErrors;
    long logStartOffset = -1;
    long logEndOffset = -1;
    final List<String> problems = new ArrayList<>();

    void problem(final String what) {
        if (problems.size() < MAX_PROBLEMS) {
            problems.add(what);
        }
    }

    public long recordsVerified() {
        return recordsVerified;
    }

    public long recordsLost() {
        return recordsLost;
    }

    public long silentlyWrong() {
        return silentlyWrong;
    }

    public long detectedCorruptReads() {
        return detectedCorruptReads;
    }

    public long typedReadErrors() {
        return typedReadErrors;
    }

    public long indexMismatches() {
        return indexMismatches;
    }

    public long uncheckedErrors() {
        return uncheckedErrors;
    }

    public long logStartOffset() {
        return logStartOffset;
    }

    public long logEndOffset() {
        return logEndOffset;
    }

    public List<String> problems() {
        return problems;
    }

    /** Nothing lost, nothing wrong, nothing corrupt served, no unchecked error, indexes agree with the data. */
    public boolean intact() {
        return recordsLost == 0 && silentlyWrong == 0 && detectedCorruptReads == 0 && typedReadErrors == 0
                && indexMismatches == 0 && uncheckedErrors == 0;
    }

    @Override
    public String toString() {
        return "Verdict{[" + logStartOffset + ", " + logEndOffset + "), records=" + recordsVerified + ", lost="
                + recordsLost + ", silentlyWrong=" + silentlyWrong + ", detectedCorrupt=" + detectedCorruptReads
                + ", typedReadErrors=" + typedReadErrors + ", indexMismatches=" + indexMismatches + ", unchecked="
                + uncheckedErrors + ", problems=" + problems + '}';
    }
}
