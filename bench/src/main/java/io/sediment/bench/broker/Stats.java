package io.sediment.bench.broker;

import java.util.List;
import java.util.function.ToDoubleFunction;

/** Median and spread of one metric over the rounds of one broker on one workload. */
record Stats(double median, double min, double max, int n) {

    static <T> Stats of(final List<T> runs, final ToDoubleFunction<T> metric) {
        if (runs.isEmpty()) {
            throw new IllegalArgumentException("no runs");
        }
        final double[] v = runs.stream().mapToDouble(metric).sorted().toArray();
        final int n = v.length;
        final double median = n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
        return new Stats(median, v[0], v[n - 1], n);
    }

    /** Half the range, relative to the median: the "±" printed next to a median. */
    double spread() {
        return median == 0 ? 0 : (max - min) / 2 / median;
    }

    double halfRange() {
        return (max - min) / 2;
    }
}
