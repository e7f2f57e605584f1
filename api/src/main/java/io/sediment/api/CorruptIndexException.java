package io.sediment.api;

/** An index whose entries cannot be right (size not a multiple of the entry, offsets out of order or outside the segment); the engine rebuilds it from the segment data. */
public final class CorruptIndexException extends StorageException {
    public CorruptIndexException(final String file, final String message) {
        super(file, message);
    }
}
