package io.sediment.backend.lmdb;

import io.sediment.api.StorageException;
import io.sediment.api.spi.Uninterruptibly;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.BitSet;

/**
 * Checks the structure of a {@code data.mdb} from the file, before LMDB maps it. LMDB trusts its pages: a
 * truncated file faults (SIGBUS) on first touch, and a damaged branch or leaf page can send the C code through a
 * wild pointer (SIGSEGV), either of which kills the JVM. This walks every B-tree the environment holds and refuses
 * the file, naming it and the page, before any of that can happen.
 *
 * <p>The LMDB 0.9 on-disk format it reads (integers in native byte order, as LMDB writes them):
 * <pre>
 *  page header (16 bytes)  0 pgno:u64 | 8 pad:u16 | 10 flags:u16 | 12 lower:u16 | 14 upper:u16   (overflow: 12 pages:u32)
 *  meta (pages 0 and 1)    16 magic:u32 0xBEEFC0DE | 20 version:u32 1 | 24 address | 32 mapsize
 *                          | 40 free db (48 bytes) | 88 main db (48 bytes) | 136 last_pg:u64 | 144 txnid:u64
 *  db record (48 bytes)    0 pad:u32 (free db: page size) | 4 flags:u16 | 6 depth:u16 | 8..39 page/entry counts
 *                          | 40 root:u64 (~0 when empty)
 *  node (at page + ptr[i]) 0 lo:u16 | 2 hi:u16 | 4 flags:u16 | 6 ksize:u16 | 8 key | data
 *                          branch: child = lo | hi&lt;&lt;16 | flags&lt;&lt;32; leaf: size = lo | hi&lt;&lt;16, F_BIGDATA:
 *                          data is the u64 page number of an overflow run of (16 - 1 + size) / psize + 1 pages
 * </pre>
 *
 * <p>What it checks: the meta page LMDB will pick (the greater txnid) has the magic, version and a sane page size;
 * {@code last_pg} lies inside the file; every page reached has its own number in its header, the expected kind
 * (branch above leaf, leaf at depth 1), sane lower/upper bounds and node offsets inside the page; leaf nodes carry
 * only the flags this store uses (never {@code F_DUPDATA}); overflow runs are inside {@code last_pg}, marked as
 * overflow and as long as their value needs; free-list records are well-formed page lists keyed by a transaction id
 * that exists (1 to the meta page's); no page is reached twice, and no page is both reachable and free or free twice.
 * The last three matter because LMDB only trusts its free list at the next write: reusing a page that is still in
 * use, or one page twice, trips an assertion in {@code mdb_page_dirty} that aborts the JVM (the corruption fuzz found
 * it with one byte of a free-list key zeroed). It does not (cannot: LMDB keeps no checksums) detect damaged value
 * bytes; the engine's batch CRCs do.
 *
 * <p>Cost: one read of every branch and leaf page and 16 bytes per overflow run (one per 64 KiB chunk), that is a
 * few percent of the file. Threading: a fresh instance per check, one thread.
 */
final class LmdbFileCheck {
    private static final int MAGIC = 0xBEEFC0DE;
    private static final int VERSION = 1;
    private static final int PAGE_HEADER = 16;
    private static final int NODE_HEADER = 8;
    private static final int META_FREE_DB = 40;
    private static final int META_MAIN_DB = 88;
    private static final int META_LAST_PG = 136;
    private static final int META_TXNID = 144;
    private static final int DB_FLAGS = 4;
    private static final int DB_DEPTH = 6;
    private static final int DB_ROOT = 40;
    private static final int DB_RECORD = 48;
    private static final int P_BRANCH = 0x01;
    private static final int P_LEAF = 0x02;
    private static final int P_OVERFLOW = 0x04;
    private static final int F_BIGDATA = 0x01;
    private static final int F_SUBDATA = 0x02;
    private static final int MDB_DUPSORT = 0x04;
    private static final long NO_ROOT = -1L;
    private static final int MAX_DEPTH = 32;

    private final Path file;
    private final FileChannel channel;
    private final long fileLength;
    private int pageSize;
    private long lastPage;
    /** One page buffer per tree level, for the outer trees (free list, main) and the named ones inside main. */
    private ByteBuffer[] outer;
    private ByteBuffer[] inner;
    private final ByteBuffer header = ByteBuffer.allocate(PAGE_HEADER).order(ByteOrder.nativeOrder());
    private long txnid;
    /** Pages reached from the trees (branch, leaf, overflow), and pages the free list names. */
    private BitSet inUse;
    private BitSet free;

