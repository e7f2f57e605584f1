package io.sediment.log;

import io.sediment.api.LogSlice;
import io.sediment.api.record.RecordBatch;
import io.sediment.api.record.RecordBatchBuilder;
import io.sediment.api.record.RecordCursor;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** A record as the tests see it: what was appended, and what a read decodes. */
record TestRecord(long offset, long timestamp, byte[] key, byte[] value) {

    static TestRecord of(final long timestamp, final String key, final String value) {
        return new TestRecord(-1, timestamp, key == null ? null : key.getBytes(), value == null ? null : value.getBytes());
    }

    TestRecord withOffset(final long o) {
        return new TestRecord(o, timestamp, key, value);
    }

    /** One v2 batch holding {@code records}, built with our own builder. */
    static ByteBuffer batch(final List<TestRecord> records) {
        final RecordBatchBuilder builder = new RecordBatchBuilder();
        for (TestRecord r : records) {
            builder.append(r.timestamp, r.key, r.value);
        }
        return builder.build();
    }

    /** Several batches laid end to end in one buffer, as a produce request carries them. */
    static ByteBuffer batches(final List<List<TestRecord>> batches) {
        final List<ByteBuffer> built = new ArrayList<>();
        int total = 0;
        for (List<TestRecord> b : batches) {
            final ByteBuffer buf = batch(b);
            built.add(buf);
            total += buf.remaining();
        }
        final ByteBuffer all = ByteBuffer.allocate(total);
        for (ByteBuffer b : built) {
            all.put(b);
        }
        return all.flip();
    }

    /** Decodes every record of every batch in a slice. */
    static List<TestRecord> decode(final LogSlice slice) {
        return decode(slice.buffer());
    }

    static List<TestRecord> decode(final ByteBuffer buffer) {
        final List<TestRecord> out = new ArrayList<>();
        final RecordBatch batch = new RecordBatch();
        final RecordCursor cursor = new RecordCursor();
        int pos = buffer.position();
        while (pos < buffer.limit()) {
            batch.wrap(buffer, pos);
            cursor.reset(batch);
            while (cursor.next()) {
                out.add(new TestRecord(cursor.offset(), cursor.timestamp(), cursor.keyBytes(), cursor.valueBytes()));
            }
            pos += batch.sizeInBytes();
        }
        return out;
    }

    @Override
    public boolean equals(final Object o) {
        return o instanceof TestRecord r && r.offset == offset && r.timestamp == timestamp
                && Arrays.equals(r.key, key) && Arrays.equals(r.value, value);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(offset) * 31 + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return "TestRecord{offset=" + offset + ", ts=" + timestamp + ", key=" + (key == null ? "null" : new String(key))
                + ", value=" + (value == null ? "null" : value.length + "B") + '}';
    }
}
