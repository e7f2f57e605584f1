package io.sediment.cli;

import java.io.InputStream;
import java.io.PrintStream;

/**
 * Where a command reads and writes: stdin, stdout, stderr, and whether a person is watching (a console is
 * attached), which decides if long work shows a progress bar. Tests hand in captured streams and
 * {@code interactive=false}; {@link SedimentCli#main} hands in the process's own.
 *
 * <p>Threading: a command writes from the thread that runs it; the console consumer and the verifiable producer
 * also print from kafka-clients' callback thread, so {@code out} must be a thread-safe {@link PrintStream} (every
 * JDK PrintStream is).
 */
record Terminal(InputStream in, PrintStream out, PrintStream err, boolean interactive) {
    static Terminal system() {
        return new Terminal(System.in, System.out, System.err, System.console() != null);
    }
}
