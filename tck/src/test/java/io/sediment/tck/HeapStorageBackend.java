package io.sediment.tck;

import io.sediment.api.StorageException;
import io.sediment.api.spi.BackendStore;
import io.sediment.api.spi.IndexRegion;
import io.sediment.api.spi.PartitionStore;
import io.sediment.api.spi.SegmentData;
import io.sediment.api.spi.SegmentFiles;
import io.sediment.api.spi.SegmentSpec;
import io.sediment.api.spi.StorageBackend;

import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A reference backend that keeps everything on the heap, keyed by directory, so that it "survives" closing and
 * reopening within one JVM. It exists to show that the kit runs against a backend with no files at all; it is not
 * fast and not durable. Views are copies, which the SPI allows.
 *
 * <p>Threading: as the SPI; data arrays are replaced on growth and published through volatile fields.
 */
public final class HeapStorageBackend implements StorageBackend {
    /** Every store ever opened in this JVM, by absolute directory. */
    static final Map<Path, Map<String, Partition>> STORES = new ConcurrentHashMap<>();

    public HeapStorageBackend() {
        // found by ServiceLoader
    }

    @Override
    public String name() {
        return "heap";
    }

    @Override
    public BackendStore open(final Path directory) {
        final Path dir = directory.toAbsolutePath().normalize();
        try {
            java.nio.file.Files.createDirectories(dir); // the SPI: open creates the directory if needed
        } catch (java.io.IOException e) {
            throw new StorageException(dir.toString(), "cannot create", e);
        }
        return new Store(dir, STORES.computeIfAbsent(dir, d -> Collections.synchronizedMap(new TreeMap<>())));
    }

    /** Bytes held for the store in {@code dir}: live and retired data and index bytes. */
    static long heldBytes(final Path dir) {
        long total = 0;
        for (Map.Entry<Path, Map<String, Partition>> store : STORES.entrySet()) {
            if (store.getKey().startsWith(dir.toAbsolutePath().normalize())) {
                for (Partition partition : store.getValue().values()) {
                    for (Segment segment : partition.live.values()) {
                        total += segment.heldBytes();
                    }
                    for (Segment segment : partition.retired.values()) {
                        total += segment.heldBytes();
                    }
                }
            }
        }
        return total;
    }

    static final class Partition {
        final Map<Long, Segment> live = new TreeMap<>();
        final Map<Long, Segment> retired = new TreeMap<>();
    }

    /** What a segment "stores": its data length and bytes, and its two regions. */
    static final class Segment {
        volatile byte[] bytes = new byte[0];
        volatile int length;
        final Region offsetIndex = new Region();
        final Region timeIndex = new Region();

        long heldBytes() {
            return length + offsetIndex.length + timeIndex.length;
        }
    }

    static final class Region {
        ByteBuffer bytes = ByteBuffer.allocate(0);
        int length;
    }

    private static final class Store implements BackendStore {
        private final Path dir;
        private final Map<String, Partition> partitions;

        Store(final Path dir, final Map<String, Partition> partitions) {
            this.dir = dir;
            this.partitions = partitions;
        }

        @Override
        public Path directory() {
            return dir;
        }

        @Override
        public SortedSet<String> partitions() {
            synchronized (partitions) {
                return new TreeSet<>(partitions.keySet());
            }
        }

        @Override
        public PartitionStore createPartition(final String name) {
            check(name);
            if (partitions.putIfAbsent(name, new Partition()) != null) {
                throw new StorageException(name, "exists");
            }
            return new Partitions(name, partitions.get(name));
        }

        @Override
        public PartitionStore openPartition(final String name) {
            check(name);
            final Partition partition = partitions.get(name);
            if (partition == null) {
                throw new StorageException(name, "no such partition");
            }
            return new Partitions(name, partition);
        }

        @Override
        public void deletePartition(final String name) {
            check(name);
            if (partitions.remove(name) == null) {
                throw new StorageException(name, "no such partition");
            }
        }

        private void check(final String name) {
            if (name.isEmpty() || name.equals(".") || name.equals("..") || name.contains("/") || name.contains("\\")
                    || !dir.equals(dir.resolve(name).normalize().getParent())) {
                throw new StorageException(name, "invalid name");
            }
        }

        @Override
        public void close() {
        }
    }

    private static final class Partitions implements PartitionStore {
        private final String name;
        private final Partition partition;

