package io.sediment.api;

/** An I/O failure, or stored state the engine cannot use (wrong backend, unreadable file): Kafka's KAFKA_STORAGE_ERROR. */
public class StorageException extends SedimentException {
    private final String file;

    public StorageException(final String file, final String message, final Throwable cause) {
        super(file + ": " + message, cause);
        this.file = file;
    }

    public StorageException(final String file, final String message) {
        this(file, message, null);
    }

    /** The file or directory involved. */
    public String file() {
        return file;
    }
}
