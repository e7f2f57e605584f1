package io.sediment.backend.mmap;

/**
 * How much written data a store's mappings keep resident: the backend's {@code resident.bytes} setting
 * ({@link MmapStorageBackend#RESIDENT_BYTES_PROPERTY}, or {@link MmapStorageBackend#MmapStorageBackend(long)}).
 *
 * <p>A window of {@code W} bytes splits into a kept tail, {@code keep = W/4} rounded down to a page (the newest
 * bytes, which the writer is finishing and tailing readers look at), and a sweep step, {@code step = W - keep}.
 * The window is a store's, shared by all its segments ({@link ResidentBudget}): writers charge what they append
 * and drop their written pages below their share of the keep whenever the store's charge passes {@code W}, so one
 * segment written alone sweeps every {@code step} bytes and holds about {@code W}, and many written at once hold
 * about {@code W} between them. Readers sweep what their views faulted in every {@code step} bytes viewed
 * ({@link ResidentPages}). {@code W = 0} drops every whole page as soon as it is written (tests use it). Unbounded
 * ({@code W < 0}) never drops: the behaviour before the setting existed.
 *
 * <p>Threading: immutable.
 */
final class ResidencyPolicy {
    /** Accounting unit; {@link PageDropper} aligns to the machine's real page size. */
    static final int PAGE = 4096;
    static final ResidencyPolicy UNBOUNDED = new ResidencyPolicy(-1);

    private final long windowBytes;
    private final long keepBytes;
    private final long stepBytes;

    private ResidencyPolicy(final long windowBytes) {
        this.windowBytes = windowBytes;
        this.keepBytes = windowBytes < 0 ? 0 : windowBytes / 4 / PAGE * PAGE;
        this.stepBytes = windowBytes < 0 ? Long.MAX_VALUE : Math.max(PAGE, windowBytes - keepBytes);
    }

    /** A window of {@code windowBytes}; negative: unbounded. */
    static ResidencyPolicy of(final long windowBytes) {
        return windowBytes < 0 ? UNBOUNDED : new ResidencyPolicy(windowBytes);
    }

    /**
     * The policy named by a setting's text: a number of bytes, or {@code unbounded}; absent (null): unbounded.
     *
     * @throws IllegalArgumentException naming the setting when the text is neither
     */
    static ResidencyPolicy parse(final String setting, final String text) {
        return of(ByteSetting.parse(setting, text, "unbounded", -1, -1));
    }

    boolean bounded() {
        return windowBytes >= 0;
    }

    /** The window {@code W} in bytes; negative when unbounded. */
    long windowBytes() {
        return windowBytes;
    }

    long keepBytes() {
        return keepBytes;
    }

    long stepBytes() {
        return stepBytes;
    }

    @Override
    public String toString() {
        return bounded() ? "resident window " + windowBytes + " bytes (keep " + keepBytes + ", step " + stepBytes + ")"
                : "resident window unbounded";
    }
}
