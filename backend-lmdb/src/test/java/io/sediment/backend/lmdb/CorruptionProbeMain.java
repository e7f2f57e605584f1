package io.sediment.backend.lmdb;

import io.sediment.api.StorageException;
import io.sediment.api.spi.BackendStore;
import io.sediment.api.spi.PartitionStore;
import io.sediment.api.spi.SegmentFiles;
import io.sediment.api.spi.SegmentSpec;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Run by hand: writes a partition, damages its data.mdb past the meta pages, reopens and reads everything, and
 * counts the outcomes. A JVM crash ends the run (that is what it looks for).
 * {@code java <lmdbjava flags> -cp <test classpath> io.sediment.backend.lmdb.CorruptionProbeMain <rounds> [pages|tree]}:
 * no mode flips 20 random bytes; {@code pages} writes garbage over 3 random pages; {@code tree} flips 1-3 bytes in
 * a third of the branch and leaf pages.
 */
public final class CorruptionProbeMain {
    private CorruptionProbeMain() {
    }

    public static void main(final String[] args) throws Exception {
        final int rounds = Integer.parseInt(args[0]);
        final SegmentSpec spec = new SegmentSpec(1 << 20, 4096, 4096);
        int refused = 0;
        int readFine = 0;
        for (int round = 0; round < rounds; round++) {
            final Path dir = Files.createTempDirectory("lmdb-corrupt");
            try (BackendStore store = new LmdbStorageBackend().open(dir);
                 PartitionStore p = store.createPartition("t-0")) {
                for (int s = 0; s < 3; s++) {
                    try (SegmentFiles f = p.createSegment(s * 100, spec)) {
                        LmdbStoreTest.append(f.data(), s, 300_000 + round * 1000);
                        f.offsetIndex().buffer().putLong(0, 42);
                        f.offsetIndex().trimTo(8);
                        f.data().trim();
                    }
                }
            }
            final Path file = dir.resolve("lmdb/t-0/data.mdb");
            final SplittableRandom random = new SplittableRandom(round);
            try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
                final long len = raf.length();
                final boolean wholePages = args.length > 1 && args[1].equals("pages");
                if (args.length > 1 && args[1].equals("tree")) {
                    // A few flipped bytes inside branch and leaf pages: the subtle damage.
                    final byte[] page = new byte[4096];
                    for (long pg = 2; pg < len / 4096; pg++) {
                        raf.seek(pg * 4096);
                        raf.readFully(page);
                        final ByteBuffer h = ByteBuffer.wrap(page).order(java.nio.ByteOrder.nativeOrder());
                        final int flags = h.getShort(10);
                        if (h.getLong(0) == pg && (flags == 1 || flags == 2) && random.nextInt(3) == 0) {
                            for (int k = 0; k < 1 + random.nextInt(3); k++) {
                                raf.seek(pg * 4096 + random.nextInt(4096));
                                raf.write(random.nextInt(256));
                            }
                        }
                    }
                }
                for (int i = 0; i < (wholePages ? 3 : args.length > 1 ? 0 : 20); i++) {
                    if (wholePages) {
                        final long page = 2 + random.nextLong(len / 4096 - 2);
                        final byte[] garbage = new byte[4096];
                        for (int b = 0; b < garbage.length; b++) {
                            garbage[b] = (byte) random.nextInt(256);
                        }
                        raf.seek(page * 4096);
                        raf.write(garbage);
                    } else {
                        final long at = 8192 + random.nextLong(len - 8192);
                        raf.seek(at);
                        raf.write(random.nextInt(256));
                    }
                }
            }
            try (BackendStore store = new LmdbStorageBackend().open(dir);
                 PartitionStore p = store.openPartition("t-0")) {
                for (long id : p.segmentIds()) {
                    try (SegmentFiles f = p.openSegment(id, spec)) {
                        final ByteBuffer all = ByteBuffer.allocate(f.data().size());
                        f.data().read(0, all);
                    }
                }
                readFine++;
            } catch (final StorageException e) {
                refused++;
            } catch (final RuntimeException e) {
                System.out.println("round " + round + ": " + e);
            }
            try (java.util.stream.Stream<Path> walk = Files.walk(dir)) {
                for (Path p : (Iterable<Path>) walk.sorted(java.util.Comparator.reverseOrder())::iterator) {
                    Files.delete(p);
                }
            }
        }
        System.out.println("rounds " + rounds + ": refused " + refused + ", read without error " + readFine);
    }
}
