package io.sediment.backend.lmdb;

import io.sediment.api.spi.BackendStore;
import io.sediment.api.spi.PartitionStore;
import io.sediment.api.spi.SegmentData;
import io.sediment.api.spi.SegmentFiles;
import io.sediment.api.spi.SegmentSpec;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Rough figures, run by hand (not a test, not a benchmark harness: no warm-up control, one run):
 * {@code java <lmdbjava flags> -cp <test classpath> io.sediment.backend.lmdb.RoughThroughputMain [dir] [MiB]}.
 */
public final class RoughThroughputMain {
    private RoughThroughputMain() {
    }

    public static void main(final String[] args) throws Exception {
        final Path dir = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("lmdb-rough");
        final int mib = args.length > 1 ? Integer.parseInt(args[1]) : 256;
        final SegmentSpec spec = new SegmentSpec(1 << 30, 1 << 20, 1 << 20);
        try (BackendStore store = new LmdbStorageBackend().open(dir)) {
            final PartitionStore partition = store.createPartition("rough-0");
            final SegmentFiles segment = partition.createSegment(0, spec);
            final SegmentData data = segment.data();
            final ByteBuffer batch = ByteBuffer.allocateDirect(1024);
            while (batch.hasRemaining()) {
                batch.put((byte) batch.position());
            }
            final long total = (long) mib << 20;

            long t0 = System.nanoTime();
            for (long written = 0; written < total; written += batch.capacity()) {
                data.append(batch.clear());
            }
            data.flush();
            long t1 = System.nanoTime();
            report("append 1 KiB batches, commit per 1 MiB tail, one flush at end", total, t1 - t0);

            final SegmentFiles second = partition.createSegment(1, spec);
            final long flushedTotal = Math.min(total, 64L << 20);
            t0 = System.nanoTime();
            for (long written = 0; written < flushedTotal; written += batch.capacity()) {
                second.data().append(batch.clear());
                if ((written + batch.capacity()) % (64 * 1024) == 0) {
                    second.data().flush();
                }
            }
            t1 = System.nanoTime();
            report("append 1 KiB batches, flush (commit+sync) every 64 KiB", flushedTotal, t1 - t0);
            second.close();

            final ByteBuffer header = ByteBuffer.allocateDirect(61);
            final int reads = 1_000_000;
            final int size = data.size();
            long sink = 0;
            t0 = System.nanoTime();
            for (int i = 0; i < reads; i++) {
                final int position = (int) ((i * 7919L * 1024) % (size - 61));
                data.read(position, header.clear());
                sink += header.get(0);
            }
            t1 = System.nanoTime();
            System.out.printf("read 61-byte headers at scattered committed positions: %.2f us/read (%d)%n",
                    (t1 - t0) / 1e3 / reads, sink);

            t0 = System.nanoTime();
            for (int i = 0; i < reads; i++) {
                data.read(4096 + (i % 1000) * 61, header.clear());
                sink += header.get(0);
            }
            t1 = System.nanoTime();
            System.out.printf("read 61-byte headers one after another in one chunk: %.2f us/read (%d)%n",
                    (t1 - t0) / 1e3 / reads, sink);

            final ByteBuffer chunk = ByteBuffer.allocateDirect(1 << 20);
            t0 = System.nanoTime();
            for (int position = 0; position + chunk.capacity() <= size; position += chunk.capacity()) {
                data.read(position, chunk.clear());
            }
            t1 = System.nanoTime();
            report("sequential read in 1 MiB reads", size, t1 - t0);
            segment.close();
            partition.close();
            System.out.println("data.mdb bytes: " + Files.size(dir.resolve("lmdb/rough-0/data.mdb")));
            t0 = System.nanoTime();
            LmdbFileCheck.check(dir.resolve("lmdb/rough-0/data.mdb"));
            t1 = System.nanoTime();
            System.out.printf("structure check of data.mdb at open (warm page cache): %.1f ms%n", (t1 - t0) / 1e6);
            t0 = System.nanoTime();
            store.openPartition("rough-0").close();
            t1 = System.nanoTime();
            System.out.printf("openPartition + close (check, env open, format): %.1f ms%n", (t1 - t0) / 1e6);
        }
    }

    private static void report(final String what, final long bytes, final long nanos) {
        System.out.printf("%s: %d MiB in %.2f s = %.0f MiB/s%n", what, bytes >> 20, nanos / 1e9,
                (bytes / 1048576.0) / (nanos / 1e9));
    }
}