    private LmdbFileCheck(final Path file, final FileChannel channel, final long fileLength) {
        this.file = file;
        this.channel = channel;
        this.fileLength = fileLength;
    }

    /**
     * @return the file's length
     * @throws StorageException naming {@code dataFile} and what is wrong with it
     */
    static long check(final Path dataFile) {
        try {
            return Uninterruptibly.run(() -> {
                try (FileChannel channel = FileChannel.open(dataFile, StandardOpenOption.READ)) {
                    final long length = channel.size();
                    new LmdbFileCheck(dataFile, channel, length).run();
                    return length;
                }
            });
        } catch (final IOException e) {
            throw new StorageException(dataFile.toString(), "cannot read LMDB data file: " + e, e);
        }
    }

    private void run() throws IOException {
        if (fileLength == 0) {
            // LMDB would take an empty file for a new environment and silently start over.
            throw corrupt("LMDB data file is empty (truncated)");
        }
        final ByteBuffer meta0 = readMeta(0, 4096);
        final int psize = meta0.getInt(META_FREE_DB);
        if (psize < 512 || psize > 65536 || Integer.bitCount(psize) != 1) {
            throw corrupt("not an LMDB data file: page size " + psize + " in meta page 0");
        }
        pageSize = psize;
        final ByteBuffer meta1 = readMeta(1, psize);
        final ByteBuffer meta = meta0.getLong(META_TXNID) >= meta1.getLong(META_TXNID) ? meta0 : meta1;
        lastPage = meta.getLong(META_LAST_PG);
        txnid = meta.getLong(META_TXNID);
        final long used = (lastPage + 1) * pageSize;
        if (lastPage < 1 || used > fileLength || used < 0) {
            throw corrupt("LMDB data file is truncated: it has " + fileLength + " bytes but its last committed "
                    + "transaction uses " + used);
        }
        if (lastPage >= Integer.MAX_VALUE) {
            throw corrupt("LMDB data file of " + lastPage + " pages: more than this check can track");
        }
        inUse = new BitSet((int) lastPage + 1);
        free = new BitSet((int) lastPage + 1);
        outer = pageBuffers();
        inner = pageBuffers();
        walkDb(meta, META_FREE_DB, Tree.FREE, "free list");
        walkDb(meta, META_MAIN_DB, Tree.MAIN, "main");
        if (inUse.intersects(free)) {
            final BitSet both = (BitSet) inUse.clone();
            both.and(free);
            throw corrupt("corrupt LMDB free list: page " + both.nextSetBit(0) + " is free and in use");
        }
    }

    /** Marks {@code pages} pages from {@code pgno} as reached; a page reached twice means a damaged reference. */
    private void markInUse(final long pgno, final long pages, final String name) {
        for (long p = pgno; p < pgno + pages; p++) {
            if (inUse.get((int) p)) {
                throw corrupt("corrupt LMDB page reference in database '" + name + "': page " + p
                        + " is reached twice");
            }
            inUse.set((int) p);
        }
    }

    private ByteBuffer[] pageBuffers() {
        final ByteBuffer[] buffers = new ByteBuffer[MAX_DEPTH + 1];
        for (int i = 0; i < buffers.length; i++) {
            buffers[i] = ByteBuffer.allocate(pageSize).order(ByteOrder.nativeOrder());
        }
        return buffers;
    }

    private ByteBuffer readMeta(final int index, final int psize) throws IOException {
        final ByteBuffer page = ByteBuffer.allocate(META_TXNID + Long.BYTES).order(ByteOrder.nativeOrder());
        final long at = (long) index * psize;
        if (fileLength < at + page.capacity() || channel.read(page, at) != page.capacity()) {
            throw corrupt("not an LMDB data file: too short for meta page " + index + " (" + fileLength + " bytes)");
        }
        if (page.getInt(PAGE_HEADER) != MAGIC) {
            throw corrupt("not an LMDB data file (bad meta page magic in page " + index + ")");
        }
        if (page.getInt(PAGE_HEADER + 4) != VERSION) {
            throw corrupt("not an LMDB data file of format version " + VERSION + " (meta page " + index + ")");
        }
        return page;
    }

