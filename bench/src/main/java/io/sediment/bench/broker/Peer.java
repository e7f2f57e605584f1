package io.sediment.bench.broker;

/** The brokers the suite measures side by side, in the order their rows are printed. */
enum Peer {
    SEDIMENT("Sediment"),
    KAFKA("Apache Kafka");

    private final String label;

    Peer(final String label) {
        this.label = label;
    }

    String label() {
        return label;
    }
}
