package io.sediment.fuzz;

import io.sediment.api.AppendResult;
import io.sediment.api.Log;
import io.sediment.api.LogEngine;
import io.sediment.log.SegmentLogEngine;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * The child process of the crash-consistency run: opens the engine on a directory and writes until it is killed.
 *
 * <pre>
 *   java -cp &lt;classpath&gt; io.sediment.fuzz.CrashWriter &lt;dir&gt; &lt;flush|pagecache&gt; &lt;seed&gt; &lt;backend&gt;
 * </pre>
 *
 * It mostly appends batches of {@link RecordContent} records, and in between rolls, runs retention, moves the log
 * start offset with {@code deleteRecordsBefore} and flushes, so that a kill can land in each of those paths (the
 * engine's own background thread also runs retention and writes the recovery checkpoint every 100 ms).
 *
 * <p>Protocol on stdout, one line each, flushed before the next operation starts, so every line the parent reads
 * describes something that had completed before the kill:
 * <pre>
 *   READY &lt;logStart&gt; &lt;logEnd&gt;     the engine is open (recovery done)
 *   B &lt;op&gt;                          about to run op: append, roll, retention, delete, flush
 *   A &lt;first&gt; &lt;last&gt; &lt;ts&gt;          append returned: with flush.messages=1 after the fsync, else after the copy
 *                                    into the page cache (which a process kill does not lose)
 *   D &lt;logStart&gt;                    deleteRecordsBefore returned: that log start offset is durable
 *   E &lt;op&gt;                          op returned (roll, retention, flush)
 * </pre>
 * A line that was half written when the kill came is ignored by the parent. Exits by itself after 120 s.
 *
 * <p>Single-threaded.
 */
public final class CrashWriter {
    private CrashWriter() {
    }

    public static void main(final String[] args) {
        if (args.length != 4) {
            System.err.println("usage: CrashWriter <dir> <flush|pagecache> <seed> <backend>");
            System.exit(2);
        }
        final Path dir = Path.of(args[0]);
        final boolean flushEach = args[1].equals("flush");
        final long seed = Long.parseLong(args[2]);
        final String backend = args[3];
        final PrintStream out = new PrintStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 12),
                false);
        final SplittableRandom random = new SplittableRandom(seed ^ System.nanoTime());
        final long stopAt = System.nanoTime() + 120_000_000_000L;
        try (LogEngine engine = SegmentLogEngine.open(dir, FuzzLogs.engineConfig(backend, flushEach))) {
            final Log log = engine.getOrCreateLog(FuzzLogs.PARTITION, FuzzLogs.logConfig(flushEach));
            line(out, "READY " + log.logStartOffset() + " " + log.logEndOffset());
            while (System.nanoTime() < stopAt) {
                final int op = random.nextInt(100);
                if (op < 86) {
                    line(out, "B append");
                    final long first = log.logEndOffset();
                    final long ts = System.currentTimeMillis();
                    final int count = 1 + random.nextInt(random.nextInt(4) == 0 ? 40 : 6);
                    final AppendResult r = log.append(RecordContent.batch(seed, first, count, ts));
                    if (r.firstOffset() != first || r.lastOffset() != first + count - 1) {
                        throw new IllegalStateException("append assigned [" + r.firstOffset() + ", "
                                + r.lastOffset() + "], expected to start at " + first);
                    }
                    line(out, "A " + r.firstOffset() + " " + r.lastOffset() + " " + ts);
                } else if (op < 89) {
                    line(out, "B roll");
                    log.roll();
                    line(out, "E roll");
                } else if (op < 93) {
                    line(out, "B retention");
                    engine.runRetention();
                    line(out, "E retention");
                } else if (op < 97) {
                    final long start = log.logStartOffset();
                    final long end = log.logEndOffset();
                    final long target = start + (end > start ? random.nextLong((end - start) / 3 + 1) : 0);
                    line(out, "B delete");
                    line(out, "D " + log.deleteRecordsBefore(target));
                } else {
                    line(out, "B flush");
                    log.flush();
                    line(out, "E flush");
                }
            }
        } catch (RuntimeException e) {
            e.printStackTrace();
            System.exit(1);
        }
    }

    private static void line(final PrintStream out, final String s) {
        out.print(s);
        out.print('\n');
        out.flush();
    }
}
