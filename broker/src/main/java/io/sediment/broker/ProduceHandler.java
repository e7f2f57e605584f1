package io.sediment.broker;

import io.sediment.api.AppendResult;
import io.sediment.api.InvalidRecordException;
import io.sediment.api.Log;
import io.sediment.api.TopicPartition;
import io.sediment.api.record.RecordBatch;
import io.sediment.api.record.RecordBatchLayout;
import org.apache.kafka.common.errors.UnknownTopicIdException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.InitProducerIdRequest;
import org.apache.kafka.common.requests.RequestHeader;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Produce and InitProducerId. Batches go to the engine as they arrived (it validates them and assigns offsets in
 * place); a batch from an idempotent producer is first checked against {@link ProducerStates}: a duplicate of one
 * of the producer's last five batches is answered with the offset it was stored at and not stored again; an old
 * epoch or a gap in sequence numbers is refused with Kafka's error. Every partition answers on its own. With
 * {@code acks=0} nothing is answered (and the connection is closed if any partition failed, as Kafka does);
 * {@code acks=1} and {@code acks=-1} are the same on one node: the response is
 * sent once the batch is in the log (durability follows the log's flush policy, as in Kafka).
 *
 * <p>Transactions are not supported: transactional and control batches are refused with INVALID_RECORD, and
 * InitProducerId with a transactional id with TRANSACTIONAL_ID_AUTHORIZATION_FAILED (a transactional producer
 * fails earlier anyway: FindCoordinator is not offered).
 */
final class ProduceHandler implements ApiHandler {
    private final TopicCatalog catalog;
    private final FetchWaiters waiters;
    private final ProducerStates states;
    private final ProducerIds producerIds;

    ProduceHandler(final TopicCatalog catalog, final FetchWaiters waiters, final ProducerStates states,
                   final ProducerIds producerIds) {
        this.catalog = catalog;
        this.waiters = waiters;
        this.states = states;
        this.producerIds = producerIds;
    }

    @Override
    public Map<ApiKeys, short[]> versions() {
        return Map.of(ApiKeys.PRODUCE, new short[]{ProduceRequestReader.MIN_VERSION, ProduceRequestReader.MAX_VERSION},
                ApiKeys.INIT_PRODUCER_ID, new short[]{0, 6});
    }

    @Override
    public CompletableFuture<Response> handle(final InboundRequest request) {
        return CompletableFuture.completedFuture(switch (request.header().apiKey()) {
            case PRODUCE -> produce(request.header(), (ProduceRequestReader) request.body());
            case INIT_PRODUCER_ID -> Response.of(initProducerId(((InitProducerIdRequest) request.body()).data()));
            default -> throw new IllegalArgumentException(request.header().apiKey().toString());
        });
    }

    /** Appends each partition's batches and writes its result into the response frame as it goes. */
    private Response produce(final RequestHeader header, final ProduceRequestReader req) {
        final boolean byId = header.apiVersion() >= 13;
        final ProduceResponseWriter response = new ProduceResponseWriter(header, req.topicCount(), req.partitionCount(),
                req.topicNameBytes());
        final RecordBatch batch = new RecordBatch();
        while (req.nextTopic()) {
            response.topic(req.topicName(), req.topicId(), req.topicPartitions());
            final TopicCatalog.Topic topic = (byId ? catalog.topic(req.topicId()) : catalog.topic(req.topicName()))
                    .orElse(null);
            while (req.nextPartition()) {
                final int index = req.partitionIndex();
                try {
                    if (topic == null) {
                        throw byId ? new UnknownTopicIdException("Topic id " + req.topicId() + " does not exist.")
                                : new UnknownTopicOrPartitionException("This server does not host this topic-partition.");
                    }
                    final Log log = catalog.log(topic.name(), index).orElseThrow(() ->
                            new UnknownTopicOrPartitionException("This server does not host this topic-partition."));
                    append(log, index, req.records(), batch, response);
                } catch (RuntimeException e) {
                    response.failed(index, ErrorMapping.error(e).code(), ErrorMapping.message(e));
                }
            }
        }
        if (req.acks() != 0) {
            return Response.of(response.finish());
        }
        return response.anyError() ? Response.hangUp() : Response.none();
    }

    /**
     * Appends the partition's records, unless they are a duplicate of a recent idempotent batch, and writes the
     * partition's result into {@code response}; throws (having written nothing) when they cannot be stored.
     */
    private void append(final Log log, final int index, final ByteBuffer buf, final RecordBatch batch,
                        final ProduceResponseWriter response) {
        final TopicPartition tp = log.topicPartition();
        if (buf == null) {
            throw new InvalidRecordException("produce request for " + tp, 0, "no records");
        }
        final int start = buf.position();
        final int limit = buf.limit();
        if (limit - start < RecordBatchLayout.HEADER_SIZE) {
            stored(log, index, log.append(buf), response); // the engine names what is wrong with it
            return;
        }
        batch.wrap(buf, start);
        if (batch.isTransactional() || batch.isControlBatch()) {
            throw new InvalidRecordException("produce request for " + tp, 0,
                    "transactional and control batches are not supported by Sediment");
        }
        final long producerId = batch.producerId();
        if (producerId < 0 || batch.baseSequence() < 0) {
            stored(log, index, log.append(buf), response);
            return;
        }
        final ProducerStates.Partition state = states.partition(tp);
        final AppendResult result;
        synchronized (state) {
            ProducerStates.ensureLoaded(state, log);
            final short epoch = batch.producerEpoch();
            final ProducerStates.BatchMetadata duplicate = state.check(tp, producerId, epoch, batch.baseSequence(),
                    batch.lastSequence());
            if (duplicate != null) {
                // Not stored again, so nothing new for fetchers to wake for.
                response.stored(index, duplicate.firstOffset(), -1, log.logStartOffset());
                return;
            }
            result = log.append(buf);
            // The engine rewrote each batch's base offset in this buffer: record what was stored, batch by batch.
            for (int pos = start; pos + RecordBatchLayout.HEADER_SIZE <= limit; pos += batch.sizeInBytes()) {
                batch.wrap(buf, pos);
                if (batch.producerId() >= 0 && batch.baseSequence() >= 0) {
                    state.record(batch.producerId(), batch.producerEpoch(), new ProducerStates.BatchMetadata(
                            batch.baseSequence(), batch.lastSequence(), batch.baseOffset(), batch.lastOffset()));
                }
            }
        }
        stored(log, index, result, response);
    }

    private void stored(final Log log, final int index, final AppendResult r, final ProduceResponseWriter response) {
        waiters.wake(log.topicPartition());
        response.stored(index, r.firstOffset(), r.logAppendTime(), r.logStartOffset());
    }

    private InitProducerIdResponseData initProducerId(final InitProducerIdRequestData req) {
        final InitProducerIdResponseData data = new InitProducerIdResponseData();
        if (req.transactionalId() != null) {
            // No transaction coordinator: clients learn it is not there rather than retrying forever.
            return data.setErrorCode(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code()).setProducerId(-1)
                    .setProducerEpoch((short) -1);
        }
        if (req.producerId() >= 0 && req.producerEpoch() >= 0 && req.producerEpoch() < Short.MAX_VALUE - 1) {
            // KIP-360: an idempotent producer may ask to bump its epoch and keep its id.
            return data.setProducerId(req.producerId()).setProducerEpoch((short) (req.producerEpoch() + 1));
        }
        return data.setProducerId(producerIds.next()).setProducerEpoch((short) 0);
    }
}
