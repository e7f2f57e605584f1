package io.sediment.backend.lmdb;

import io.sediment.api.spi.BackendStore;
import io.sediment.api.spi.IndexRegion;
import io.sediment.api.spi.PartitionStore;
import io.sediment.api.spi.SegmentFiles;
import io.sediment.api.spi.SegmentSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quicktheories.core.Gen;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

/**
 * Index regions are stored as 4,080-byte chunks and a persist rewrites only the chunks that differ: checked
 * against a byte-array model over writes anywhere (also below what is stored), flush and trimTo to any length,
 * and reopen; and an unchanged flush commits nothing.
 */
class LmdbIndexRegionPropertyTest {
    private static final int CAPACITY = 5 * LmdbLayout.INDEX_CHUNK_BYTES + 100;
    private static final SegmentSpec SPEC = new SegmentSpec(0, CAPACITY, 8);

    @TempDir
    Path dir;
    private BackendStore store;
    private int examples;

    private enum Kind { WRITE, FLUSH, TRIM, REOPEN }

    private record Step(Kind kind, int a, int b) {
    }

    @BeforeEach
    void openStore() {
        store = new LmdbStorageBackend(1024 * 1024).open(dir);
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    @Test
    void storedRegionAlwaysEqualsTheModelsLastPersistedPrefix() {
        qt().withExamples(30).withShrinkCycles(100)
                .forAll(lists().of(steps()).ofSizeBetween(1, 25))
                .checkAssert(this::run);
    }

    @Test
    void flushingAnUnchangedRegionCommitsNothing() {
        try (PartitionStore partition = store.createPartition("t-0")) {
            final LmdbPartitionStore lmdb = (LmdbPartitionStore) partition;
            try (SegmentFiles segment = partition.createSegment(0, SPEC)) {
                final IndexRegion region = segment.offsetIndex();
                region.buffer().putLong(0, 1).putLong(3 * LmdbLayout.INDEX_CHUNK_BYTES, 2);
                region.flush(4 * LmdbLayout.INDEX_CHUNK_BYTES);
                final long commits = lmdb.commitCount();
                region.flush(4 * LmdbLayout.INDEX_CHUNK_BYTES);
                region.trimTo(4 * LmdbLayout.INDEX_CHUNK_BYTES);
                assertEquals(commits, lmdb.commitCount());
                region.buffer().putLong(8, 3);
                region.flush(4 * LmdbLayout.INDEX_CHUNK_BYTES);
                assertEquals(commits + 1, lmdb.commitCount());
            }
        }
    }

    private static Gen<Step> steps() {
        return integers().between(0, 5).zip(integers().between(0, CAPACITY - 1), integers().between(0, CAPACITY),
                (k, a, b) -> new Step(k < 3 ? Kind.WRITE : Kind.values()[k - 2], a, b));
    }

    private void run(final List<Step> steps) {
        final String name = "p-" + examples++;
        final byte[] model = new byte[CAPACITY];
        int persisted = 0;
        byte[] persistedBytes = new byte[0];
        PartitionStore partition = store.createPartition(name);
        SegmentFiles segment = partition.createSegment(0, SPEC);
        try {
            for (Step step : steps) {
                final IndexRegion region = segment.offsetIndex();
                switch (step.kind) {
                    case WRITE -> {
                        final int length = Math.min(CAPACITY - step.a, 1 + step.b % 9000);
                        for (int i = 0; i < length; i++) {
                            model[step.a + i] = (byte) (step.b + i);
                            region.buffer().put(step.a + i, (byte) (step.b + i));
                        }
                    }
                    case FLUSH -> {
                        region.flush(step.b);
                        persisted = step.b;
                        persistedBytes = Arrays.copyOf(model, persisted);
                    }
                    case TRIM -> {
                        region.trimTo(step.b);
                        persisted = step.b;
                        persistedBytes = Arrays.copyOf(model, persisted);
                        // Reopening now keeps exactly the trimmed bytes.
                        segment.close();
                        segment = partition.openSegment(0, SPEC);
                        check(segment.offsetIndex(), persisted, persistedBytes, model);
                    }
                    case REOPEN -> {
                        // A close without trimTo keeps the whole capacity, as a preallocated file would.
                        segment.close();
                        persisted = CAPACITY;
                        persistedBytes = model.clone();
                        segment = partition.openSegment(0, SPEC);
                        check(segment.offsetIndex(), persisted, persistedBytes, model);
                    }
                    default -> throw new AssertionError(step.kind);
                }
            }
        } finally {
            segment.close();
            partition.close();
            store.deletePartition(name);
        }
    }

    /** After a reopen the model holds exactly what was persisted; the rest of the region reads as zeros. */
    private static void check(final IndexRegion region, final int persisted, final byte[] persistedBytes,
                              final byte[] model) {
        assertEquals(persisted, region.storedBytes());
        final ByteBuffer buffer = region.buffer();
        final byte[] got = new byte[buffer.capacity()];
        buffer.get(0, got);
        assertArrayEquals(persistedBytes, Arrays.copyOf(got, persisted));
        for (int i = persisted; i < got.length; i++) {
            assertEquals(0, got[i], "byte " + i + " past the stored bytes");
        }
        Arrays.fill(model, 0, model.length, (byte) 0);
        System.arraycopy(persistedBytes, 0, model, 0, persisted);
    }
}
