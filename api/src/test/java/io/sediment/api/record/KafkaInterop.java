package io.sediment.api.record;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.utils.Utils;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/** Conversions between the tests' model and Apache Kafka's own record codec, the reference we compare with. */
final class KafkaInterop {
    private KafkaInterop() {
    }

    static org.apache.kafka.common.header.Header[] kafkaHeaders(final List<Header> headers) {
        final org.apache.kafka.common.header.Header[] out = new org.apache.kafka.common.header.Header[headers.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = new RecordHeader(headers.get(i).key(), headers.get(i).value());
        }
        return out;
    }

    static TestRecord fromKafka(final Record r) {
        final List<Header> headers = new ArrayList<>();
        for (org.apache.kafka.common.header.Header h : r.headers()) {
            headers.add(new Header(h.key(), h.value()));
        }
        return new TestRecord(r.timestamp(), r.hasKey() ? Utils.toArray(r.key()) : null,
                r.hasValue() ? Utils.toArray(r.value()) : null, headers);
    }

    /** The producer-side settings of a batch, as both builders take them. */
    record BatchSettings(long producerId, short producerEpoch, int baseSequence, boolean transactional,
                         int partitionLeaderEpoch, long baseOffset) {
        static final BatchSettings NONE = new BatchSettings(-1, (short) -1, -1, false, -1, 0);

        RecordBatchBuilder applyTo(final RecordBatchBuilder builder) {
            return builder.producer(producerId, producerEpoch, baseSequence).transactional(transactional)
                    .partitionLeaderEpoch(partitionLeaderEpoch).baseOffset(baseOffset);
        }
    }

    /** One batch of {@code records} written by Kafka's {@code MemoryRecordsBuilder}. */
    static ByteBuffer kafkaBatch(final List<TestRecord> records, final Compression compression,
                                 final org.apache.kafka.common.record.TimestampType timestampType,
                                 final long logAppendTime, final BatchSettings s) {
        final MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(1024), (byte) 2, compression,
                timestampType, s.baseOffset(), logAppendTime, s.producerId(), s.producerEpoch(), s.baseSequence(),
                s.transactional(), s.partitionLeaderEpoch());
        for (TestRecord r : records) {
            builder.append(r.timestamp(), r.key(), r.value(), kafkaHeaders(r.headers()));
        }
        return builder.build().buffer();
    }

    static List<TestRecord> readWithKafka(final ByteBuffer buffer) {
        final List<TestRecord> out = new ArrayList<>();
        for (Record r : MemoryRecords.readableRecords(buffer.duplicate()).records()) {
            out.add(fromKafka(r));
        }
        return out;
    }
}
