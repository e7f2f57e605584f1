package io.sediment.broker;

/** This broker as clients see it: its id, the advertised endpoint, and the cluster id kept in {@code meta.properties}. */
record Node(int id, String host, int port, String clusterId) {
}
