package io.sediment.api;

/** Bytes that should hold a record batch do not (bad CRC, bad magic, torn length): Kafka's CORRUPT_MESSAGE. */
public class CorruptRecordException extends SedimentException {
    private final String source;
    private final long position;
    private final String reason;

    /**
     * @param source where the bytes come from: a file path or a request description
     * @param position byte position of the bad batch within that source
     */
    public CorruptRecordException(final String source, final long position, final String reason) {
        super(source + " at position " + position + ": " + reason);
        this.source = source;
        this.position = position;
        this.reason = reason;
    }

    public String source() {
        return source;
    }

    public long position() {
        return position;
    }

    /** What is wrong, without the source and position (to re-report it against another source). */
    public String reason() {
        return reason;
    }
}
