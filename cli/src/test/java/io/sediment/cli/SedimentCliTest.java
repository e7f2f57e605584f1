package io.sediment.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The launcher itself: help, missing and unknown commands, usage errors. No broker needed. */
class SedimentCliTest {
    @Test
    void helpListsEveryTool() {
        final Run.Result r = Run.sediment("--help");
        assertEquals(0, r.status(), r.toString());
        for (String tool : new String[] {"topics", "configs", "console-producer", "console-consumer", "consumer-groups",
                "verifiable-producer", "delete-records", "broker-api-versions", "get-offsets", "log"}) {
            assertTrue(r.out().contains(tool), tool + " missing from " + r);
        }
    }

    @Test
    void missingOrUnknownCommandIsAUsageError() {
        final Run.Result none = Run.sediment();
        assertEquals(2, none.status(), none.toString());
        assertEquals("Missing command. Run 'sediment --help' for the list.\n", none.err());
        final Run.Result unknown = Run.sediment("frobnicate");
        assertEquals(2, unknown.status(), unknown.toString());
        assertTrue(unknown.err().contains("Unmatched argument at index 0: 'frobnicate'"), unknown.toString());
        final Run.Result log = Run.sediment("log");
        assertEquals(2, log.status(), log.toString());
    }

    @Test
    void missingRequiredOptionNamesIt() {
        final Run.Result r = Run.sediment("console-consumer", "--topic", "t");
        assertEquals(2, r.status(), r.toString());
        assertTrue(r.err().contains("Missing required option: '--bootstrap-server=server'"), r.toString());
    }
}
