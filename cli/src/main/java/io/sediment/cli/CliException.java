package io.sediment.cli;

/**
 * A failure the user can act on: its message is printed as is (no stack trace) and the command exits with
 * {@link #exitCode()}. Thrown by commands for unknown topics, unreachable brokers, bad arguments and bad input
 * files; anything else escaping a command is a bug and is printed with its stack trace.
 */
final class CliException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int exitCode;

    CliException(final String message) {
        this(message, 1);
    }

    CliException(final String message, final int exitCode) {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }
}
