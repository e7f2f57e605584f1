package io.sediment.backend.mmap;

import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Takes written pages of a shared file mapping out of the process's resident set with
 * {@code madvise(MADV_DONTNEED)}, keeping their bytes.
 *
 * <p>Why that loses nothing: for a {@code MAP_SHARED} file mapping, {@code MADV_DONTNEED} only removes the
 * process's page-table entries. A dirty entry marks its page-cache page dirty as it is removed, the page stays in
 * the page cache and is written back as usual ({@code msync} and {@code fsync} still find it), and the next access
 * through the mapping faults the same, up-to-date bytes back in (madvise(2): "repopulating the memory contents
 * from the up-to-date contents of the underlying mapped file (for shared file mappings ...)"; "The resident set
 * size (RSS) of the calling process will be immediately reduced"). It is the page-cache accounting Kafka gets by
 * writing with {@code write(2)}: the bytes are cached by the kernel, not counted as the broker's memory.
 *
 * <p>Loaded lazily, off the caller's thread: the first {@link #get()} starts one daemon thread that loads jffi's
 * native library ({@link JffiMadvise}); until it is done {@link #get()} returns null and callers simply drop
 * nothing yet. So neither start-up nor the append that first asks pays for the native load. Where madvise cannot be
 * called (not Linux, jffi absent or unable to load its library), one line is logged and {@link #get()} stays null:
 * pages then stay mapped until close, as they always did.
 *
 * <p>Threading: {@link #get()} and {@link #dontNeed} from any thread. Callers must guarantee the range is still
 * mapped (never madvise a range after its munmap: the addresses may belong to another mapping by then);
 * {@link ResidentPages} does that with its lock.
 */
final class PageDropper {
    private static final System.Logger LOG = System.getLogger(PageDropper.class.getName());

    private static final AtomicBoolean LOAD_STARTED = new AtomicBoolean();
    private static final CountDownLatch LOADED = new CountDownLatch(1);
    private static final AtomicBoolean FAILURE_LOGGED = new AtomicBoolean();
    /** Null until loaded, and for ever where madvise is unavailable. */
    private static volatile PageDropper instance;

    private final JffiMadvise madvise;
    private final long pageSize;

    private PageDropper(final JffiMadvise madvise) {
        this.madvise = madvise;
        this.pageSize = madvise.pageSize();
    }

    /** The dropper, or null while it loads (the first call starts loading) or where it is unavailable. */
    static PageDropper get() {
        final PageDropper dropper = instance;
        if (dropper == null && !LOAD_STARTED.get() && LOAD_STARTED.compareAndSet(false, true)) {
            final Thread loader = new Thread(PageDropper::load, "sediment-mmap-madvise-loader");
            loader.setDaemon(true);
            loader.start();
        }
        return dropper;
    }

    /** Starts loading if needed and waits for it: tests, which must know whether pages are really dropped. */
    static boolean awaitAvailable(final long timeout, final TimeUnit unit) throws InterruptedException {
        get();
        LOADED.await(timeout, unit);
        return instance != null;
    }

    private static void load() {
        try {
            final String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
            if (!os.startsWith("linux")) {
                LOG.log(System.Logger.Level.INFO, "mmap backend: page dropping needs Linux's madvise (this is "
                        + os + "); written segment pages stay mapped, and counted in RSS, until the segment closes");
                return;
            }
            instance = new PageDropper(JffiMadvise.load());
            LOG.log(System.Logger.Level.DEBUG, "mmap backend: written segment pages are dropped from the "
                    + "process's mappings with madvise(MADV_DONTNEED) through jffi");
        } catch (LinkageError | RuntimeException e) {
            LOG.log(System.Logger.Level.INFO, "mmap backend: cannot call madvise through jffi (" + e
                    + "); written segment pages stay mapped, and counted in RSS, until the segment closes");
        } finally {
            LOADED.countDown();
        }
    }

    /**
     * Drops the whole pages of {@code [from, to)} of {@code mapping} (offsets into it, rounded inwards to this
     * machine's page size). A failure is logged once per JVM and otherwise ignored: the bytes are unaffected, they
     * just stay resident.
     *
     * @return whether the range was dropped
     */
    boolean dontNeed(final ByteBuffer mapping, final long from, final long to) {
        final long start = (from + pageSize - 1) / pageSize * pageSize;
        final long end = Math.min(to, mapping.capacity()) / pageSize * pageSize;
        if (end <= start) {
            return true;
        }
        final int errno = madvise.dontNeed(mapping, start, end);
        if (errno != 0 && FAILURE_LOGGED.compareAndSet(false, true)) {
            LOG.log(System.Logger.Level.WARNING, "mmap backend: madvise(MADV_DONTNEED) of bytes " + start + " to "
                    + end + " of a " + mapping.capacity() + "-byte mapping failed with errno " + errno
                    + "; those pages stay resident (logged once)");
        }
        return errno == 0;
    }
}
