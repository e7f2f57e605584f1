package io.sediment.api.spi;

/**
 * How a segment id prints: Kafka's 20-digit zero-padded base offset ({@code 00000000000000000042}), the stem of
 * its {@code .log}, {@code .index} and {@code .timeindex} file names.
 *
 * <p>Written by hand rather than with {@code String.format("%020d")}: the first format call loads
 * {@code java.util.Formatter}, regex and locale providers, about 80 ms of a cold start.
 */
public final class SegmentName {
    private static final String ZEROS = "00000000000000000000";

    private SegmentName() {
    }

    /** The 20-digit name of a non-negative segment id. */
    public static String of(final long id) {
        if (id < 0) {
            throw new IllegalArgumentException("segment id " + id + " is negative");
        }
        final String digits = Long.toString(id);
        return ZEROS.substring(digits.length()) + digits;
    }
}
