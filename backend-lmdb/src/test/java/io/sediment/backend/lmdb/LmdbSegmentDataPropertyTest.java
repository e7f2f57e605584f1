package io.sediment.backend.lmdb;

import io.sediment.api.spi.BackendStore;
import io.sediment.api.spi.PartitionStore;
import io.sediment.api.spi.SegmentData;
import io.sediment.api.spi.SegmentFiles;
import io.sediment.api.spi.SegmentSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quicktheories.core.Gen;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

/**
 * Model-based property sized for this backend's internals: appends large enough to fill the 1 MiB tail and
 * commit several 64 KiB chunks, reads and transfers that straddle chunk and committed/tail boundaries, truncation
 * into committed chunks and into the tail, flush, trim, and reopen, against a plain byte array.
 */
class LmdbSegmentDataPropertyTest {
    private static final SegmentSpec SPEC = new SegmentSpec(1 << 20, 0, 0);

    @TempDir
    Path dir;
    private BackendStore store;
    private int examples;

    private enum Kind { APPEND, READ, TRANSFER, TRUNCATE, FLUSH, TRIM, REOPEN }

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
    void segmentBytesAlwaysEqualAByteArrayModelAcrossChunkAndTailBoundaries() {
        qt().withExamples(60).withShrinkCycles(100)
                .forAll(lists().of(steps()).ofSizeBetween(1, 25))
                .checkAssert(this::run);
    }

    private static Gen<Step> steps() {
        return integers().between(0, 8).zip(integers().between(1, 400_000), integers().between(0, 1_000_000),
                (k, a, b) -> new Step(k < 3 ? Kind.APPEND : Kind.values()[k - 2], a, b));
    }

    private void run(final List<Step> steps) {
        final String name = "p-" + examples++;
        final ByteArrayOutputStream model = new ByteArrayOutputStream();
        byte[] expected = new byte[0];
        PartitionStore partition = store.createPartition(name);
        SegmentFiles segment = partition.createSegment(0, SPEC);
        try {
            for (Step step : steps) {
                final SegmentData data = segment.data();
                final int size = expected.length;
                switch (step.kind) {
                    case APPEND -> {
                        final byte[] bytes = new byte[step.a];
                        for (int i = 0; i < bytes.length; i++) {
                            bytes[i] = LmdbStoreTest.patternByte(step.b, size + i);
                        }
                        final ByteBuffer src = step.b % 2 == 0 ? ByteBuffer.wrap(bytes)
                                : ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
                        data.append(src);
                        assertEquals(0, src.remaining());
                        model.write(bytes, 0, bytes.length);
                    }
                    case READ -> {
                        if (size > 0) {
                            final int position = (int) ((long) step.b * size / 1_000_001);
                            final int length = Math.min(step.a, size - position);
                            final ByteBuffer dst = ByteBuffer.allocate(length + 3).position(3);
                            data.read(position, dst);
                            assertEquals(length + 3, dst.position());
                            assertArrayEquals(Arrays.copyOfRange(expected, position, position + length),
                                    Arrays.copyOfRange(dst.array(), 3, 3 + length), "read at " + position);
                            final ByteBuffer view = data.view(position, length);
                            final byte[] viewed = new byte[length];
                            view.get(viewed);
                            assertArrayEquals(Arrays.copyOfRange(expected, position, position + length), viewed);
                        }
                    }
                    case TRANSFER -> {
                        if (size > 0) {
                            final int position = (int) ((long) step.b * size / 1_000_001);
                            final Collecting target = new Collecting();
                            final long written = transfer(data, position, step.a, target);
                            assertEquals(Math.min(step.a, size - position), written);
                            assertArrayEquals(Arrays.copyOfRange(expected, position, position + (int) written),
                                    target.bytes.toByteArray(), "transfer at " + position);
                        }
                    }
                    case TRUNCATE -> {
                        final int to = (int) ((long) step.b * size / 1_000_001);
                        data.truncateTo(to);
                        model.reset();
                        model.write(expected, 0, to);
                    }
                    case FLUSH -> data.flush();
                    case TRIM -> data.trim();
                    case REOPEN -> {
                        segment.close();
                        segment = partition.openSegment(0, SPEC);
                    }
                    default -> throw new AssertionError(step.kind);
                }
                expected = model.toByteArray();
                assertEquals(expected.length, segment.data().size(), "size after " + step);
            }
        } finally {
            segment.close();
            partition.close();
            store.deletePartition(name);
        }
    }

    private static long transfer(final SegmentData data, final int position, final int count,
                                 final WritableByteChannel target) {
        try {
            long done = 0;
            while (done < count && position + done < data.size()) {
                done += data.transferTo((int) (position + done), count - done, target);
            }
            return done;
        } catch (final java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A channel that takes at most 100 000 bytes per write, like a socket with a small buffer would. */
    private static final class Collecting implements WritableByteChannel {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        @Override
        public int write(final ByteBuffer src) {
            final int n = Math.min(src.remaining(), 100_000);
            for (int i = 0; i < n; i++) {
                bytes.write(src.get());
            }
            return n;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }
}
