package io.sediment.backend.mmap;

import io.sediment.api.spi.BackendStore;
import io.sediment.api.spi.StorageBackend;

import java.nio.file.Path;

/**
 * The {@code mmap} storage backend: segments as memory-mapped files in Kafka's layout,
 *
 * <pre>
 *   &lt;dir&gt;/&lt;topic&gt;-&lt;partition&gt;/00000000000000000000.log        segment data (appended bytes)
 *                                  00000000000000000000.index      offset index region
 *                                  00000000000000000000.timeindex  time index region
 *                                  00000000000000000000.log.deleted   a retired segment, until destroyed
 * </pre>
 *
 * so Kafka's {@code DumpLogSegments} reads a trimmed {@code .log}, and anyone who knows a Kafka data directory
 * finds their way. Appends are copies into a shared mapping (close to memcpy speed), or, from the write threshold
 * ({@value #WRITE_THRESHOLD_PROPERTY}, 64 KiB by default) up, {@code write(2)}s into the same page cache; reads hand
 * out slices of the mapping, and {@code transferTo} uses {@code sendfile}. Runs on a plain {@code java}: mappings are
 * released on close through {@code sun.misc.Unsafe#invokeCleaner}, which needs no JVM flags.
 *
 * <p>Resident window: pages written or read through a mapping would count in the process's resident set until
 * the segment closes; the backend drops them (madvise, keeping the bytes in the page cache) so that the mappings of
 * each store (data directory) hold about {@code resident.bytes} of written data resident, shared by all its
 * segments. Set it with {@link #MmapStorageBackend(long)}
 * or, for a backend found by name, the system property {@value #RESIDENT_BYTES_PROPERTY}: a number of bytes
 * or {@code unbounded} (the default: every touched page stays mapped, so random reads stay memory reads). The
 * broker's {@code main} sets 4194304 (4 MiB, for its whole log directory) unless the property is given.
 *
 * <p>Threading: immutable; {@link #open} may be called from any thread.
 */
public final class MmapStorageBackend implements StorageBackend {
    /** The name to select this backend by ({@code log.backend=mmap}). */
    public static final String NAME = "mmap";
    /** System property read by {@link #MmapStorageBackend()}: the resident window in bytes, or {@code unbounded}. */
    public static final String RESIDENT_BYTES_PROPERTY = "sediment.mmap.resident.bytes";
    /**
     * System property read by {@link #MmapStorageBackend()} and {@link #MmapStorageBackend(long)}: appends of at
     * least this many bytes are written with {@code write(2)} instead of copied through the mapping; {@code never}
     * copies every append. Default {@value #DEFAULT_WRITE_THRESHOLD}.
     */
    public static final String WRITE_THRESHOLD_PROPERTY = "sediment.mmap.write.threshold";
    static final long DEFAULT_WRITE_THRESHOLD = 64 * 1024;
    /** The write threshold that sends no append through {@code write(2)}: every append is a copy into the mapping. */
    static final long NEVER_WRITE = Long.MAX_VALUE;

    private final ResidencyPolicy residency;
    private final long writeThreshold;

    /**
     * The resident window from {@value #RESIDENT_BYTES_PROPERTY}, unbounded when it is absent; found by ServiceLoader.
     *
     * @throws IllegalArgumentException naming the property when its value is not a byte count or {@code unbounded}
     */
    public MmapStorageBackend() {
        this(ResidencyPolicy.parse(RESIDENT_BYTES_PROPERTY, System.getProperty(RESIDENT_BYTES_PROPERTY)),
                writeThreshold(System.getProperty(WRITE_THRESHOLD_PROPERTY)));
    }

    /**
     * A backend whose stores each keep about {@code residentBytes} of their segments' written data mapped resident,
     * shared by all segments of the store; negative: unbounded (every page written or read stays mapped until its
     * segment closes).
     */
    public MmapStorageBackend(final long residentBytes) {
        this(ResidencyPolicy.of(residentBytes), writeThreshold(System.getProperty(WRITE_THRESHOLD_PROPERTY)));
    }

    /** Tests: a resident window and a write threshold ({@link #NEVER_WRITE}: every append through the mapping). */
    MmapStorageBackend(final long residentBytes, final long writeThreshold) {
        this(ResidencyPolicy.of(residentBytes), writeThreshold);
    }

    private MmapStorageBackend(final ResidencyPolicy residency, final long writeThreshold) {
        this.residency = residency;
        this.writeThreshold = writeThreshold;
    }

    /**
     * The write threshold named by {@value #WRITE_THRESHOLD_PROPERTY}'s text: bytes, or {@code never}
     * ({@link #NEVER_WRITE}); absent: {@value #DEFAULT_WRITE_THRESHOLD}.
     *
     * @throws IllegalArgumentException naming the property when the text is neither
     */
    static long writeThreshold(final String text) {
        return ByteSetting.parse(WRITE_THRESHOLD_PROPERTY, text, "never", NEVER_WRITE, DEFAULT_WRITE_THRESHOLD);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public BackendStore open(final Path directory) {
        return MmapBackendStore.open(directory, residency, writeThreshold);
    }

    @Override
    public String toString() {
        return NAME;
    }
}
