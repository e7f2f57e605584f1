package io.sediment.backend.mmap;

import io.sediment.api.spi.BackendStore;
import io.sediment.api.spi.PartitionStore;
import io.sediment.api.spi.SegmentFiles;
import io.sediment.api.spi.SegmentSpec;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.FileLogInputStream.FileChannelRecordBatch;
import org.apache.kafka.common.record.internal.FileRecords;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.storage.internals.log.OffsetIndex;
import org.apache.kafka.storage.internals.log.TimeIndex;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Kafka's own readers open a segment this backend wrote and trimmed: {@code FileRecords} (what
 * {@code DumpLogSegments} and the broker read a {@code .log} with) finds every batch valid, and Kafka's
 * {@code OffsetIndex} and {@code TimeIndex} open the trimmed index files, pass their sanity checks and answer
 * lookups. The entries are written in Kafka's formats (the engine's job, done by hand here), so this checks the
 * backend's part: names, exact lengths, bytes where they were put.
 */
class KafkaReadsOurFilesTest {
    private static final long BASE_OFFSET = 1000;
    private static final int BATCHES = 50;
    private static final int RECORDS_PER_BATCH = 3;
    private static final long FIRST_TIMESTAMP = 1_700_000_000_000L;

    @TempDir
    Path dir;

    @Test
    void kafkasFileRecordsOffsetIndexAndTimeIndexReadATrimmedSegment() throws IOException {
        final List<Integer> positions = new ArrayList<>();
        try (BackendStore store = new MmapStorageBackend().open(dir);
             PartitionStore partition = store.createPartition("orders-0");
             SegmentFiles segment = partition.createSegment(BASE_OFFSET, new SegmentSpec(1 << 20, 10_240, 10_236))) {
            final ByteBuffer offsetIndex = segment.offsetIndex().buffer();
            final ByteBuffer timeIndex = segment.timeIndex().buffer();
            for (int b = 0; b < BATCHES; b++) {
                final long first = BASE_OFFSET + (long) b * RECORDS_PER_BATCH;
                final SimpleRecord[] records = new SimpleRecord[RECORDS_PER_BATCH];
                for (int r = 0; r < RECORDS_PER_BATCH; r++) {
                    records[r] = new SimpleRecord(FIRST_TIMESTAMP + first + r - BASE_OFFSET,
                            ("key-" + (first + r)).getBytes(StandardCharsets.UTF_8),
                            ("value-" + (first + r)).getBytes(StandardCharsets.UTF_8));
                }
                final ByteBuffer batch = MemoryRecords.withRecords(first, Compression.NONE, records).buffer();
                final int position = segment.data().size();
                positions.add(position);
                segment.data().append(batch);
                // Kafka's formats: .index = int32 relative offset, int32 position;
                // .timeindex = int64 timestamp, int32 relative offset (of the batch's last record)
                offsetIndex.putInt(8 * b, (int) (first - BASE_OFFSET)).putInt(8 * b + 4, position);
                final long lastOffset = first + RECORDS_PER_BATCH - 1;
                timeIndex.putLong(12 * b, FIRST_TIMESTAMP + lastOffset - BASE_OFFSET)
                        .putInt(12 * b + 8, (int) (lastOffset - BASE_OFFSET));
            }
            segment.data().trim();
            segment.data().flush();
            segment.offsetIndex().trimTo(8 * BATCHES);
            segment.offsetIndex().flush(8 * BATCHES);
            segment.timeIndex().trimTo(12 * BATCHES);
            segment.timeIndex().flush(12 * BATCHES);
        }

        final Path partitionDir = dir.resolve("orders-0");
        try (FileRecords log = FileRecords.open(partitionDir.resolve("00000000000000001000.log").toFile(), false)) {
            int b = 0;
            for (FileChannelRecordBatch batch : log.batches()) {
                batch.ensureValid(); // CRC-32C over the stored bytes
                assertEquals(BASE_OFFSET + (long) b * RECORDS_PER_BATCH, batch.baseOffset());
                assertEquals((int) positions.get(b), batch.position());
                final List<String> values = new ArrayList<>();
                for (Record record : batch) {
                    values.add(StandardCharsets.UTF_8.decode(record.value()).toString());
                }
                assertEquals(List.of("value-" + batch.baseOffset(), "value-" + (batch.baseOffset() + 1),
                        "value-" + (batch.baseOffset() + 2)), values);
                b++;
            }
            assertEquals(BATCHES, b);
        }

        final OffsetIndex offsets =
                new OffsetIndex(partitionDir.resolve("00000000000000001000.index").toFile(), BASE_OFFSET, 10_240, false);
        try {
            offsets.sanityCheck();
            assertEquals(BATCHES, offsets.entries());
            assertEquals((int) positions.get(17), offsets.lookup(BASE_OFFSET + 17 * RECORDS_PER_BATCH + 2).position());
        } finally {
            offsets.close();
        }
        final TimeIndex times =
                new TimeIndex(partitionDir.resolve("00000000000000001000.timeindex").toFile(), BASE_OFFSET, 10_236, false);
        try {
            times.sanityCheck();
            assertEquals(BATCHES, times.entries());
            assertEquals(BASE_OFFSET + 20 * RECORDS_PER_BATCH + 2,
                    times.lookup(FIRST_TIMESTAMP + 20 * RECORDS_PER_BATCH + 2).offset());
        } finally {
            times.close();
        }
    }
}
