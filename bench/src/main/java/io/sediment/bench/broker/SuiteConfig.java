package io.sediment.bench.broker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The suite's settings, from its command line. Every option has a default, so no option is needed:
 *
 * <pre>
 * --records N          records per run (1000000)
 * --sizes a,b          record sizes in bytes (100,1024)
 * --partitions a,b     partitions of the topic (1,6)
 * --rounds N           runs of each peer per workload, alternating the peer that goes first (3)
 * --peers a,b          sediment,kafka (both)
 * --out DIR            where broker.md and the PNGs go (bench/results)
 * --classpath-file F   Kafka's and the tools' classpath (bench/target/broker-suite-classpath.txt, or target/... from bench/)
 * --broker-jvm "..."   JVM flags of both brokers (Kafka's kafka-server-start.sh defaults, below)
 * --client-jvm "..."   JVM flags of ProducerPerformance / ConsumerPerformance (-Xmx512m)
 * --jfr DIR            record a JFR profile of every Sediment broker run into DIR
 * --sediment-home DIR  the repository whose bin/kafka-server-start.sh starts Sediment (. or .., whichever has it)
 * --sediment-cds on|off  whether that script uses its class-data archive (on; off sets SEDIMENT_CDS=off)
 * </pre>
 */
record SuiteConfig(List<Workload> workloads, int rounds, Set<Peer> peers, Path out, List<String> classpath,
                   List<String> brokerJvm, List<String> clientJvm, Path jfrDir, Path sedimentHome,
                   boolean sedimentCds) {

    /** What {@code kafka-server-start.sh} gives a broker: {@code KAFKA_HEAP_OPTS} and {@code KAFKA_JVM_PERFORMANCE_OPTS}. */
    static final String KAFKA_DEFAULT_JVM = "-Xms1g -Xmx1g -XX:+UseG1GC -XX:MaxGCPauseMillis=20 "
            + "-XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true";
    static final String CLIENT_DEFAULT_JVM = "-Xmx512m";
    /** Sediment's start script, relative to {@link #sedimentHome()}. */
    static final String START_SCRIPT = "bin/kafka-server-start.sh";
    /** Creates (or checks) the class-data archive that script starts the broker with. */
    static final String CDS_SCRIPT = "bin/sediment-cds-archive.sh";

    static SuiteConfig parse(final String... args) {
        long records = 1_000_000;
        int[] sizes = {100, 1024};
        int[] partitions = {1, 6};
        int rounds = 3;
        Set<Peer> peers = EnumSet.allOf(Peer.class);
        Path out = Path.of("bench", "results");
        Path classpathFile = null;
        String brokerJvm = KAFKA_DEFAULT_JVM;
        String clientJvm = CLIENT_DEFAULT_JVM;
        Path jfr = null;
        Path sedimentHome = null;
        boolean sedimentCds = true;
        for (int i = 0; i < args.length; i++) {
            final String option = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("option " + option + " needs a value");
            }
            final String value = args[++i];
            switch (option) {
                case "--records" -> records = Long.parseLong(value);
                case "--sizes" -> sizes = ints(value);
                case "--partitions" -> partitions = ints(value);
                case "--rounds" -> rounds = Integer.parseInt(value);
                case "--peers" -> {
                    peers = EnumSet.noneOf(Peer.class);
                    for (String p : value.split(",")) {
                        peers.add(Peer.valueOf(p.trim().toUpperCase(Locale.ROOT)));
                    }
                }
                case "--out" -> out = Path.of(value);
                case "--classpath-file" -> classpathFile = Path.of(value);
                case "--broker-jvm" -> brokerJvm = value;
                case "--client-jvm" -> clientJvm = value;
                case "--jfr" -> jfr = Path.of(value);
                case "--sediment-home" -> sedimentHome = Path.of(value);
                case "--sediment-cds" -> sedimentCds = switch (value) {
                    case "on" -> true;
                    case "off" -> false;
                    default -> throw new IllegalArgumentException("--sediment-cds is on or off: " + value);
                };
                default -> throw new IllegalArgumentException("unknown option " + option + " (see SuiteConfig)");
            }
        }
        if (rounds <= 0) {
            throw new IllegalArgumentException("--rounds must be positive: " + rounds);
        }
        final List<Workload> workloads = new ArrayList<>();
        for (int size : sizes) {
            for (int p : partitions) {
                workloads.add(new Workload(size, p, records));
            }
        }
        return new SuiteConfig(List.copyOf(workloads), rounds, peers, out, readClasspath(classpathFile),
                flags(brokerJvm), flags(clientJvm), jfr, sedimentHome(sedimentHome),
                sedimentCds);
    }

    /** This configuration with Sediment's class-data archive on or off. */
    SuiteConfig withSedimentCds(final boolean on) {
        return new SuiteConfig(workloads, rounds, peers, out, classpath, brokerJvm, clientJvm, jfrDir, sedimentHome, on);
    }

    /**
     * The repository root Sediment is started from, with its own {@code bin/kafka-server-start.sh} (as a user starts
     * it): the current directory when the suite runs from the root, its parent when it runs from {@code bench/}.
     */
    private static Path sedimentHome(final Path given) {
        final List<Path> candidates = given != null ? List.of(given) : List.of(Path.of(""), Path.of(".."));
        for (Path home : candidates) {
            if (Files.isRegularFile(home.resolve(START_SCRIPT))) {
                return home.toAbsolutePath().normalize();
            }
        }
        throw new IllegalStateException("no " + START_SCRIPT + " in " + candidates.stream()
                .map(p -> p.toAbsolutePath().normalize().toString()).toList() + " (see --sediment-home)");
    }

    private static int[] ints(final String csv) {
        return Arrays.stream(csv.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
    }

    private static List<String> flags(final String s) {
        return s.isBlank() ? List.of() : List.of(s.trim().split("\\s+"));
    }

    /**
     * The classpath file written by the bench module's build ({@code maven-dependency-plugin:build-classpath}, test
     * scope: both brokers, kafka-tools, slf4j-simple), found from the repository root or from {@code bench/}.
     */
    private static List<String> readClasspath(final Path given) {
        Path file = given;
        if (file == null) {
            file = Path.of("bench", "target", "broker-suite-classpath.txt");
            if (!Files.exists(file)) {
                file = Path.of("target", "broker-suite-classpath.txt");
            }
        }
        try {
            final String text = Files.readString(file).trim();
            if (text.isEmpty()) {
                throw new IllegalStateException(file + " is empty");
            }
            return List.of(text.split(java.io.File.pathSeparator));
        } catch (IOException e) {
            throw new UncheckedIOException("no classpath for the child JVMs in " + file.toAbsolutePath()
                    + ": build first (mvn -B -q -pl bench -am package -DskipTests)", e);
        }
    }
}