    private enum Tree { FREE, MAIN, NAMED }

    private void walkDb(final ByteBuffer record, final int at, final Tree tree, final String name)
            throws IOException {
        final int flags = record.getShort(at + DB_FLAGS) & 0xFFFF;
        final int depth = record.getShort(at + DB_DEPTH) & 0xFFFF;
        final long root = record.getLong(at + DB_ROOT);
        if ((flags & MDB_DUPSORT) != 0) {
            throw corrupt("database '" + name + "' claims DUPSORT, which this store never uses");
        }
        if (root == NO_ROOT) {
            return;
        }
        if (depth < 1 || depth > MAX_DEPTH) {
            throw corrupt("database '" + name + "' has depth " + depth);
        }
        walk(root, depth, tree, name);
    }

    private void walk(final long pgno, final int depth, final Tree tree, final String name) throws IOException {
        final ByteBuffer page = readPage(pgno, (tree == Tree.NAMED ? inner : outer)[depth], name);
        markInUse(pgno, 1, name);
        final int flags = page.getShort(10) & 0xFFFF;
        final int expected = depth == 1 ? P_LEAF : P_BRANCH;
        if ((flags & (P_BRANCH | P_LEAF | P_OVERFLOW)) != expected || (flags & ~(P_BRANCH | P_LEAF)) != 0) {
            throw corruptPage(pgno, name, "flags 0x" + Integer.toHexString(flags) + " where a "
                    + (depth == 1 ? "leaf" : "branch") + " page belongs");
        }
        final int lower = page.getShort(12) & 0xFFFF;
        final int upper = page.getShort(14) & 0xFFFF;
        if (lower < PAGE_HEADER || (lower & 1) != 0 || upper < lower || upper > pageSize) {
            throw corruptPage(pgno, name, "bounds lower " + lower + ", upper " + upper);
        }
        final int keys = (lower - PAGE_HEADER) >>> 1;
        if (depth > 1 && keys == 0) {
            throw corruptPage(pgno, name, "empty branch page");
        }
        for (int i = 0; i < keys; i++) {
            final int node = page.getShort(PAGE_HEADER + 2 * i) & 0xFFFF;
            if (node < upper || node + NODE_HEADER > pageSize) {
                throw corruptPage(pgno, name, "node " + i + " at offset " + node);
            }
            final long lo = page.getShort(node) & 0xFFFFL;
            final long hi = page.getShort(node + 2) & 0xFFFFL;
            final int nodeFlags = page.getShort(node + 4) & 0xFFFF;
            final int keySize = page.getShort(node + 6) & 0xFFFF;
            final int dataAt = node + NODE_HEADER + keySize;
            if (keySize > 511 || dataAt > pageSize) {
                throw corruptPage(pgno, name, "node " + i + " key of " + keySize + " bytes");
            }
            if (depth > 1) {
                walk(lo | hi << 16 | (long) nodeFlags << 32, depth - 1, tree, name);
                continue;
            }
            final long size = lo | hi << 16;
            final boolean big = (nodeFlags & F_BIGDATA) != 0;
            final int allowed = tree == Tree.MAIN ? F_SUBDATA : F_BIGDATA;
            if ((nodeFlags & ~allowed) != 0) {
                throw corruptPage(pgno, name, "node " + i + " flags 0x" + Integer.toHexString(nodeFlags));
            }
            if (tree == Tree.FREE) {
                // Key: the id of the transaction that freed the pages. 0 is never a transaction id.
                final long freedBy = keySize == Long.BYTES ? page.getLong(node + NODE_HEADER) : -1;
                if (freedBy < 1 || freedBy > txnid) {
                    throw corruptPage(pgno, name, "node " + i + " key of " + keySize + " bytes is not a transaction "
                            + "id in [1, " + txnid + "]");
                }
            }
            if (big) {
                if (dataAt + Long.BYTES > pageSize) {
                    throw corruptPage(pgno, name, "node " + i + " overflow reference outside the page");
                }
                final long run = page.getLong(dataAt);
                checkOverflow(run, size, name);
                if (tree == Tree.FREE) {
                    checkFreeList(readOverflowValue(run, size, name), 0, size, run, name);
                }
            } else if (dataAt + size > pageSize) {
                throw corruptPage(pgno, name, "node " + i + " value of " + size + " bytes outside the page");
            }
            if (tree == Tree.MAIN) {
                if ((nodeFlags & F_SUBDATA) == 0 || size != DB_RECORD) {
                    throw corruptPage(pgno, name, "node " + i + " is not a named-database record");
                }
                final ByteBuffer record = ByteBuffer.allocate(DB_RECORD).order(ByteOrder.nativeOrder());
                record.put(0, page, dataAt, DB_RECORD);
                final String dbName = ascii(page, node + NODE_HEADER, keySize);
                walkDb(record, 0, Tree.NAMED, dbName);
            } else if (tree == Tree.FREE && !big) {
                checkFreeList(page, dataAt, size, pgno, name);
            }
        }
    }

