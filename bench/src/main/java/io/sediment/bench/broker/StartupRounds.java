package io.sediment.bench.broker;

import io.sediment.bench.ScratchDirectory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Start-up alone, interleaved: Sediment with its class-data archive, Sediment without it ({@code SEDIMENT_CDS=off}),
 * and Apache Kafka, each started and stopped {@code --rounds} times in turn (the order reversed every other round),
 * exactly as the broker suite starts them ({@link ChildBroker}: same flags, fresh temp dirs, spawn to the first
 * ApiVersions answer). Prints, per variant, the median start-up with its range and the CPU the broker's process had
 * used when it answered. Takes the suite's options ({@link SuiteConfig}; {@code --rounds}, {@code --peers},
 * {@code --broker-jvm}, ... ; the workload options are ignored):
 *
 * <pre>
 * java -cp "bench/target/classes:$(cat bench/target/broker-suite-classpath.txt)" \
 *     io.sediment.bench.broker.StartupRounds --rounds 8
 * </pre>
 */
public final class StartupRounds {
    private StartupRounds() {
    }

    public static void main(final String[] args) {
        final SuiteConfig config = SuiteConfig.parse(args);
        final Map<String, SuiteConfig> variants = new LinkedHashMap<>();
        if (config.peers().contains(Peer.SEDIMENT)) {
            variants.put("Sediment, class-data archive", config.withSedimentCds(true));
            variants.put("Sediment, SEDIMENT_CDS=off", config.withSedimentCds(false));
        }
        if (config.peers().contains(Peer.KAFKA)) {
            variants.put("Apache Kafka", config);
        }
        final Map<String, List<double[]>> runs = new LinkedHashMap<>();
        variants.keySet().forEach(v -> runs.put(v, new ArrayList<>()));
        System.out.printf("start-up rounds: %d, load average %s%n", config.rounds(), BrokerSuite.loadAverage());
        for (int round = 1; round <= config.rounds(); round++) {
            final List<String> order = new ArrayList<>(variants.keySet());
            if (round % 2 == 0) {
                Collections.reverse(order);
            }
            for (String variant : order) {
                final Peer peer = variant.startsWith("Apache") ? Peer.KAFKA : Peer.SEDIMENT;
                try (ScratchDirectory dir = ScratchDirectory.create("startup-rounds-");
                     ChildBroker broker = ChildBroker.start(peer, variants.get(variant), 1, dir.path(), List.of())) {
                    final double[] run = {broker.startupMillis(), broker.jvm().cpuMillis()};
                    runs.get(variant).add(run);
                    System.out.printf(Locale.ROOT, "round %d %-30s %,8.0f ms  CPU %,6.0f ms%n", round, variant,
                            run[0], run[1]);
                }
            }
        }
        System.out.printf("load average %s%n%n", BrokerSuite.loadAverage());
        System.out.println("| broker | starts | start-up median ms | ± half range | min | max | CPU until the answer, median ms |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|");
        for (Map.Entry<String, List<double[]>> e : runs.entrySet()) {
            final Stats wall = Stats.of(e.getValue(), r -> r[0]);
            final Stats cpu = Stats.of(e.getValue(), r -> r[1]);
            System.out.printf(Locale.ROOT, "| %s | %d | %,.0f | %,.0f | %,.0f | %,.0f | %,.0f |%n", e.getKey(), wall.n(),
                    wall.median(), wall.halfRange(), wall.min(), wall.max(), cpu.median());
        }
    }
}
