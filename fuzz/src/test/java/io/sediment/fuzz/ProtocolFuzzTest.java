package io.sediment.fuzz;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Protocol fuzzing ({@link ProtocolFuzzRun}): {@code -Dfuzz.frames=N} damaged frames against a broker in a child
 * JVM (CI default in the pom; the README's long run is 100,000). Every frame is answered as its API or refused by
 * closing, exactly as {@link StreamModel} predicts; the broker stays up; long-lived Kafka clients keep working;
 * stored records come back byte-identical; the broker's memory stays bounded while
 * {@link ProtocolFuzzRun#SLOW_SENDERS} connections sit mid-frame announcing several times its heap.
 */
class ProtocolFuzzTest {
    /**
     * Heap after GC may grow by this much over the run: consumer groups that damaged JoinGroup and OffsetCommit
     * requests create (any group name a mutation leaves) and producer ids are legitimate state of a few hundred
     * bytes each, kept as Kafka keeps them; a leak per frame or per connection (a receive buffer, a parked request)
     * would pass it within a few thousand frames.
     */
    static final long HEAP_SLACK_BYTES = 32L << 20;
    /** Open descriptors may grow by this much (connections still closing, the engine's files of a segment rolled on the fuzz topic); topics the fuzzer made are deleted before each sample. */
    static final int FD_SLACK = 64;

    @TempDir
    Path tmp;

    @Test
    void damagedFramesAreAnsweredOrRefusedAndHurtNoOneElse() throws Exception {
        final long frames = FuzzSettings.intProperty("fuzz.frames", 2000);
        final long seed = FuzzSettings.seed();
        final int checkEvery = (int) Math.max(100, Math.min(2000, frames / 20));
        System.out.println("protocol fuzz: " + frames + " frames, seed " + seed + " (replay with -Dfuzz.seed=" + seed + ")");
        final ProtocolFuzzRun.ProtocolResult r = new ProtocolFuzzRun(tmp, seed, System.getProperty("java.class.path"),
                checkEvery).run(frames);
        System.out.println(r);
        FuzzSettings.report("| protocol | " + r.frames + " frames in " + r.cases + " cases | " + r.byMutation + " | "
                + r.byDelivery + " | " + r.byOutcome + " | lost " + r.recordsLost + " | corrupt " + r.corruptReads
                + " | broker first sample: " + r.first() + "; last: " + r.last() + "; peak heap "
                + (r.peak(ProcessStats::heapUsedBytes) >> 20) + " MiB, peak RSS " + (r.peak(ProcessStats::rssKb) >> 10) + " MiB | " + String.format("%.0f s", r.seconds)
                + " | seed " + seed + " | failures " + r.failures.size() + " |");
        assertTrue(r.failures.isEmpty(), () -> r.toString());
        assertTrue(r.frames >= frames, () -> r.toString());
        assertEquals(0, r.recordsLost);
        assertEquals(0, r.corruptReads);
        assertTrue(r.canaryChecks >= 2, () -> r.toString());
        // The first sample is taken once the setup is done and the first slow senders are held; every later one
        // but the last is taken with slow senders held too, so the peak includes what they cost.
        final ProcessStats first = r.first();
        assertTrue(r.peak(ProcessStats::heapUsedBytes) <= first.heapUsedBytes() + HEAP_SLACK_BYTES,
                () -> "broker heap after GC grew from " + first + "\n" + r);
        assertTrue(r.peak(ProcessStats::openFds) <= first.openFds() + FD_SLACK,
                () -> "broker descriptors grew from " + first + "\n" + r + "\nit holds at the end:\n" + String.join("\n", r.filesAtEnd));
    }
}
