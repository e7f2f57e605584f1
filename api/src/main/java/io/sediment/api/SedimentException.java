package io.sediment.api;

/**
 * Root of every error the engine raises on purpose. Each subclass maps one-to-one to a Kafka error code in the
 * broker, and carries the log, offset, file or position involved so a message alone tells what went wrong where.
 */
public abstract class SedimentException extends RuntimeException {
    protected SedimentException(final String message) {
        super(message);
    }

    protected SedimentException(final String message, final Throwable cause) {
        super(message, cause);
    }
}
