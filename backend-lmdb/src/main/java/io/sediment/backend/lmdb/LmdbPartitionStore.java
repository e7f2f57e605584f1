package io.sediment.backend.lmdb;

import io.sediment.api.StorageException;
import io.sediment.api.spi.PartitionStore;
import io.sediment.api.spi.SegmentFiles;
import io.sediment.api.spi.SegmentSpec;
import org.lmdbjava.ByteBufferProxy;
import org.lmdbjava.Cursor;
import org.lmdbjava.Dbi;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.Env;
import org.lmdbjava.EnvFlags;
import org.lmdbjava.GetOp;
import org.lmdbjava.LmdbException;
import org.lmdbjava.PutFlags;
import org.lmdbjava.Stat;
import org.lmdbjava.Txn;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.StampedLock;

import static io.sediment.backend.lmdb.LmdbLayout.CHUNK_BYTES;
import static io.sediment.backend.lmdb.LmdbLayout.INDEX_CHUNK_BYTES;
import static io.sediment.backend.lmdb.LmdbLayout.chunkStartOf;
import static io.sediment.backend.lmdb.LmdbLayout.dataKey;
import static io.sediment.backend.lmdb.LmdbLayout.generationOf;
import static io.sediment.backend.lmdb.LmdbLayout.indexKey;
import static io.sediment.backend.lmdb.LmdbLayout.longKey;
import static io.sediment.backend.lmdb.LmdbLayout.segmentKey;

/**
 * One partition's segments in one LMDB environment, {@code <dir>/lmdb/<partition>/data.mdb} (+ {@code lock.mdb}),
 * keyed as {@link LmdbLayout} describes.
 *
 * <p>Transactions. Every write is one short write transaction begun and committed by the calling thread (LMDB
 * binds a write transaction to its thread). The environment is opened with {@code MDB_NOMETASYNC}: a commit
 * fsyncs the data pages it wrote but not the meta page, so a commit that no {@link #sync()} followed may be undone
 * by an OS crash, but the file is never left inconsistent. {@link #sync()} ({@code mdb_env_sync(force)}) is what
 * makes commits durable; segments call it from {@code flush}. {@code MDB_NOSYNC} is never used: without write
 * ordering in the file system it can corrupt the whole environment on power loss (README, "Durability").
 *
 * <p>Map growth. When a write fails with {@code MDB_MAP_FULL} the transaction is aborted, the map is grown
 * (doubling, at most +1 GiB per step) and the write is replayed. {@code mdb_env_set_mapsize} needs no transaction
 * open in the process, so every transaction, read or write, runs under the read side of {@link #envLock} and
 * growth takes the write side.
 *
 * <p>Threading: segment management ({@link #createSegment} ... {@link #purgeRetiredSegments}) by the partition's
 * writer; those methods are synchronized anyway, because a segment's close (which commits) may run on a reader
 * thread. Reads ({@link #readCommitted}, {@link #transferCommitted}, {@link #segmentIds}) from any thread. LMDB
 * serialises write transactions itself (one writer mutex per environment).
 */
final class LmdbPartitionStore implements PartitionStore {
    static final String DATA_FILE = "data.mdb";
    private static final long MAX_GROWTH_STEP = 1L << 30;
    /**
     * Environments open in this JVM, by real directory path. LMDB must never open one environment twice in a
     * process (closing the second handle drops the first one's POSIX locks), whatever path led to it.
     */
    private static final Map<Path, LmdbPartitionStore> OPEN = new ConcurrentHashMap<>();

    private final String name;
    private final Path realDirectory;
    private final Path directory;
    private final Path dataFile;
    private final Env<ByteBuffer> env;
    private final Dbi<ByteBuffer> data;
    private final Dbi<ByteBuffer> index;
    private final Dbi<ByteBuffer> segments;
    private final Dbi<ByteBuffer> retired;
    private final ReadSlots readSlots;
    private final StampedLock envLock = new StampedLock();
    /** Open segment handles by generation. */
    private final Map<Long, LmdbSegmentFiles> openSegments = new ConcurrentHashMap<>();
    private final AtomicLong commits = new AtomicLong();
    private final AtomicLong syncedCommits = new AtomicLong();
    private final Runnable onClose;
    /** The greatest generation ever assigned here: its chunks are the greatest keys of "data". Writer only. */
    private volatile long newestGeneration;
    private volatile boolean closed;

