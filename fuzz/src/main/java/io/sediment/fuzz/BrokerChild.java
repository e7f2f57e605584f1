package io.sediment.fuzz;

import io.sediment.broker.SedimentBroker;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Properties;

/**
 * A broker alone in its JVM, so that its heap, RSS, descriptors and mappings can be measured without the test's
 * clients mixed in: {@code java -cp <cp> io.sediment.fuzz.BrokerChild key=value...} starts
 * {@link SedimentBroker} with those settings, prints {@code PORT <port>}, then answers commands on stdin, one a
 * line: {@code stats} prints a {@link ProcessStats} line, {@code files} the files
 * it has mapped under the data directory and what its descriptors point at (then {@code END}), {@code stop} closes the broker and exits. End of stdin
 * (the parent died) also stops it, so no broker outlives its test.
 *
 * <p>Threading: the main thread reads commands; the broker runs its own threads.
 */
public final class BrokerChild {
    private BrokerChild() {
    }

    public static void main(final String[] args) throws Exception {
        final Properties props = new Properties();
        for (String a : args) {
            final int eq = a.indexOf('=');
            props.setProperty(a.substring(0, eq), a.substring(eq + 1));
        }
        final Path dataDir = Path.of(props.getProperty("log.dirs"));
        final PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        try (SedimentBroker broker = SedimentBroker.start(props)) {
            out.println("PORT " + broker.boundAddress().getPort());
            final BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String cmd; (cmd = in.readLine()) != null && !cmd.equals("stop"); ) {
                if (cmd.equals("stats")) {
                    out.println(ProcessStats.sampleSelf(dataDir).line());
                } else if (cmd.equals("files")) {
                    // what the process holds under the data directory: mapped files, then open descriptors
                    final String dir = dataDir.toAbsolutePath().toString();
                    try (var maps = java.nio.file.Files.lines(Path.of("/proc/self/maps"))) {
                        maps.filter(l -> l.contains(dir)).map(l -> "map " + l.substring(l.indexOf(dir))).distinct()
                                .forEach(out::println);
                    }
                    try (var fds = java.nio.file.Files.list(Path.of("/proc/self/fd"))) {
                        fds.map(fd -> {
                            try {
                                return java.nio.file.Files.readSymbolicLink(fd).toString();
                            } catch (java.io.IOException e) {
                                return "?";
                            }
                        }).map(t -> "fd " + t).forEach(out::println);
                    }
                    out.println("END");
                } else {
                    out.println("ERROR unknown command " + cmd);
                }
            }
        }
        out.println("STOPPED");
    }
}
