package io.sediment.bench.broker;

/**
 * One cell of the suite's matrix: {@code records} records of {@code recordSize} value bytes (no key) produced to a
 * fresh topic of {@code partitions} partitions, then consumed from it.
 */
record Workload(int recordSize, int partitions, long records) {
    Workload {
        if (recordSize <= 0 || partitions <= 0 || records <= 0) {
            throw new IllegalArgumentException("record size, partitions and records must be positive: " + this);
        }
    }

    String label() {
        final String size = recordSize % 1024 == 0 ? recordSize / 1024 + " KiB" : recordSize + " B";
        return size + ", " + partitions + (partitions == 1 ? " partition" : " partitions");
    }

    /** Short, file-name safe. */
    String tag() {
        return recordSize + "b-" + partitions + "p";
    }
}