    private LmdbPartitionStore(final String name, final Path directory, final Env<ByteBuffer> env,
                               final Runnable onClose) {
        this.name = name;
        this.directory = directory;
        this.realDirectory = realPath(directory);
        this.dataFile = directory.resolve(DATA_FILE);
        this.env = env;
        this.onClose = onClose;
        this.data = env.openDbi(LmdbLayout.DATA_DBI);
        this.index = env.openDbi(LmdbLayout.INDEX_DBI);
        this.segments = env.openDbi(LmdbLayout.SEGMENTS_DBI);
        this.retired = env.openDbi(LmdbLayout.RETIRED_DBI);
        this.readSlots = new ReadSlots(env, data);
    }

    /** Writes a new, empty environment with its databases and format marker into {@code directory}. */
    static void initialize(final Path directory, final long mapBytes) {
        final Path dataFile = directory.resolve(DATA_FILE);
        try (Env<ByteBuffer> env = openEnv(directory, dataFile, mapBytes)) {
            try (Txn<ByteBuffer> txn = env.txnWrite()) {
                for (String dbi : new String[] {LmdbLayout.DATA_DBI, LmdbLayout.INDEX_DBI, LmdbLayout.SEGMENTS_DBI,
                        LmdbLayout.RETIRED_DBI}) {
                    env.openDbi(txn, dbi.getBytes(StandardCharsets.US_ASCII), null, false, DbiFlags.MDB_CREATE);
                }
                final Dbi<ByteBuffer> meta = env.openDbi(txn, LmdbLayout.META_DBI.getBytes(StandardCharsets.US_ASCII),
                        null, false, DbiFlags.MDB_CREATE);
                meta.put(txn, ascii(LmdbLayout.FORMAT_KEY), ascii(LmdbLayout.FORMAT_VALUE));
                txn.commit();
            }
            env.sync(true);
        } catch (final LmdbException e) {
            throw new StorageException(dataFile.toString(), "cannot initialize LMDB environment: " + e.getMessage(), e);
        }
    }

    /**
     * Opens an existing environment after checking its file ({@link LmdbFileCheck}: a truncated or damaged file
     * would otherwise crash the JVM inside LMDB) and its format marker.
     */
    static LmdbPartitionStore open(final String name, final Path directory, final long mapBytes,
                                   final Runnable onClose) {
        final Path dataFile = directory.resolve(DATA_FILE);
        final Path real = realPath(directory);
        if (OPEN.containsKey(real)) {
            throw new StorageException(dataFile.toString(), "this LMDB environment is already open in this JVM");
        }
        final long fileLength = LmdbFileCheck.check(dataFile);
        final Env<ByteBuffer> env = openEnv(directory, dataFile, Math.max(mapBytes, fileLength));
        try {
            checkFormat(env, dataFile);
            final LmdbPartitionStore store = new LmdbPartitionStore(name, directory, env, onClose);
            ScratchMemory.cleanUp(directory);
            store.newestGeneration = store.scanNewestGeneration();
            env.readerCheck(); // clears reader slots left by a process that died with a read transaction open
            if (OPEN.putIfAbsent(real, store) != null) {
                throw new StorageException(dataFile.toString(), "this LMDB environment is already open in this JVM");
            }
            return store;
        } catch (final LmdbException e) {
            env.close();
            throw new StorageException(dataFile.toString(), "corrupt LMDB environment: " + e.getMessage(), e);
        } catch (final RuntimeException e) {
            env.close();
            throw e;
        }
    }

