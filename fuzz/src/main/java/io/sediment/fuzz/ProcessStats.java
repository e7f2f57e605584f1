package io.sediment.fuzz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * What a process holds, read from {@code /proc/self} (Linux): heap in use after a full GC, resident set size, open
 * file descriptors, and memory mappings in all and of files under the data directory (mapped segments and indexes).
 * The broker child ({@link BrokerChild}) samples itself, so figures are the broker's alone, not the test's.
 *
 * @param heapUsedBytes heap in use right after {@code System.gc()} (what is still reachable)
 * @param rssKb         {@code VmRSS} from {@code /proc/self/status}
 * @param openFds       entries of {@code /proc/self/fd}
 * @param maps          lines of {@code /proc/self/maps}
 * @param dataMaps      lines of {@code /proc/self/maps} naming a file under the data directory
 * @param offsetsMaps   of those, files of {@code __consumer_offsets} (one mapping and one descriptor per file)
 */
public record ProcessStats(long heapUsedBytes, long rssKb, int openFds, int maps, int dataMaps, int offsetsMaps) {

    /** Samples this process after a full collection; {@code dataDir} is the broker's {@code log.dirs}. */
    static ProcessStats sampleSelf(final Path dataDir) {
        // Two collections: the first may only queue finalizable/cleanable objects (mapped buffers, sockets).
        System.gc();
        System.gc();
        final long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        try {
            long rss = -1;
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    rss = Long.parseLong(line.substring(6).trim().split("\\s+")[0]);
                }
            }
            final int fds;
            try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
                fds = (int) s.count();
            }
            final List<String> maps = Files.readAllLines(Path.of("/proc/self/maps"));
            final String dir = dataDir.toAbsolutePath().toString();
            final int dataMaps = (int) maps.stream().filter(l -> l.contains(dir)).count();
            final String offsets = dir + "/__consumer_offsets-";
            final int offsetsMaps = (int) maps.stream().filter(l -> l.contains(offsets)).count();
            return new ProcessStats(heap, rss, fds, maps.size(), dataMaps, offsetsMaps);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /proc/self", e);
        }
    }

    /** The form {@link BrokerChild} prints and {@link ChildBroker} parses. */
    String line() {
        return "STATS " + heapUsedBytes + " " + rssKb + " " + openFds + " " + maps + " " + dataMaps + " " + offsetsMaps;
    }

    static ProcessStats parse(final String line) {
        final String[] f = line.trim().split(" ");
        if (f.length != 7 || !f[0].equals("STATS")) {
            throw new IllegalArgumentException("not a stats line: " + line);
        }
        return new ProcessStats(Long.parseLong(f[1]), Long.parseLong(f[2]), Integer.parseInt(f[3]),
                Integer.parseInt(f[4]), Integer.parseInt(f[5]), Integer.parseInt(f[6]));
    }

    @Override
    public String toString() {
        return String.format("heap %.1f MiB, RSS %.1f MiB, %d fds, %d maps (%d of data files, %d of __consumer_offsets)",
                heapUsedBytes / 1048576.0, rssKb / 1024.0, openFds, maps, dataMaps, offsetsMaps);
    }
}
