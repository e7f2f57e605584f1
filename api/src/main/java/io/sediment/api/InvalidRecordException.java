package io.sediment.api;

/** A well-formed batch a log must still refuse (inconsistent counts, no records): Kafka's INVALID_RECORD. */
public final class InvalidRecordException extends SedimentException {
    private final String source;
    private final long position;

    public InvalidRecordException(final String source, final long position, final String reason) {
        super(source + " at position " + position + ": " + reason);
        this.source = source;
        this.position = position;
    }

    public String source() {
        return source;
    }

    public long position() {
        return position;
    }
}