    private static Env<ByteBuffer> openEnv(final Path directory, final Path dataFile, final long mapBytes) {
        try {
            return Env.create(ByteBufferProxy.PROXY_OPTIMAL)
                    .setMapSize(mapBytes)
                    .setMaxDbs(LmdbLayout.DBI_COUNT)
                    .setMaxReaders(ReadSlots.MAX_READERS)
                    .open(directory.toFile(), EnvFlags.MDB_NOTLS, EnvFlags.MDB_NOMETASYNC);
        } catch (final Env.FileInvalidException e) {
            throw new StorageException(dataFile.toString(), "not an LMDB data file (bad meta page magic)", e);
        } catch (final Env.VersionMismatchException e) {
            throw new StorageException(dataFile.toString(), "LMDB data file written by an incompatible version", e);
        } catch (final LmdbException e) {
            throw new StorageException(dataFile.toString(), "cannot open LMDB environment: " + e.getMessage(), e);
        } catch (final LinkageError e) {
            // lmdbjava unpacks its native liblmdb into java.io.tmpdir (or -Dlmdbjava.extract.dir) and loads it there.
            throw new StorageException(dataFile.toString(), "cannot load LMDB's native library (is java.io.tmpdir "
                    + "writable and not mounted noexec? -Dlmdbjava.extract.dir picks another directory): " + e, e);
        }
    }

    private static void checkFormat(final Env<ByteBuffer> env, final Path dataFile) {
        final Dbi<ByteBuffer> meta;
        try {
            meta = env.openDbi(LmdbLayout.META_DBI);
        } catch (final Dbi.KeyNotFoundException e) {
            throw new StorageException(dataFile.toString(), "an LMDB environment, but not a Sediment store", e);
        }
        try (Txn<ByteBuffer> txn = env.txnRead()) {
            final ByteBuffer value = meta.get(txn, ascii(LmdbLayout.FORMAT_KEY));
            final String format = value == null ? "none" : StandardCharsets.US_ASCII.decode(value).toString();
            if (!LmdbLayout.FORMAT_VALUE.equals(format)) {
                throw new StorageException(dataFile.toString(), "unsupported store format '" + format
                        + "', expected '" + LmdbLayout.FORMAT_VALUE + "'");
            }
        }
    }

