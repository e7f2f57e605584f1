package io.sediment.bench.engine;

import io.sediment.bench.MappedFileSink;
import io.sediment.bench.ScratchDirectory;
import org.HdrHistogram.Histogram;

import java.nio.ByteBuffer;
import java.util.Random;

/**
 * Where the slow appends of a mapped file are: copies {@code chunkBytes} at a time into a fresh sparse mapping
 * ({@link MappedFileSink}, the memcpy baseline's file), times every copy, and prints the percentiles and every copy
 * slower than the threshold with its file position and that position's offset within its 1 MiB and 2 MiB block.
 * Slow copies that line up on those boundaries are page-cache folio events (a large folio allocated, zeroed and
 * made writable on the first write fault into it), not the code above the copy; see bench/README.md, "Why p99.9 is
 * missed".
 *
 * <pre>
 * java -Xms1g -Xmx1g -cp bench/target/benchmarks.jar io.sediment.bench.engine.FaultEventProbe \
 *     [chunkBytes=1110] [megabytes=1024] [rounds=3] [slowMicros=100] [printed=30]
 * </pre>
 *
 * Each round writes into a new file in a new temp directory, deleted after it, as each JMH iteration does.
 */
public final class FaultEventProbe {
    private static final int MIB = 1 << 20;

    private FaultEventProbe() {
    }

    public static void main(final String[] args) {
        final int chunk = args.length > 0 ? Integer.parseInt(args[0]) : 1110;
        final int megabytes = args.length > 1 ? Integer.parseInt(args[1]) : 1024;
        if (megabytes < 1 || megabytes > 1024) {
            throw new IllegalArgumentException("megabytes " + megabytes + " must be 1 to 1024 (one mapped file)");
        }
        final int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        final long slowNanos = (args.length > 3 ? Long.parseLong(args[3]) : 100) * 1000;
        final int printed = args.length > 4 ? Integer.parseInt(args[4]) : 30;
        final ByteBuffer source = ByteBuffer.allocate(chunk);
        new Random(20261203).nextBytes(source.array());
        final int copies = (int) ((long) megabytes * MIB / chunk);
        // Up to an hour, 3 significant digits; recording allocates nothing.
        final Histogram nanos = new Histogram(3_600_000_000_000L, 3);
        System.out.printf("%d-byte copies, %d MiB per round, slow = over %d µs%n", chunk, megabytes,
                slowNanos / 1000);
        for (int round = 0; round < rounds; round++) {
            int slow = 0;
            int onBoundary = 0;
            final StringBuilder listed = new StringBuilder();
            nanos.reset();
            try (ScratchDirectory directory = ScratchDirectory.create("fault-probe-");
                 MappedFileSink sink = new MappedFileSink(directory.path(), megabytes * MIB)) {
                long position = 0;
                for (int i = 0; i < copies; i++) {
                    final long start = System.nanoTime();
                    sink.write(source.clear());
                    final long took = System.nanoTime() - start;
                    nanos.recordValue(took);
                    if (took > slowNanos) {
                        slow++;
                        // the copy [position, position + chunk) crossed into a new 1 MiB block, the one of its last byte
                        final long lastBlock = (position + chunk - 1) / MIB;
                        final boolean crossed = position / MIB != lastBlock;
                        if (crossed) {
                            onBoundary++;
                        }
                        if (slow <= printed) {
                            listed.append(String.format("  %,10d µs at %,12d B (%s)%n", took / 1000, position,
                                    crossed ? "crosses a 1 MiB boundary, " + (lastBlock % 2 == 0
                                            ? "a 2 MiB one too" : "not a 2 MiB one") : "inside a 1 MiB block"));
                        }
                    }
                    position += chunk;
                }
            }
            System.out.printf("round %d: p50 %.2f p99 %.2f p99.9 %.1f p99.99 %.1f max %.0f µs; %d slow copies, %d of "
                            + "them crossing a 1 MiB boundary (%d boundaries crossed)%n", round,
                    micros(nanos, 50), micros(nanos, 99), micros(nanos, 99.9), micros(nanos, 99.99),
                    nanos.getMaxValue() / 1e3, slow, onBoundary, (long) copies * chunk / MIB);
            System.out.print(listed);
        }
    }

    private static double micros(final Histogram nanos, final double percentile) {
        return nanos.getValueAtPercentile(percentile) / 1e3;
    }
}
