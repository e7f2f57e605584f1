package io.sediment.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code sediment log dump|verify|recover} on a directory a broker wrote and shut down. */
class LogToolsTest {
    @TempDir
    static Path dir;
    static Path data;

    @BeforeAll
    static void writeData() throws Exception {
        data = dir.resolve("data");
        try (SharedBroker b = new SharedBroker(data)) {
            b.createTopic("events", 2);
            b.produce("events", 0, 0, 20);
            b.produce("events", 1, 0, 3);
        }
    }

    private static Path copy(final String name) throws IOException {
        final Path target = dir.resolve(name);
        try (Stream<Path> files = Files.walk(data)) {
            for (Path p : files.toList()) {
                final Path t = target.resolve(data.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else if (!p.getFileName().toString().equals(".lock")) {
                    Files.copy(p, t);
                }
            }
        }
        return target;
    }

    @Test
    void dumpPrintsBatchesRecordsAndIndexes() {
        final Run.Result r = Run.sediment("log", "dump", data.resolve("events-1").toString(), "--print-data-log", "--index");
        assertEquals(0, r.status(), r.toString());
        final String out = r.out();
        assertTrue(out.contains("Dumping " + data.resolve("events-1").resolve("00000000000000000000.log")), out);
        assertTrue(out.contains("baseOffset: 0 lastOffset: 0 count: 1 "), out);
        assertTrue(out.contains("baseOffset: 2 lastOffset: 2 count: 1 "), out);
        assertTrue(out.contains("isvalid: true"), out);
        assertTrue(out.contains("| offset: 1 CreateTime: 1700000000001 keySize: 5 valueSize: 7 sequence: "), out);
        assertTrue(out.contains(" key: key-1 payload: value-1"), out);
        assertTrue(out.contains("Dumping " + data.resolve("events-1").resolve("00000000000000000000.index")), out);
        assertFalse(out.contains("events-0"), "only the partition asked for: " + out);
    }

    @Test
    void verifyPassesOnWhatTheBrokerWrote() {
        final Run.Result r = Run.sediment("log", "verify", data.toString());
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.out().endsWith("Verified 2 partition(s), 2 segment(s), 23 batch(es), 23 record(s): OK\n"), r.toString());
        assertEquals("", r.err(), "no progress bar when no console is attached");
    }

    @Test
    void verifyFindsAFlippedByteAndRecoverTruncatesIt() throws Exception {
        final Path broken = copy("broken");
        final Path segment = broken.resolve("events-0").resolve("00000000000000000000.log");
        final long size;
        try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            size = ch.size();
            // The last byte of the last batch (its value): the CRC no longer matches.
            final ByteBuffer one = ByteBuffer.allocate(1);
            long last = size - 1;
            while (true) {
                one.clear();
                ch.read(one, last);
                if (one.get(0) != 0) {
                    break;
                }
                last--;
            }
            one.put(0, (byte) (one.get(0) ^ 0x5a));
            one.rewind();
            ch.write(one, last);
        }
        final Run.Result r = Run.sediment("log", "verify", broken.toString());
        assertEquals(3, r.status(), r.toString());
        assertTrue(r.out().startsWith(segment + " at position "), r.toString());
        assertTrue(r.out().contains("CRC mismatch"), r.toString());
        assertTrue(r.out().endsWith("1 problem(s)\n"), r.toString());

        // As after a crash: no clean shutdown marker, so the engine scans and truncates the corrupt tail.
        Files.deleteIfExists(broken.resolve(".kafka_cleanshutdown"));
        final Run.Result recovered = Run.sediment("log", "recover", broken.toString());
        assertEquals(0, recovered.status(), recovered.toString());
        assertTrue(recovered.out().contains("No clean shutdown marker"), recovered.toString());
        assertTrue(recovered.out().contains("events-0: log start offset 0, log end offset 19, 1 segment(s)"), recovered.toString());
        assertTrue(Files.exists(broken.resolve(".kafka_cleanshutdown")));
        final Run.Result after = Run.sediment("log", "verify", broken.toString());
        assertEquals(0, after.status(), after.toString());
        assertTrue(after.out().endsWith("22 record(s): OK\n"), after.toString());
    }

    @Test
    void verifyFindsAnIndexEntryThatPointsNowhere() throws Exception {
        final Path broken = copy("badindex");
        final Path index = broken.resolve("events-0").resolve("00000000000000000000.index");
        try (FileChannel ch = FileChannel.open(index, StandardOpenOption.WRITE, StandardOpenOption.READ)) {
            final ByteBuffer entry = ByteBuffer.allocate(8).putInt(3).putInt(7).flip();
            ch.write(entry, 0);
        }
        final Run.Result r = Run.sediment("log", "verify", broken.toString());
        assertEquals(3, r.status(), r.toString());
        assertTrue(r.out().contains(index + ": entry 0 (offset 3, position 7) does not point at the start of a batch"), r.toString());
    }

    @Test
    void missingDirectoryIsAnError() {
        final Run.Result r = Run.sediment("log", "verify", dir.resolve("nowhere").toString());
        assertEquals(1, r.status(), r.toString());
        assertEquals("No such directory: " + dir.resolve("nowhere") + "\n", r.err());
    }
}
