package io.sediment.log;

import io.sediment.api.AppendResult;
import io.sediment.api.EngineConfig;
import io.sediment.api.Log;
import io.sediment.api.LogConfig;
import io.sediment.api.LogEngine;
import io.sediment.api.LogSlice;
import io.sediment.api.TopicPartition;
import io.sediment.api.record.RecordBatch;
import io.sediment.api.record.RecordBatchBuilder;
import io.sediment.api.record.RecordCursor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The embedding example of the root README, as written there, so the front door cannot rot. */
class ReadmeExampleTest {
    @TempDir
    Path tmp;

    @Test
    void theReadmeEmbeddingExampleWorks() {
        final List<String> printed = new ArrayList<>();
        final Path data = tmp.resolve("data");
        try (LogEngine engine = SegmentLogEngine.open(data, EngineConfig.defaults())) {
            Log log = engine.getOrCreateLog(new TopicPartition("orders", 0), LogConfig.DEFAULTS);
            AppendResult appended = log.append(new RecordBatchBuilder()
                    .append(System.currentTimeMillis(), "order-1".getBytes(), "{\"qty\":2}".getBytes())
                    .build());
            try (LogSlice slice = log.read(appended.firstOffset(), 1 << 20)) {
                RecordCursor records = new RecordCursor().reset(new RecordBatch().wrap(slice.buffer(), 0));
                while (records.next()) {
                    printed.add(records.offset() + " " + new String(records.valueBytes()));
                }
            }
            log.offsetForTimestamp(System.currentTimeMillis() - 60_000);
            log.deleteRecordsBefore(appended.lastOffset());
            assertEquals(0, log.logStartOffset());
        }
        assertEquals(List.of("0 {\"qty\":2}"), printed);
    }
}
