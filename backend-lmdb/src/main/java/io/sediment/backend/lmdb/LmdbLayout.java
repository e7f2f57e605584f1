package io.sediment.backend.lmdb;

import io.sediment.api.StorageException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * The key layout of one partition's LMDB environment ({@code <dir>/lmdb/<partition>/data.mdb}): five named
 * databases (DBIs), all keys big-endian so LMDB's default memcmp order is numeric order.
 *
 * <pre>
 *  DBI "data"      key: generation:int64 | chunkStart:int32          value: the segment's bytes [chunkStart, +len)
 *                  +---------------------------------------------+
 *                  |  0..7  generation (1, 2, 3, ...)             |   one segment = one generation; chunks of a
 *                  |  8..11 chunkStart (byte position in segment) |   segment are contiguous, 1..CHUNK_BYTES long
 *                  +---------------------------------------------+
 *  DBI "index"     key: generation:int64 | kind:int8 (0 offset, 1 time) | chunk:int32
 *                  value: region bytes [chunk * INDEX_CHUNK_BYTES, +len): every chunk full but the last
 *  DBI "segments"  key: segmentId:int64 (sign bit flipped)         value: generation:int64        (live segments)
 *  DBI "retired"   key: generation:int64                           value: segmentId:int64         (retired ones)
 *  DBI "meta"      key: "format"                                   value: "sediment-lmdb/1"
 * </pre>
 *
 * <p>Why a generation and not the segment id in data keys: the engine may create a segment with the id of one it
 * has just retired (a log truncated to its start), and the retired bytes must stay readable until destroyed; and
 * a fresh generation is always the greatest, so the active segment's chunks are always the greatest keys of
 * "data" and go in with {@code MDB_APPEND} (a sequential B+tree insert, no search, leaf pages filled to 100%)
 * whatever ids the engine picks. A range read is a cursor {@code MDB_SET_RANGE} to the floor chunk and
 * {@code MDB_NEXT} from there. Dropping a segment deletes its chunk keys: O(chunks), and LMDB frees a chunk's
 * overflow pages without reading them.
 *
 * <p>Why index regions are chunked ({@link #INDEX_CHUNK_BYTES}, one overflow page each): a flush rewrites only the
 * chunks whose bytes changed, typically the last one, instead of the whole region (megabytes late in a big
 * segment), which matters with {@code flush.messages=1}.
 *
 * <p>Why chunks of at most {@link #CHUNK_BYTES}: values over ~2 KiB live in runs of contiguous overflow pages, and
 * LMDB searches its free list for a run long enough; short runs keep that search cheap once deleted segments
 * have fragmented the free list. Commits carry up to {@link #TAIL_BYTES} (several chunks) so each fsync is
 * amortised over a megabyte.
 */
final class LmdbLayout {
    static final String DATA_DBI = "data";
    static final String INDEX_DBI = "index";
    static final String SEGMENTS_DBI = "segments";
    static final String RETIRED_DBI = "retired";
    static final String META_DBI = "meta";
    static final int DBI_COUNT = 5;

    static final String FORMAT_KEY = "format";
    static final String FORMAT_VALUE = "sediment-lmdb/1";

    /**
     * Largest value in "data": 16 pages of 4 KiB less LMDB's 16-byte overflow page header, so a full chunk fills
     * its overflow run exactly (a round 64 KiB would take 17 pages and waste 6%).
     */
    static final int CHUNK_BYTES = 16 * 4096 - 16;
    /** Bytes a segment buffers in memory before it commits them: 16 full chunks, just under 1 MiB. */
    static final int TAIL_BYTES = 16 * CHUNK_BYTES;

    /** One 4 KiB overflow page less its 16-byte header. */
    static final int INDEX_CHUNK_BYTES = 4096 - 16;

    static final int DATA_KEY_BYTES = 12;
    static final int GENERATION_OFFSET = 0;
    static final int CHUNK_START_OFFSET = 8;
    static final int INDEX_KEY_BYTES = 13;
    static final int KIND_OFFSET = 8;
    static final int INDEX_CHUNK_OFFSET = 9;
    static final int SEGMENT_KEY_BYTES = 8;
    static final byte OFFSET_INDEX_KIND = 0;
    static final byte TIME_INDEX_KIND = 1;

    private LmdbLayout() {
    }

    static ByteBuffer dataKey(final ByteBuffer key, final long generation, final int chunkStart) {
        key.clear();
        key.putLong(GENERATION_OFFSET, generation).putInt(CHUNK_START_OFFSET, chunkStart);
        key.limit(DATA_KEY_BYTES);
        return key;
    }

    static ByteBuffer indexKey(final ByteBuffer key, final long generation, final byte kind, final int chunk) {
        key.clear();
        key.putLong(GENERATION_OFFSET, generation).put(KIND_OFFSET, kind).putInt(INDEX_CHUNK_OFFSET, chunk);
        key.limit(INDEX_KEY_BYTES);
        return key;
    }

    /** Whether an "index" key belongs to the region {@code (generation, kind)}. */
    static boolean isIndexKeyOf(final ByteBuffer key, final long generation, final byte kind) {
        key.order(ByteOrder.BIG_ENDIAN);
        return key.limit() == INDEX_KEY_BYTES && key.getLong(GENERATION_OFFSET) == generation
                && key.get(KIND_OFFSET) == kind;
    }

    static int indexChunkOf(final ByteBuffer indexKey) {
        return indexKey.order(ByteOrder.BIG_ENDIAN).getInt(INDEX_CHUNK_OFFSET);
    }

    static ByteBuffer longKey(final ByteBuffer key, final long value) {
        key.clear();
        key.putLong(0, value);
        key.limit(Long.BYTES);
        return key;
    }

    /** A segment id as a key: the sign bit flipped, so memcmp order is signed numeric order. */
    static long segmentKey(final long segmentId) {
        return segmentId ^ Long.MIN_VALUE;
    }

    static long segmentId(final long segmentKey) {
        return segmentKey ^ Long.MIN_VALUE;
    }

    /** The generation of a "data" key, refused naming {@code file} unless the key has the layout's length. */
    static long generationOf(final ByteBuffer dataKey, final Path file) {
        return checkedLength(dataKey, DATA_KEY_BYTES, file, "data key").getLong(GENERATION_OFFSET);
    }

    /** The chunk start of a "data" key, refused naming {@code file} unless the key is whole and the start not negative. */
    static int chunkStartOf(final ByteBuffer dataKey, final Path file) {
        final int start = checkedLength(dataKey, DATA_KEY_BYTES, file, "data key").getInt(CHUNK_START_OFFSET);
        if (start < 0) {
            throw new StorageException(file.toString(), "corrupt data key: chunk start " + start + " is negative");
        }
        return start;
    }

    /** The generation of an "index" key, refused naming {@code file} unless the key has the layout's length. */
    static long indexGenerationOf(final ByteBuffer indexKey, final Path file) {
        return checkedLength(indexKey, INDEX_KEY_BYTES, file, "index key").getLong(GENERATION_OFFSET);
    }

    /**
     * The int64 a "segments" or "retired" key or value holds, refused naming {@code file} unless it is 8 bytes.
     *
     * @param what names the key or value in the error
     */
    static long longOf(final ByteBuffer keyOrValue, final Path file, final String what) {
        return checkedLength(keyOrValue, Long.BYTES, file, what).getLong(0);
    }

    /**
     * LMDB keeps no checksums: a damaged page can hand back a key or value of any length (the structure check at
     * open sees only that it fits its page). Every length the layout fixes is checked before it is read, so damage
     * is a {@link StorageException} naming {@code data.mdb}, never an {@code IndexOutOfBoundsException}.
     */
    private static ByteBuffer checkedLength(final ByteBuffer b, final int length, final Path file, final String what) {
        if (b.limit() != length) {
            throw new StorageException(file.toString(), "corrupt " + what + ": " + b.limit() + " bytes where the layout has "
                    + length);
        }
        return b.order(ByteOrder.BIG_ENDIAN);
    }

    /** A direct big-endian buffer for keys (lmdbjava's ByteBuffer proxy reads only direct buffers). */
    static ByteBuffer keyBuffer() {
        return ByteBuffer.allocateDirect(16).order(ByteOrder.BIG_ENDIAN);
    }
}
