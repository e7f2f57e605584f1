package io.sediment.bench.broker;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The tools' output as kafka-tools 4.4.0 prints it (lines copied from real runs). */
class PerfToolTest {
    private static final String PRODUCER = """
            Option --producer-props has been deprecated and will be removed in a future version.
            96529 records sent, 19305.8 records/sec (1.84 MB/sec), 1001.2 ms avg latency, 1523.0 ms max latency.
            200000 records sent, 60295.447694 records/sec (5.75 MB/sec), 589.63 ms avg latency, 994.00 ms max latency, \
            557 ms 50th, 871 ms 95th, 941 ms 99th, 989 ms 99.9th.
            """;
    private static final String CONSUMER = """
            start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, \
            fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
            2026-12-03 07:48:15:189, 2026-12-03 07:48:16:353, 19.0735, 16.3862, 200000, 171821.3058, 724, 440, \
            43.3488, 454545.4545
            """;

    @Test
    void producerSummaryLineIsParsedNotTheProgressLine() {
        final PerfTool.ProducerRun run = PerfTool.parseProducer(PRODUCER, 200_000);
        assertEquals(new PerfTool.ProducerRun(200_000, 60295.447694, 5.75, 589.63, 994.0, 557, 871, 941, 989), run);
    }

    @Test
    void producerThatSentFewerRecordsThanAskedIsAnError() {
        final IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> PerfTool.parseProducer(PRODUCER, 300_000));
        assertTrue(e.getMessage().contains("200000 of 300000"), e.getMessage());
    }

    @Test
    void producerOutputWithoutSummaryIsAnError() {
        assertThrows(IllegalStateException.class, () -> PerfTool.parseProducer("nothing here\n", 1));
    }

    @Test
    void consumerColumnsAreFoundByName() {
        final PerfTool.ConsumerRun run = PerfTool.parseConsumer("some log line\n" + CONSUMER, 200_000);
        assertEquals(new PerfTool.ConsumerRun(200_000, 19.0735, 171821.3058, 16.3862, 724, 440, 454545.4545, 43.3488),
                run);
    }

    @Test
    void consumerValuesAreFoundPastLinesPrintedBetweenHeaderAndValues() {
        final String[] header = CONSUMER.split("\n", 2);
        final String interleaved = header[0] + "\nWARNING: Exiting before consuming the expected number of messages: "
                + "timeout (30000 ms) exceeded. You can use the --timeout option to increase the timeout.\n" + header[1];
        assertEquals(PerfTool.parseConsumer(CONSUMER, 200_000), PerfTool.parseConsumer(interleaved, 200_000));
    }

    @Test
    void consumerValuesThatDoNotParseAreAnErrorWithTheOutput() {
        final String garbled = CONSUMER.replace("200000", "two hundred thousand");
        final IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> PerfTool.parseConsumer(garbled, 200_000));
        assertTrue(e.getMessage().contains("unreadable") && e.getMessage().contains("two hundred thousand"),
                e.getMessage());
        final IllegalStateException missing = assertThrows(IllegalStateException.class,
                () -> PerfTool.parseConsumer(CONSUMER.split("\n", 2)[0] + "\nProcessed a total of 0 messages\n", 200_000));
        assertTrue(missing.getMessage().contains("no ConsumerPerformance values"), missing.getMessage());
    }

    @Test
    void consumerThatTimedOutShortIsAnError() {
        final IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> PerfTool.parseConsumer(CONSUMER, 250_000));
        assertTrue(e.getMessage().contains("200000 of 250000"), e.getMessage());
    }
}
