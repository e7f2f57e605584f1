package io.sediment.bench.broker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The broker suite end to end at a tiny size, so that it cannot rot: a real Sediment broker and a real Kafka broker
 * in child JVMs, Kafka's own perf tools against each. Asserts that every run produced and consumed everything and
 * that the report and charts name both brokers; nothing about speed.
 */
class BrokerSuiteSmokeTest {

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void tinyRunMeasuresBothBrokersAndWritesTheReport(@TempDir final Path out) throws Exception {
        final SuiteConfig config = SuiteConfig.parse("--records", "500", "--sizes", "100", "--partitions", "2",
                "--rounds", "1", "--out", out.toString(), "--broker-jvm", "-Xmx256m", "--client-jvm", "-Xmx256m");

        final Path md = BrokerSuite.run(config, "smoke");

        final String report = Files.readString(md);
        final String row = "| 100 B, 2 partitions | ";
        assertTrue(report.contains(row + "Sediment | "), report);
        assertTrue(report.contains(row + "Apache Kafka | "), report);
        assertTrue(report.lines().anyMatch(l -> l.startsWith("| 100 B, 2 partitions | ") && l.contains("×")),
                "no ratio row:\n" + report);
        for (String chart : List.of("broker-producer-throughput", "broker-producer-p99", "broker-consumer-throughput",
                "broker-startup", "broker-peak-rss")) {
            final Path png = out.resolve(chart + ".png");
            assertTrue(Files.size(png) > 1000, png.toString());
        }
        assertEquals(2, report.lines().filter(l -> l.startsWith("| 100 B, 2 partitions | 1 | ")).count(),
                "one run per broker in the every-run table:\n" + report);
    }
}
