package io.sediment.backend.lmdb;

import java.io.IOException;
import java.nio.channels.ClosedByInterruptException;

/**
 * Runs a short file call that opens its own {@code FileChannel} so that it completes on an interrupted thread.
 *
 * <p>Why: a {@code FileChannel} closes when its thread is interrupted inside it, or enters it interrupted. This
 * backend's reads and writes go through LMDB (native code, deaf to interrupts), but opening a partition checks the
 * data file and each index region maps scratch memory through a channel of their own; on an interrupted thread
 * (an application's, or the engine's own at shutdown) those would fail with a misleading "cannot read LMDB data
 * file". The call runs with the interrupt status cleared and set again after; one arriving inside it closes that
 * call's channel, and the call runs again on a new one.
 *
 * <p>Threading: any thread; the call must open (and close) every channel it uses, since a closed one cannot be
 * reused.
 */
final class Uninterruptibly {
    /** A file call that opens its own channels. */
    interface FileCall<T> {
        T run() throws IOException;
    }

    private Uninterruptibly() {
    }

    static <T> T run(final FileCall<T> call) throws IOException {
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
