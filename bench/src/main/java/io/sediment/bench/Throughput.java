package io.sediment.bench;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * A JMH auxiliary counter: a benchmark adds the bytes it moved in each operation to {@link #megabytes}, and JMH
 * reports it next to ops/s as a rate, which in a {@code Mode.Throughput} run with seconds as the unit is MB/s
 * (1 MB = 10^6 bytes). JMH labels the rate "ops/s"; {@link BenchTable} relabels it.
 *
 * <p>Public mutable fields are how JMH reads auxiliary counters. One instance per benchmark thread.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.OPERATIONS)
public class Throughput {
    /** Name of the counter in JMH's secondary results. */
    static final String MEGABYTES = "megabytes";

    public double megabytes;

    @Setup(Level.Iteration)
    public void reset() {
        megabytes = 0;
    }

    public void add(final int bytes) {
        megabytes += bytes / 1e6;
    }
}