    private long scanNewestGeneration() {
        long newest = 0;
        try (Txn<ByteBuffer> txn = env.txnRead()) {
            try (Cursor<ByteBuffer> c = segments.openCursor(txn)) {
                for (boolean more = c.first(); more; more = c.next()) {
                    newest = Math.max(newest, LmdbLayout.longOf(c.val(), dataFile, "segments value"));
                }
            }
            try (Cursor<ByteBuffer> c = retired.openCursor(txn)) {
                if (c.last()) {
                    newest = Math.max(newest, LmdbLayout.longOf(c.key(), dataFile, "retired key"));
                }
            }
        }
        return newest;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long[] segmentIds() {
        ensureOpen();
        return readTxn(slot -> {
            long[] ids = new long[16];
            int n = 0;
            try (Cursor<ByteBuffer> c = segments.openCursor(slot.txn)) {
                for (boolean more = c.first(); more; more = c.next()) {
                    if (n == ids.length) {
                        ids = Arrays.copyOf(ids, n * 2);
                    }
                    ids[n++] = LmdbLayout.segmentId(LmdbLayout.longOf(c.key(), dataFile, "segments key"));
                }
            }
            return Arrays.copyOf(ids, n);
        });
    }

    @Override
    public synchronized SegmentFiles createSegment(final long id, final SegmentSpec spec) {
        ensureOpen();
        final long generation = newestGeneration + 1;
        write(txn -> {
            final ByteBuffer key = longKey(LmdbLayout.keyBuffer(), segmentKey(id));
            if (segments.get(txn, key) != null) {
                throw new StorageException(dataFile.toString(), "segment " + id + " already exists in partition "
                        + name);
            }
            segments.put(txn, key, longValue(generation));
        });
        newestGeneration = generation;
        return register(new LmdbSegmentFiles(this, id, generation, 0,
                new LmdbIndexRegion(this, generation, LmdbLayout.OFFSET_INDEX_KIND,
                        ScratchMemory.map(directory, spec.offsetIndexCapacity()), 0),
                new LmdbIndexRegion(this, generation, LmdbLayout.TIME_INDEX_KIND,
                        ScratchMemory.map(directory, spec.timeIndexCapacity()), 0)));
    }

    @Override
    public synchronized SegmentFiles openSegment(final long id, final SegmentSpec spec) {
        ensureOpen();
        final long generation = readTxn(slot -> {
            final ByteBuffer value = segments.get(slot.txn, longKey(slot.key, segmentKey(id)));
            return value == null ? -1L : LmdbLayout.longOf(value, dataFile, "segments value");
        });
        if (generation < 0) {
            throw new StorageException(dataFile.toString(), "no live segment " + id + " in partition " + name);
        }
        if (openSegments.containsKey(generation)) {
            throw new IllegalStateException("segment " + id + " of partition " + name + " is already open");
        }
        final int size = readTxn(slot -> storedSize(slot, generation));
        return register(new LmdbSegmentFiles(this, id, generation, size,
                loadIndex(generation, LmdbLayout.OFFSET_INDEX_KIND, spec.offsetIndexCapacity()),
                loadIndex(generation, LmdbLayout.TIME_INDEX_KIND, spec.timeIndexCapacity())));
    }

    @Override
    public synchronized void retireSegment(final long id) {
        ensureOpen();
        write(txn -> {
            final ByteBuffer key = longKey(LmdbLayout.keyBuffer(), segmentKey(id));
            final ByteBuffer value = segments.get(txn, key);
            if (value == null) {
                throw new StorageException(dataFile.toString(), "no live segment " + id + " to retire in partition "
                        + name);
            }
            final long generation = LmdbLayout.longOf(value, dataFile, "segments value");
            segments.delete(txn, key);
            retired.put(txn, longKey(LmdbLayout.keyBuffer(), generation), longValue(id));
        });
    }

    @Override
    public synchronized void destroyRetiredSegment(final long id) {
        ensureOpen();
        final boolean[] stillOpen = new boolean[1];
        write(txn -> {
            stillOpen[0] = false;
            for (long generation : retiredGenerations(txn, id, true)) {
                if (openSegments.containsKey(generation)) {
                    stillOpen[0] = true;
                } else {
                    deleteGeneration(txn, generation);
                }
            }
        });
        if (stillOpen[0]) {
            throw new IllegalStateException("retired segment " + id + " of partition " + name
                    + " is still open: close its SegmentFiles before destroying it");
        }
    }

    @Override
    public synchronized void purgeRetiredSegments() {
        ensureOpen();
        write(txn -> {
            for (long generation : retiredGenerations(txn, 0, false)) {
                if (!openSegments.containsKey(generation)) {
                    deleteGeneration(txn, generation);
                }
            }
        });
    }

    /** Closes the environment. Segments should have been closed; any still open are closed (committed) first. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            for (LmdbSegmentFiles files : openSegments.values().toArray(new LmdbSegmentFiles[0])) {
                files.close();
            }
            closed = true;
        }
        final long stamp = envLock.writeLock();
        try {
            readSlots.close();
            env.close();
        } finally {
            envLock.unlockWrite(stamp);
            OPEN.remove(realDirectory, this);
        }
        onClose.run();
    }

    // ------------------------------------------------------------------------------------------ used by segments

    Path dataFile() {
        return dataFile;
    }

    void unregister(final LmdbSegmentFiles files) {
        openSegments.remove(files.generation(), files);
    }

    /**
     * Commits {@code bytes[0, length)} as the segment's bytes {@code [start, start + length)}, in chunks of at most
     * {@link LmdbLayout#CHUNK_BYTES}, with {@code MDB_APPEND} when they are the greatest keys of "data".
     */
    void commitData(final long generation, final int start, final ByteBuffer bytes, final int length) {
        ensureOpen();
        final ByteBuffer chunk = bytes.duplicate();
        write(txn -> {
            final ByteBuffer key = LmdbLayout.keyBuffer();
            final boolean append = generation == newestGeneration;
            for (int off = 0; off < length; off += CHUNK_BYTES) {
                chunk.limit(Math.min(length, off + CHUNK_BYTES)).position(off);
                putData(txn, dataKey(key, generation, start + off), chunk, append);
            }
        });
    }

    /** Deletes the segment's committed bytes at and after {@code size}, keeping the part of a chunk below it. */
    void truncateData(final long generation, final int size) {
        ensureOpen();
        write(txn -> {
            final ByteBuffer key = LmdbLayout.keyBuffer();
            try (Cursor<ByteBuffer> c = data.openCursor(txn)) {
                ByteBuffer keep = null;
                int keepStart = 0;
                if (seekFloor(c, key, generation, size)) {
                    keepStart = chunkStartOf(c.key(), dataFile);
                    if (keepStart < size) {
                        final ByteBuffer v = c.val();
                        keep = ByteBuffer.allocateDirect(size - keepStart).put(0, v, 0, size - keepStart);
                    }
                }
                while (c.get(dataKey(key, generation, keep == null ? size : keepStart), GetOp.MDB_SET_RANGE)
                        && generationOf(c.key(), dataFile) == generation) {
                    c.delete();
                }
                if (keep != null) {
                    data.put(txn, dataKey(key, generation, keepStart), keep);
                }
            }
        });
    }

    /** Copies committed bytes {@code [position, position + length)} into {@code dst} at {@code dstIndex}. */
    void readCommitted(final long generation, final int position, final ByteBuffer dst, final int dstIndex,
                       final int length) {
        final long stamp = envLock.readLock();
        try {
            ensureOpen();
            final ReadSlot slot = readSlots.borrow();
            try {
                final Cursor<ByteBuffer> c = slot.cursor;
                int p = position;
                int done = 0;
                ByteBuffer v = floorChunk(slot, generation, position);
                int start = chunkStartOf(c.key(), dataFile);
                while (true) {
                    final int off = p - start;
                    final int n = Math.min(v.limit() - off, length - done);
                    dst.put(dstIndex + done, v, off, n);
                    done += n;
                    p += n;
                    if (done == length) {
                        return;
                    }
                    v = nextChunk(c, generation, p);
                    start = p;
                }
            } finally {
                readSlots.release(slot);
            }
        } catch (final LmdbException e) {
            throw failure("read of " + length + " bytes at position " + position + " (generation " + generation
                    + ")", e);
        } finally {
            envLock.unlockRead(stamp);
        }
    }

    /**
     * Writes committed bytes from {@code position} to {@code target} straight from LMDB's map (no copy on the
     * heap), chunk by chunk, until {@code length} bytes are written or the channel takes fewer than offered.
     */
    long transferCommitted(final long generation, final int position, final int length,
                           final WritableByteChannel target) throws IOException {
        final long stamp = envLock.readLock();
        try {
            ensureOpen();
            final ReadSlot slot = readSlots.borrow();
            try {
                final Cursor<ByteBuffer> c = slot.cursor;
                int p = position;
                long done = 0;
                ByteBuffer v = floorChunk(slot, generation, position);
                int start = chunkStartOf(c.key(), dataFile);
                while (true) {
                    final int off = p - start;
                    final int n = (int) Math.min(v.limit() - off, length - done);
                    v.limit(off + n).position(off);
                    final int written = target.write(v);
                    done += written;
                    p += written;
                    if (done == length || written < n) {
                        return done;
                    }
                    v = nextChunk(c, generation, p);
                    start = p;
                }
            } finally {
                readSlots.release(slot);
            }
        } catch (final LmdbException e) {
            throw failure("transfer of " + length + " bytes at position " + position + " (generation "
                    + generation + ")", e);
        } finally {
            envLock.unlockRead(stamp);
        }
    }

    /**
     * Stores an index region's first {@code bytes} as {@link LmdbLayout#INDEX_CHUNK_BYTES} chunks, writing only the
     * chunks whose bytes differ from what is stored and deleting chunks past the end; commits nothing when nothing
     * differs.
     */
    void storeIndex(final long generation, final byte kind, final ByteBuffer region, final int bytes) {
        ensureOpen();
        final int chunks = (bytes + INDEX_CHUNK_BYTES - 1) / INDEX_CHUNK_BYTES;
        final ByteBuffer wanted = region.duplicate();
        maybeWrite(txn -> {
            final ByteBuffer key = LmdbLayout.keyBuffer();
            boolean changed = false;
            for (int i = 0; i < chunks; i++) {
                final int from = i * INDEX_CHUNK_BYTES;
                wanted.limit(Math.min(bytes, from + INDEX_CHUNK_BYTES)).position(from);
                final ByteBuffer stored = index.get(txn, indexKey(key, generation, kind, i));
                if (stored == null || stored.mismatch(wanted) >= 0) {
                    index.put(txn, indexKey(key, generation, kind, i), wanted);
                    changed = true;
                }
            }
            try (Cursor<ByteBuffer> c = index.openCursor(txn)) {
                while (c.get(indexKey(key, generation, kind, chunks), GetOp.MDB_SET_RANGE)
                        && LmdbLayout.isIndexKeyOf(c.key(), generation, kind)) {
                    c.delete();
                    changed = true;
                }
            }
            return changed;
        });
    }

    /** Makes every commit so far durable ({@code mdb_env_sync(force)}), if any commit happened since the last. */
    void sync() {
        final long committed = commits.get();
        if (syncedCommits.get() >= committed) {
            return;
        }
        final long stamp = envLock.readLock();
        try {
            ensureOpen();
            env.sync(true);
        } catch (final LmdbException e) {
            throw failure("sync", e);
        } finally {
            envLock.unlockRead(stamp);
        }
        syncedCommits.accumulateAndGet(committed, Math::max);
    }

    /**
     * Bytes of B-tree pages the partition's databases hold (branch, leaf and overflow pages, free pages not
     * counted): what the environment retains, since {@code data.mdb} itself never shrinks. For an environment not
     * open in this JVM, opens it read-only for the measurement.
     */
    static long usedBytes(final Path directory) {
        final LmdbPartitionStore open = OPEN.get(realPath(directory));
        if (open != null) {
            final long stamp = open.envLock.readLock();
            try (Txn<ByteBuffer> txn = open.env.txnRead()) {
                return usedBytes(open.env, txn, open.data, open.index, open.segments, open.retired);
            } finally {
                open.envLock.unlockRead(stamp);
            }
        }
        try (Env<ByteBuffer> env = Env.create(ByteBufferProxy.PROXY_OPTIMAL).setMaxDbs(LmdbLayout.DBI_COUNT)
                .open(directory.toFile(), EnvFlags.MDB_RDONLY_ENV, EnvFlags.MDB_NOTLS)) {
            final Dbi<ByteBuffer> data = env.openDbi(LmdbLayout.DATA_DBI);
            final Dbi<ByteBuffer> index = env.openDbi(LmdbLayout.INDEX_DBI);
            final Dbi<ByteBuffer> segments = env.openDbi(LmdbLayout.SEGMENTS_DBI);
            final Dbi<ByteBuffer> retired = env.openDbi(LmdbLayout.RETIRED_DBI);
            try (Txn<ByteBuffer> txn = env.txnRead()) {
                return usedBytes(env, txn, data, index, segments, retired);
            }
        }
    }

    @SafeVarargs
    private static long usedBytes(final Env<ByteBuffer> env, final Txn<ByteBuffer> txn,
                                  final Dbi<ByteBuffer>... dbis) {
        final Stat main = env.stat();
        long pages = main.branchPages + main.leafPages + main.overflowPages;
        for (Dbi<ByteBuffer> dbi : dbis) {
            final Stat stat = dbi.stat(txn);
            pages += stat.branchPages + stat.leafPages + stat.overflowPages;
        }
        return pages * main.pageSize;
    }

    /** Write transactions committed since open (for tests of what commits). */
    long commitCount() {
        return commits.get();
    }

    /** The current map size in bytes (grows on {@code MDB_MAP_FULL}). */
    long mapSize() {
        final long stamp = envLock.readLock();
        try {
            ensureOpen();
            return env.info().mapSize;
        } finally {
            envLock.unlockRead(stamp);
        }
    }

    // ------------------------------------------------------------------------------------------------ internals

    private LmdbSegmentFiles register(final LmdbSegmentFiles files) {
        openSegments.put(files.generation(), files);
        return files;
    }

    private LmdbIndexRegion loadIndex(final long generation, final byte kind, final int capacity) {
        final int storedBytes = readTxn(slot -> {
            int length = 0;
            try (Cursor<ByteBuffer> c = index.openCursor(slot.txn)) {
                for (boolean more = c.get(indexKey(slot.key, generation, kind, 0), GetOp.MDB_SET_RANGE);
                     more && LmdbLayout.isIndexKeyOf(c.key(), generation, kind); more = c.next()) {
                    checkIndexChunk(c, generation, kind, length);
                    length += c.val().limit();
                }
            }
            return length;
        });
        final ByteBuffer region = ScratchMemory.map(directory, Math.max(capacity, storedBytes));
        readTxn(slot -> {
            try (Cursor<ByteBuffer> c = index.openCursor(slot.txn)) {
                int at = 0;
                for (boolean more = c.get(indexKey(slot.key, generation, kind, 0), GetOp.MDB_SET_RANGE);
                     more && at < storedBytes && LmdbLayout.isIndexKeyOf(c.key(), generation, kind);
                     more = c.next()) {
                    final ByteBuffer v = c.val();
                    region.put(at, v, 0, v.limit());
                    at += v.limit();
                }
            }
            return null;
        });
        return new LmdbIndexRegion(this, generation, kind, region, storedBytes);
    }

    /** Chunk {@code i} must start at {@code i * INDEX_CHUNK_BYTES}, and only the last may be short. */
    private void checkIndexChunk(final Cursor<ByteBuffer> c, final long generation, final byte kind,
                                 final int length) {
        final int chunk = LmdbLayout.indexChunkOf(c.key());
        if ((long) chunk * INDEX_CHUNK_BYTES != length || length % INDEX_CHUNK_BYTES != 0
                || c.val().limit() > INDEX_CHUNK_BYTES || c.val().limit() == 0) {
            throw new StorageException(dataFile.toString(), "corrupt index region (generation " + generation
                    + ", kind " + kind + "): chunk " + chunk + " of " + c.val().limit() + " bytes after " + length);
        }
    }

    /** Bytes stored for a segment: the end of its last chunk. */
    private int storedSize(final ReadSlot slot, final long generation) {
        if (!seekFloor(slot.cursor, slot.key, generation, Integer.MAX_VALUE)) {
            return 0;
        }
        final int start = chunkStartOf(slot.cursor.key(), dataFile);
        final long end = (long) start + checkedChunk(slot.cursor.val(), generation, start).limit();
        if (end > Integer.MAX_VALUE) {
            throw new StorageException(dataFile.toString(), "corrupt chunk in generation " + generation
                    + ": ends at " + end);
        }
        return (int) end;
    }

    /** Positions {@code c} on the last chunk of {@code generation} starting at or below {@code position}. */
    private boolean seekFloor(final Cursor<ByteBuffer> c, final ByteBuffer key, final long generation,
                                     final int position) {
        final boolean found = c.get(dataKey(key, generation, position), GetOp.MDB_SET_RANGE);
        if (found && generationOf(c.key(), dataFile) == generation && chunkStartOf(c.key(), dataFile) == position) {
            return true;
        }
        final boolean moved = found ? c.prev() : c.last();
        return moved && generationOf(c.key(), dataFile) == generation;
    }

    private ByteBuffer floorChunk(final ReadSlot slot, final long generation, final int position) {
        if (!seekFloor(slot.cursor, slot.key, generation, position)) {
            throw missing(generation, position);
        }
        final ByteBuffer v = checkedChunk(slot.cursor.val(), generation, position);
        final int start = chunkStartOf(slot.cursor.key(), dataFile);
        if (position - start >= v.limit()) {
            throw missing(generation, position);
        }
        return v;
    }

    private ByteBuffer nextChunk(final Cursor<ByteBuffer> c, final long generation, final int position) {
        if (!c.next() || generationOf(c.key(), dataFile) != generation || chunkStartOf(c.key(), dataFile) != position
                || c.val().limit() == 0) {
            throw missing(generation, position);
        }
        return checkedChunk(c.val(), generation, position);
    }

    /**
     * LMDB keeps no checksums; a chunk longer than any this store writes means a damaged page, and reading it
     * could run off the map, so it is refused.
     */
    private ByteBuffer checkedChunk(final ByteBuffer chunk, final long generation, final int position) {
        if (chunk.limit() > CHUNK_BYTES) {
            throw new StorageException(dataFile.toString(), "corrupt chunk of " + chunk.limit() + " bytes (at most "
                    + CHUNK_BYTES + ") near position " + position + " of generation " + generation);
        }
        return chunk;
    }

    private StorageException missing(final long generation, final int position) {
        return new StorageException(dataFile.toString(), "no stored bytes at position " + position
                + " of generation " + generation + " (corrupt store, or a read past the committed size)");
    }

    private void putData(final Txn<ByteBuffer> txn, final ByteBuffer key, final ByteBuffer value,
                         final boolean append) {
        if (append) {
            try {
                data.put(txn, key, value, PutFlags.MDB_APPEND);
                return;
            } catch (final Dbi.KeyExistsException notGreatest) {
                // Not the greatest key after all; LMDB changed nothing, so a plain insert is correct.
            }
        }
        data.put(txn, key, value);
    }

    private long[] retiredGenerations(final Txn<ByteBuffer> txn, final long id, final boolean onlyId) {
        long[] found = new long[4];
        int n = 0;
        try (Cursor<ByteBuffer> c = retired.openCursor(txn)) {
            for (boolean more = c.first(); more; more = c.next()) {
                final long segmentId = LmdbLayout.longOf(c.val(), dataFile, "retired value");
                if (!onlyId || segmentId == id) {
                    if (n == found.length) {
                        found = Arrays.copyOf(found, n * 2);
                    }
                    found[n++] = LmdbLayout.longOf(c.key(), dataFile, "retired key");
                }
            }
        }
        return Arrays.copyOf(found, n);
    }

    private void deleteGeneration(final Txn<ByteBuffer> txn, final long generation) {
        final ByteBuffer key = LmdbLayout.keyBuffer();
        try (Cursor<ByteBuffer> c = data.openCursor(txn)) {
            while (c.get(dataKey(key, generation, 0), GetOp.MDB_SET_RANGE) && generationOf(c.key(), dataFile) == generation) {
                c.delete();
            }
        }
        try (Cursor<ByteBuffer> c = index.openCursor(txn)) {
            while (c.get(indexKey(key, generation, LmdbLayout.OFFSET_INDEX_KIND, 0), GetOp.MDB_SET_RANGE)
                    && LmdbLayout.indexGenerationOf(c.key(), dataFile) == generation) {
                c.delete();
            }
        }
        retired.delete(txn, longKey(key, generation));
    }

    /** Body of a write transaction; may run more than once (after the map grew), so it must be repeatable. */
    @FunctionalInterface
    private interface WriteBody {
        void run(Txn<ByteBuffer> txn);
    }

    /** A write body that may find nothing to change: it returns false, and the transaction is aborted. */
    @FunctionalInterface
    private interface MaybeWriteBody {
        boolean run(Txn<ByteBuffer> txn);
    }

    @FunctionalInterface
    private interface ReadBody<T> {
        T run(ReadSlot slot);
    }

    private void write(final WriteBody body) {
        maybeWrite(txn -> {
            body.run(txn);
            return true;
        });
    }

    private void maybeWrite(final MaybeWriteBody body) {
        while (true) {
            final long stamp = envLock.readLock();
            try (Txn<ByteBuffer> txn = env.txnWrite()) {
                if (!body.run(txn)) {
                    return; // aborted by close: nothing written, nothing to sync
                }
                txn.commit();
                commits.incrementAndGet();
                return;
            } catch (final Env.MapFullException full) {
                // fall through to grow, outside the read lock
            } catch (final LmdbException e) {
                throw failure("write", e);
            } finally {
                envLock.unlockRead(stamp);
            }
            grow();
        }
    }

    private <T> T readTxn(final ReadBody<T> body) {
        final long stamp = envLock.readLock();
        try {
            ensureOpen();
            final ReadSlot slot = readSlots.borrow();
            try {
                return body.run(slot);
            } finally {
                readSlots.release(slot);
            }
        } catch (final LmdbException e) {
            throw failure("read", e);
        } finally {
            envLock.unlockRead(stamp);
        }
    }

    private void grow() {
        final long stamp = envLock.writeLock();
        try {
            ensureOpen();
            final long current = env.info().mapSize;
            env.setMapSize(current + Math.min(current, MAX_GROWTH_STEP));
        } catch (final LmdbException e) {
            throw failure("growing the map", e);
        } finally {
            envLock.unlockWrite(stamp);
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("partition store " + name + " is closed");
        }
    }

    private StorageException failure(final String what, final LmdbException e) {
        return new StorageException(dataFile.toString(), what + " failed in partition " + name + ": "
                + e.getMessage(), e);
    }

    private static Path realPath(final Path directory) {
        try {
            return directory.toRealPath();
        } catch (final IOException e) {
            return directory.toAbsolutePath().normalize();
        }
    }

    private static ByteBuffer longValue(final long value) {
        return ByteBuffer.allocateDirect(Long.BYTES).putLong(0, value);
    }

    private static ByteBuffer ascii(final String s) {
        final byte[] bytes = s.getBytes(StandardCharsets.US_ASCII);
        return ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
    }
}
