package io.sediment.broker;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.InitProducerIdRequest;
import org.apache.kafka.common.requests.InitProducerIdResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

/**
 * Idempotent produce against a model of what Kafka promises: a batch that continues the producer's sequence is
 * stored; a retry of one of its last five batches is answered with the original offset and stored nothing; a gap, or
 * a retry older than five batches, is OUT_OF_ORDER_SEQUENCE_NUMBER. The promise holds across broker restarts, where
 * the state is rebuilt from the stored batches.
 */
class IdempotentProduceTest {
    @TempDir
    Path dir;

    private record Sent(int firstSeq, int count, long offset) {
    }

    /** A raw producer session over one broker, reconnecting after restarts. */
    private static final class Session implements AutoCloseable {
        final BrokerFixture f;
        RawClient client;

        Session(final BrokerFixture f) throws IOException {
            this.f = f;
            this.client = new RawClient(f.broker.boundAddress());
        }

        void restart() throws IOException {
            client.close();
            f.restart();
            client = new RawClient(f.broker.boundAddress());
        }

        long initProducerId() throws IOException {
            final InitProducerIdResponse r = (InitProducerIdResponse) client.send(new InitProducerIdRequest.Builder(
                    new InitProducerIdRequestData().setTransactionalId(null).setTransactionTimeoutMs(60_000)).build((short) 5));
            assertEquals(Errors.NONE.code(), r.data().errorCode());
            return r.data().producerId();
        }

        ProduceResponseData.PartitionProduceResponse produce(final String topic, final long pid, final short epoch,
                                                             final int firstSeq, final int count) throws IOException {
            final SimpleRecord[] records = new SimpleRecord[count];
            for (int i = 0; i < count; i++) {
                records[i] = new SimpleRecord(("s" + (firstSeq + i)).getBytes(StandardCharsets.UTF_8));
            }
            final ProduceRequestData d = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(10_000);
            d.topicData().add(new ProduceRequestData.TopicProduceData().setName(topic).setPartitionData(List.of(
                    new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(
                            MemoryRecords.withIdempotentRecords(Compression.NONE, pid, epoch, firstSeq, records)))));
            final ProduceResponse r = (ProduceResponse) client.send(ProduceRequest.builder(d).build((short) 12));
            return r.data().responses().iterator().next().partitionResponses().get(0);
        }

        long logEnd(final String topic) {
            return f.broker.engine().getLog(new io.sediment.api.TopicPartition(topic, 0)).logEndOffset();
        }

        @Override
        public void close() throws IOException {
            client.close();
        }
    }

    @Test
    void everyBatchIsStoredOnceAndRetriesGetTheirOriginalOffsetAcrossRestarts() throws Exception {
        try (BrokerFixture f = new BrokerFixture(dir); Session s = new Session(f)) {
            final int[] example = {0};
            qt().withExamples(30).withShrinkCycles(20)
                    .forAll(lists().of(integers().between(0, 99)).ofSizeBetween(1, 25))
                    .checkAssert(ops -> {
                        try {
                            runExample(s, "idem-" + example[0]++, ops);
                        } catch (IOException | InterruptedException | java.util.concurrent.ExecutionException e) {
                            throw new AssertionError(e);
                        }
                    });
        }
    }

    private static void runExample(final Session s, final String topic, final List<Integer> ops)
            throws IOException, InterruptedException, java.util.concurrent.ExecutionException {
        try (Admin admin = s.f.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        }
        final long pid = s.initProducerId();
        final List<Sent> sent = new ArrayList<>();
        int nextSeq = 0;
        for (int op : ops) {
            final long end = s.logEnd(topic);
            if (op < 55) { // a new batch continuing the sequence
                final int count = 1 + op % 5;
                final var r = s.produce(topic, pid, (short) 0, nextSeq, count);
                assertEquals(Errors.NONE.code(), r.errorCode(), r.errorMessage());
                assertEquals(end, r.baseOffset());
                assertEquals(end + count, s.logEnd(topic));
                sent.add(new Sent(nextSeq, count, end));
                nextSeq += count;
            } else if (op < 85) { // a retry of the k-th most recent batch
                final int k = op % 8;
                if (k >= sent.size()) {
                    continue;
                }
                final Sent old = sent.get(sent.size() - 1 - k);
                final var r = s.produce(topic, pid, (short) 0, old.firstSeq(), old.count());
                if (k < ProducerStates.RETAINED) {
                    assertEquals(Errors.NONE.code(), r.errorCode(), r.errorMessage());
                    assertEquals(old.offset(), r.baseOffset());
                } else {
                    assertEquals(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER.code(), r.errorCode());
                }
                assertEquals(end, s.logEnd(topic));
            } else if (op < 95) { // a gap in the sequence
                if (sent.isEmpty()) {
                    continue;
                }
                final var r = s.produce(topic, pid, (short) 0, nextSeq + 1 + op % 3, 1);
                assertEquals(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER.code(), r.errorCode());
                assertEquals(end, s.logEnd(topic));
            } else {
                s.restart();
            }
        }
    }

    @Test
    void staleEpochsAndNewEpochsNotStartingAtZeroAreRefused() throws Exception {
        try (BrokerFixture f = new BrokerFixture(dir); Session s = new Session(f)) {
            try (Admin admin = f.admin()) {
                admin.createTopics(List.of(new NewTopic("e", 1, (short) 1))).all().get();
            }
            final long pid = s.initProducerId();
            assertEquals(Errors.NONE.code(), s.produce("e", pid, (short) 1, 0, 2).errorCode());
            assertEquals(Errors.INVALID_PRODUCER_EPOCH.code(), s.produce("e", pid, (short) 0, 2, 1).errorCode());
            assertEquals(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER.code(), s.produce("e", pid, (short) 2, 5, 1).errorCode());
            assertEquals(Errors.NONE.code(), s.produce("e", pid, (short) 2, 0, 1).errorCode());
            s.restart();
            assertEquals(Errors.INVALID_PRODUCER_EPOCH.code(), s.produce("e", pid, (short) 1, 2, 1).errorCode());
            assertEquals(3, s.logEnd("e"));
        }
    }

    @Test
    void producerIdsAreNotReusedAfterARestart() throws Exception {
        try (BrokerFixture f = new BrokerFixture(dir); Session s = new Session(f)) {
            final long first = s.initProducerId();
            final long second = s.initProducerId();
            s.restart();
            final long third = s.initProducerId();
            assertEquals(first + 1, second);
            assertEquals(true, third > second, third + " > " + second);
        }
    }
}
