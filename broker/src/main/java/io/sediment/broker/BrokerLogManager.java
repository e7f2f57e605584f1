package io.sediment.broker;

import java.util.concurrent.TimeUnit;
import java.util.logging.LogManager;

/**
 * The broker process's java.util.logging {@code LogManager} (the start script passes
 * {@code -Djava.util.logging.manager=io.sediment.broker.BrokerLogManager}). The JDK's manager registers a shutdown
 * hook of its own that {@linkplain #reset() resets} every handler, and the JVM runs all shutdown hooks at once: on
 * SIGTERM the broker's own hook, which closes the listener and then the engine, would log into handlers already
 * removed, so its last lines (the engine's warnings while it closes its logs, "Sediment broker 0 stopped") were
 * lost. Every line of the broker goes through java.util.logging (slf4j-jdk14), so this one makes that reset wait for
 * the hook {@linkplain #resetAfter given} by {@link SedimentBroker#main} to finish, at most {@value #WAIT_MILLIS} ms.
 *
 * <p>Nothing else changes: configuration, loggers and handlers are the JDK's. Without the property the JDK's
 * manager is used and {@link #resetAfter} does nothing.
 *
 * <p>Threading: {@link #resetAfter} from the thread that registers the hook; {@link #reset} from any thread.
 */
public final class BrokerLogManager extends LogManager {
    /** Longer than the broker's close takes (its I/O threads get 10 s), shorter than anyone waits for a SIGTERM. */
    static final long WAIT_MILLIS = 30_000;

    private volatile Thread lastHook;

    /** Instantiated by {@code LogManager} itself, from the {@code java.util.logging.manager} property. */
    public BrokerLogManager() {
        super();
    }

    /**
     * Makes the reset of the JVM's shutdown wait for {@code hook} (a shutdown hook not yet started), when this JVM's
     * {@code LogManager} is a {@code BrokerLogManager}.
     */
    static void resetAfter(final Thread hook) {
        if (LogManager.getLogManager() instanceof BrokerLogManager manager) {
            manager.lastHook = hook;
        }
    }

    /**
     * Resets as the JDK's manager does; while the JVM shuts down, only after {@link #resetAfter}'s hook has finished.
     */
    @Override
    public void reset() {
        final Thread hook = lastHook;
        if (hook != null && hook != Thread.currentThread()) {
            awaitHook(hook, shuttingDown(), WAIT_MILLIS);
        }
        super.reset();
    }

    /**
     * Waits, at most {@code waitMillis}, for {@code hook} to have run, when {@code shuttingDown}. The JVM starts its
     * shutdown hooks one after the other in no fixed order, so the JDK's own hook (the one that calls {@link #reset})
     * may get here before the broker's hook has even started: a plain {@code join} returns at once for a thread not
     * yet started, and the broker's last lines were lost (a full verify's LaunchScriptsIT caught it). So a hook not
     * started yet is waited for to start, then to end. When not shutting down (a {@code readConfiguration} at any
     * other time) nothing is waited for: the hook may never start.
     */
    static void awaitHook(final Thread hook, final boolean shuttingDown, final long waitMillis) {
        if (!shuttingDown) {
            return;
        }
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
        try {
            while (hook.getState() == Thread.State.NEW) {
                if (System.nanoTime() - deadline >= 0) {
                    return;
                }
                Thread.sleep(1);
            }
            final long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left > 0) {
                hook.join(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether the JVM is running its shutdown hooks: it then refuses new ones. */
    private static boolean shuttingDown() {
        final Thread probe = new Thread(() -> { }, "sediment-shutdown-probe");
        try {
            Runtime.getRuntime().addShutdownHook(probe);
        } catch (IllegalStateException e) {
            return true;
        }
        Runtime.getRuntime().removeShutdownHook(probe);
        return false;
    }
}
