package io.sediment.api.spi;

import java.io.IOException;
import java.nio.channels.ClosedByInterruptException;

/**
 * Runs a short file call that opens its own {@code FileChannel} so that it completes on an interrupted thread: a
 * helper for backends keeping {@link SegmentData}'s interrupt contract.
 *
 * <p>Why: a {@code FileChannel} closes when its thread is interrupted inside it, or enters it interrupted. A backend's
 * short calls on a channel of their own (the mmap backend's directory fsync; the LMDB backend's data file check at
 * open and its index regions' scratch memory at each roll) would then fail on an interrupted thread (an
 * application's, or the engine's own flusher at shutdown) with a misleading I/O error, or, for an fsync, leave new
 * entries not durable. The call runs with the interrupt status cleared and set again after; one arriving inside it
 * closes that call's channel, and the call runs again on a new one. A channel shared by several threads needs more
 * than this (the mmap backend's {@code InterruptSafeFile} repairs it for the others).
 *
 * <p>Threading: any thread; the call must open (and close) every channel it uses, since a closed one cannot be
 * reused.
 */
public final class Uninterruptibly {
    /** A file call that opens its own channels. */
    public interface FileCall<T> {
        T run() throws IOException;
    }

    private Uninterruptibly() {
    }

    /** Runs {@code call} until it completes or fails other than by an interrupt; the interrupt status is kept. */
    public static <T> T run(final FileCall<T> call) throws IOException {
        boolean interrupted = false;
        try {
            while (true) {
                if (Thread.interrupted()) {
                    interrupted = true;
                }
                try {
                    return call.run();
                } catch (ClosedByInterruptException e) {
                    interrupted = true; // arrived inside the call: again, on a new channel
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
