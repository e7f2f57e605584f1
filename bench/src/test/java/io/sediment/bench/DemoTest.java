package io.sediment.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DemoTest {
    @TempDir
    Path dir;

    @Test
    void secondRunFindsTheFirstRunsLogAndAppendsAfterIt() throws IOException {
        final Demo.Report first = Demo.run(dir, 1000);
        assertTrue(first.verified(), first.text());
        assertEquals(0, first.firstOffset());
        assertEquals(1000, first.recordsRead());

        final Demo.Report second = Demo.run(dir, 37);
        assertTrue(second.verified(), second.text());
        assertEquals(1000, second.firstOffset(), second.text());
        assertEquals(37, second.recordsRead());
        assertTrue(second.text().contains("found on disk"), second.text());
        assertTrue(Files.exists(dir.resolve("orders-0").resolve("00000000000000000000.log")), second.text());
    }
}