        Partitions(final String name, final Partition partition) {
            this.name = name;
            this.partition = partition;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public long[] segmentIds() {
            return partition.live.keySet().stream().mapToLong(Long::longValue).toArray();
        }

        @Override
        public SegmentFiles createSegment(final long id, final SegmentSpec spec) {
            if (partition.live.containsKey(id)) {
                throw new StorageException(name + "/" + id, "exists");
            }
            final Segment segment = new Segment();
            partition.live.put(id, segment);
            return new Files(id, segment, spec);
        }

        @Override
        public SegmentFiles openSegment(final long id, final SegmentSpec spec) {
            final Segment segment = partition.live.get(id);
            if (segment == null) {
                throw new StorageException(name + "/" + id, "no such segment");
            }
            return new Files(id, segment, spec);
        }

        @Override
        public void retireSegment(final long id) {
            final Segment segment = partition.live.remove(id);
            if (segment == null) {
                throw new StorageException(name + "/" + id, "no such segment");
            }
            partition.retired.put(id, segment);
        }

        @Override
        public void destroyRetiredSegment(final long id) {
            partition.retired.remove(id);
        }

        @Override
        public void purgeRetiredSegments() {
            partition.retired.clear();
        }

        @Override
        public void close() {
        }
    }

    private static final class Files implements SegmentFiles {
        private final long id;
        private final Data data;
        private final Index offsetIndex;
        private final Index timeIndex;

        Files(final long id, final Segment segment, final SegmentSpec spec) {
            this.id = id;
            this.data = new Data(segment);
            this.offsetIndex = new Index(segment.offsetIndex, spec.offsetIndexCapacity(), data);
            this.timeIndex = new Index(segment.timeIndex, spec.timeIndexCapacity(), data);
        }

        @Override
        public long id() {
            return id;
        }

        @Override
        public SegmentData data() {
            return data;
        }

        @Override
        public IndexRegion offsetIndex() {
            return offsetIndex;
        }

        @Override
        public IndexRegion timeIndex() {
            return timeIndex;
        }

        @Override
        public void close() {
            data.closed = true;
        }
    }

    private static final class Data implements SegmentData {
        private final Segment segment;
        volatile boolean closed;

        Data(final Segment segment) {
            this.segment = segment;
        }

        @Override
        public int size() {
            return segment.length;
        }

        @Override
        public void append(final ByteBuffer src) {
            open();
            final int at = segment.length;
            final int length = src.remaining();
            byte[] bytes = segment.bytes;
            if (at + length > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(at + length, 2 * bytes.length));
            }
            src.get(bytes, at, length);
            segment.bytes = bytes;
            segment.length = at + length;
        }

        @Override
        public void truncateTo(final int size) {
            open();
            if (size < 0 || size > segment.length) {
                throw new IllegalArgumentException("truncate to " + size);
            }
            Arrays.fill(segment.bytes, size, segment.length, (byte) 0);
            segment.length = size;
        }

        @Override
        public void read(final int position, final ByteBuffer dst) {
            open();
            check(position, dst.remaining());
            dst.put(segment.bytes, position, dst.remaining());
        }

        @Override
        public ByteBuffer view(final int position, final int length) {
            open();
            check(position, length);
            return ByteBuffer.wrap(Arrays.copyOfRange(segment.bytes, position, position + length)).asReadOnlyBuffer();
        }

        @Override
        public long transferTo(final int position, final long count, final WritableByteChannel target)
                throws java.io.IOException {
            open();
            final int length = (int) Math.min(count, segment.length - position);
            check(position, length);
            return target.write(ByteBuffer.wrap(segment.bytes, position, length));
        }

        @Override
        public void flush() {
            open();
        }

        @Override
        public void trim() {
            open();
        }

        private void check(final int position, final int length) {
            if (position < 0 || length < 0 || position + length > segment.length) {
                throw new IndexOutOfBoundsException(position + "+" + length + " > " + segment.length);
            }
        }

        void open() {
            if (closed) {
                throw new IllegalStateException("closed");
            }
        }
    }

    private static final class Index implements IndexRegion {
        private final Region region;
        private final Data owner;
        private final int storedBytes;
        private final ByteBuffer buffer;

        Index(final Region region, final int capacity, final Data owner) {
            this.region = region;
            this.owner = owner;
            this.storedBytes = region.length;
            final int length = Math.max(region.length, capacity);
            if (region.bytes.capacity() < length) {
                region.bytes = ByteBuffer.allocate(length).put(region.bytes.duplicate().clear()).clear();
            }
            region.length = length; // "preallocated": a crash reopens at this length
            this.buffer = region.bytes;
        }

        @Override
        public int storedBytes() {
            return storedBytes;
        }

        @Override
        public ByteBuffer buffer() {
            return buffer;
        }

        @Override
        public void trimTo(final int bytes) {
            owner.open();
            region.length = bytes;
            for (int i = bytes; i < region.bytes.capacity(); i++) {
                region.bytes.put(i, (byte) 0);
            }
        }

        @Override
        public void flush(final int bytes) {
            owner.open();
        }
    }
}
