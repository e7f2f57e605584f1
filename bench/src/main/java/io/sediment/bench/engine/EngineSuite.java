package io.sediment.bench.engine;

import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.List;

/**
 * The engine suite in one command: runs every benchmark of this package (or those named, with JMH's own options)
 * for every peer in one session, then writes {@code engine.md} (the tables, Sediment / peer ratios and the targets
 * met or missed, with the machine's load average before and after) and the PNG charts into {@code bench/results/}
 * (when run from the repository root; else {@code results/}, or the directory in
 * {@code -Dsediment.bench.results=...}), and JMH's raw results to {@code bench/target/engine.json}.
 */
public final class EngineSuite {
    static final String INCLUDE = "io\\.sediment\\.bench\\.engine\\..*";

    private EngineSuite() {
    }

    public static void main(final String[] args) throws CommandLineOptionException, RunnerException, IOException {
        System.setProperty("java.awt.headless", "true");
        final CommandLineOptions cli = new CommandLineOptions(args);
        if (cli.shouldHelp() || cli.shouldList() || cli.shouldListWithParams() || cli.shouldListProfilers()
                || cli.shouldListResultFormats()) {
            org.openjdk.jmh.Main.main(args);
            return;
        }
        final Path out = resultsDirectory();
        Files.createDirectories(out);
        // 2.7 MB of raw samples: kept out of the committed results, in bench/target when there is one
        final Path json = Files.isDirectory(Path.of("bench", "target"))
                ? Path.of("bench", "target", "engine.json") : out.resolve("engine.json");
        final ChainedOptionsBuilder options = new OptionsBuilder().parent(cli)
                .resultFormat(ResultFormatType.JSON).result(json.toString());
        if (cli.getIncludes().isEmpty()) {
            options.include(INCLUDE);
        }
        final Instant start = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        final String loadBefore = loadAverage();
        final Collection<RunResult> results = new Runner(options.build()).run();
        final Instant end = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        final String loadAfter = loadAverage();

        final EngineReport report = new EngineReport(results);
        final List<String> charts = report.charts(out);
        final StringBuilder md = new StringBuilder()
                .append("# Engine suite results\n\n")
                .append("Run ").append(start).append(" to ").append(end).append(", ")
                .append(Runtime.getRuntime().availableProcessors()).append(" CPUs, Java ")
                .append(System.getProperty("java.version")).append(", load average (1/5/15 min) ").append(loadBefore)
                .append(" before and ").append(loadAfter).append(" after. JMH options: `")
                .append(String.join(" ", args)).append("`.\n\n")
                .append(report.markdown());
        for (String chart : charts) {
            md.append("![").append(chart).append("](").append(chart).append(")\n");
        }
        Files.writeString(out.resolve("engine.md"), md, StandardCharsets.UTF_8);
        System.out.println();
        System.out.println(md);
        System.out.println("written to " + out.toAbsolutePath());
    }

    private static Path resultsDirectory() {
        final String configured = System.getProperty("sediment.bench.results");
        if (configured != null) {
            return Path.of(configured);
        }
        return Files.isDirectory(Path.of("bench")) ? Path.of("bench", "results") : Path.of("results");
    }

    /** The first three fields of {@code /proc/loadavg}, or "unknown" off Linux. */
    static String loadAverage() {
        try {
            final String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return fields[0] + " / " + fields[1] + " / " + fields[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
