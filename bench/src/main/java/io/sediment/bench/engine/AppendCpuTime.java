package io.sediment.bench.engine;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * The append loop of {@link EngineAppendBenchmark} outside JMH, reporting the appending thread's CPU time (user and
 * user + system) per append next to wall time. On a shared machine wall time follows the other tenants' load (the
 * same append ranged over 2× between runs minutes apart); the thread's own CPU time moves far less, and its user
 * part is the engine's code alone (the page faults of first writes are system time). Use it to compare two builds
 * of the append path; use the JMH suite for the throughput a user sees.
 *
 * <pre>
 * java -Xms1g -Xmx1g -cp bench/target/benchmarks.jar io.sediment.bench.engine.AppendCpuTime \
 *     sediment-mmap 100 1 [megabytesPerRound=512] [rounds=4]
 * </pre>
 *
 * Each round appends {@code megabytesPerRound} of the batch to a fresh peer (as each JMH iteration does); two
 * warm-up rounds are not printed. User and system times come from the kernel's tick accounting: a round should
 * last well over a second for them to be accurate to a few per cent.
 */
public final class AppendCpuTime {
    private static final int WARM_UP_ROUNDS = 2;
    private static final int SEGMENT_BYTES = 1 << 30;

    private AppendCpuTime() {
    }

    public static void main(final String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: AppendCpuTime peer recordSize recordsPerBatch [megabytesPerRound] [rounds]");
            System.exit(2);
        }
        final String peerName = args[0];
        final Workload workload = new Workload(Integer.parseInt(args[1]), Integer.parseInt(args[2]));
        final long bytesPerRound = (args.length > 3 ? Long.parseLong(args[3]) : 512) << 20;
        final int rounds = args.length > 4 ? Integer.parseInt(args[4]) : 4;
        final long appends = Math.max(1, bytesPerRound / workload.batchBytes);
        final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        System.out.printf("%s, %d x %d B (%d-byte batches), %d appends per round%n", peerName,
                workload.recordsPerBatch, workload.recordSize, workload.batchBytes, appends);
        for (int round = -WARM_UP_ROUNDS; round < rounds; round++) {
            final long user0;
            final long cpu0;
            final long wall0;
            final long user1;
            final long cpu1;
            final long wall1;
            try (Peer peer = Peers.open(peerName, SEGMENT_BYTES, EngineBenchmark.LARGEST_BATCH)) {
                user0 = threads.getCurrentThreadUserTime();
                cpu0 = threads.getCurrentThreadCpuTime();
                wall0 = System.nanoTime();
                for (long i = 0; i < appends; i++) {
                    peer.append(workload);
                }
                wall1 = System.nanoTime();
                cpu1 = threads.getCurrentThreadCpuTime();
                user1 = threads.getCurrentThreadUserTime();
            }
            if (round >= 0) {
                System.out.printf("round %d: user %.1f ns, cpu %.1f ns, wall %.1f ns per append; %.0f MB/s%n", round,
                        (user1 - user0) / (double) appends, (cpu1 - cpu0) / (double) appends,
                        (wall1 - wall0) / (double) appends,
                        appends * (double) workload.batchBytes / ((wall1 - wall0) / 1e3));
            }
        }
    }
}
