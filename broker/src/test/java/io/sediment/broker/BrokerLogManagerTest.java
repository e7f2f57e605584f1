package io.sediment.broker;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The order {@link BrokerLogManager} enforces between the JDK's logging reset and the broker's shutdown hook, in the
 * case the JVM's hook order makes possible: the reset comes first, before the broker's hook has even started.
 * (A JVM's real shutdown runs in {@link BrokerProcessLoggingTest}; there the order is up to the JVM.)
 */
class BrokerLogManagerTest {

    @Test
    void whileShuttingDownAResetWaitsForAHookThatHasNotStartedYetToStartAndFinish() throws Exception {
        final CountDownLatch hookMayFinish = new CountDownLatch(1);
        final AtomicBoolean hookFinished = new AtomicBoolean();
        final Thread hook = new Thread(() -> {
            try {
                hookMayFinish.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            hookFinished.set(true);
        }, "test-hook");
        final AtomicBoolean resetSawHookFinished = new AtomicBoolean();
        final Thread reset = new Thread(() -> {
            BrokerLogManager.awaitHook(hook, true, 30_000);
            resetSawHookFinished.set(hookFinished.get());
        }, "test-reset");

        reset.start();
        reset.join(200);
        assertTrue(reset.isAlive(), "the reset must wait while the hook has not started");
        hook.start();
        reset.join(200);
        assertTrue(reset.isAlive(), "the reset must wait while the hook runs");
        hookMayFinish.countDown();
        reset.join(TimeUnit.SECONDS.toMillis(10));
        assertFalse(reset.isAlive());
        assertTrue(resetSawHookFinished.get(), "the reset went on before the hook had finished");
    }

    @Test
    void whenNotShuttingDownAResetNeverWaitsForTheHook() throws Exception {
        assertTrue(awaitHookReturns(new Thread(() -> { }, "test-hook"), false, 30_000),
                "a reset outside shutdown waited for a hook that may never run");
    }

    @Test
    void aHookThatNeverStartsHoldsTheResetOnlyUntilTheWaitEnds() throws Exception {
        assertTrue(awaitHookReturns(new Thread(() -> { }, "test-hook"), true, 300),
                "the wait for a hook that never starts must end");
    }

    /** Runs {@link BrokerLogManager#awaitHook} on a thread of its own: whether it returned within 10 s. */
    private static boolean awaitHookReturns(final Thread hook, final boolean shuttingDown, final long waitMillis)
            throws InterruptedException {
        final Thread reset = new Thread(() -> BrokerLogManager.awaitHook(hook, shuttingDown, waitMillis), "test-reset");
        reset.start();
        reset.join(TimeUnit.SECONDS.toMillis(10));
        return !reset.isAlive();
    }
}