    private void checkOverflow(final long pgno, final long size, final String name) throws IOException {
        final long pages = (PAGE_HEADER - 1 + size) / pageSize + 1;
        if (pgno < 2 || pgno + pages - 1 > lastPage) {
            throw corrupt("corrupt LMDB page reference in database '" + name + "': overflow run " + pgno + "+"
                    + pages + " beyond the last page " + lastPage);
        }
        header.clear();
        if (channel.read(header, pgno * pageSize) != PAGE_HEADER) {
            throw corruptPage(pgno, name, "unreadable overflow header");
        }
        final int flags = header.getShort(10) & 0xFFFF;
        if (header.getLong(0) != pgno || flags != P_OVERFLOW || (header.getInt(12) & 0xFFFFFFFFL) != pages) {
            throw corruptPage(pgno, name, "bad overflow header (flags 0x" + Integer.toHexString(flags) + ", "
                    + (header.getInt(12) & 0xFFFFFFFFL) + " pages, expected " + pages + ")");
        }
        markInUse(pgno, pages, name);
    }

    /** The value stored in the overflow run at {@code pgno} (checked by {@link #checkOverflow}). */
    private ByteBuffer readOverflowValue(final long pgno, final long size, final String name) throws IOException {
        if (size > Integer.MAX_VALUE - PAGE_HEADER) {
            throw corruptPage(pgno, name, "overflow value of " + size + " bytes");
        }
        final ByteBuffer value = ByteBuffer.allocate((int) size).order(ByteOrder.nativeOrder());
        if (channel.read(value, pgno * pageSize + PAGE_HEADER) != size) {
            throw corruptPage(pgno, name, "short read of an overflow value");
        }
        return value;
    }

    private void checkFreeList(final ByteBuffer page, final int at, final long size, final long pgno,
                               final String name) {
        if (size < Long.BYTES || size % Long.BYTES != 0) {
            throw corruptPage(pgno, name, "free-list record of " + size + " bytes");
        }
        final long count = page.getLong(at);
        if (count != size / Long.BYTES - 1) {
            throw corruptPage(pgno, name, "free-list record counts " + count + " pages in " + size + " bytes");
        }
        for (int i = 1; i <= count; i++) {
            final long freePage = page.getLong(at + i * Long.BYTES);
            if (freePage < 2 || freePage > lastPage) {
                throw corruptPage(pgno, name, "free page " + freePage + " beyond the last page " + lastPage);
            }
            if (free.get((int) freePage)) {
                throw corruptPage(pgno, name, "free page " + freePage + " listed twice");
            }
            free.set((int) freePage);
        }
    }

    private ByteBuffer readPage(final long pgno, final ByteBuffer into, final String name) throws IOException {
        if (pgno < 2 || pgno > lastPage) {
            throw corrupt("corrupt LMDB page reference in database '" + name + "': page " + pgno
                    + " outside [2, " + lastPage + "]");
        }
        into.clear();
        if (channel.read(into, pgno * pageSize) != pageSize) {
            throw corruptPage(pgno, name, "short read");
        }
        if (into.getLong(0) != pgno) {
            throw corruptPage(pgno, name, "its header names page " + into.getLong(0));
        }
        return into;
    }

    private static String ascii(final ByteBuffer page, final int at, final int length) {
        final StringBuilder s = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            final int c = page.get(at + i) & 0xFF;
            s.append(c >= 0x20 && c < 0x7F ? (char) c : '?');
        }
        return s.toString();
    }

    private StorageException corruptPage(final long pgno, final String name, final String what) {
        return corrupt("corrupt LMDB page " + pgno + " in database '" + name + "': " + what);
    }

    private StorageException corrupt(final String message) {
        return new StorageException(file.toString(), message);
    }
}
