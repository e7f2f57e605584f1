package io.sediment.broker;

import io.sediment.api.Log;
import io.sediment.api.TimestampedOffset;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DeleteRecordsResponseData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.DeleteRecordsRequest;
import org.apache.kafka.common.requests.ListOffsetsRequest;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * ListOffsets (earliest, latest, by timestamp, max timestamp) and DeleteRecords (moves the log start offset up;
 * whole segments below it go at the next retention pass). With one replica the high watermark is the log end offset.
 */
final class OffsetsHandler implements ApiHandler {
    private final TopicCatalog catalog;

    OffsetsHandler(final TopicCatalog catalog) {
        this.catalog = catalog;
    }

    @Override
    public Map<ApiKeys, short[]> versions() {
        return Map.of(ApiKeys.LIST_OFFSETS, new short[]{1, 11}, ApiKeys.DELETE_RECORDS, new short[]{0, 2});
    }

    @Override
    public CompletableFuture<Response> handle(final InboundRequest request) {
        return CompletableFuture.completedFuture(Response.of(switch (request.header().apiKey()) {
            case LIST_OFFSETS -> listOffsets(((ListOffsetsRequest) request.body()).data());
            case DELETE_RECORDS -> deleteRecords(((DeleteRecordsRequest) request.body()).data());
            default -> throw new IllegalArgumentException(request.header().apiKey().toString());
        }));
    }

    private Log log(final String topic, final int partition) {
        return catalog.log(topic, partition).orElseThrow(() ->
                new UnknownTopicOrPartitionException("This server does not host this topic-partition."));
    }

    private ListOffsetsResponseData listOffsets(final ListOffsetsRequestData req) {
        final ListOffsetsResponseData data = new ListOffsetsResponseData();
        for (ListOffsetsRequestData.ListOffsetsTopic t : req.topics()) {
            final ListOffsetsResponseData.ListOffsetsTopicResponse tr = new ListOffsetsResponseData.ListOffsetsTopicResponse()
                    .setName(t.name());
            for (ListOffsetsRequestData.ListOffsetsPartition p : t.partitions()) {
                final ListOffsetsResponseData.ListOffsetsPartitionResponse pr =
                        new ListOffsetsResponseData.ListOffsetsPartitionResponse()
                                .setPartitionIndex(p.partitionIndex()).setTimestamp(-1).setOffset(-1).setLeaderEpoch(-1);
                try {
                    final Log log = log(t.name(), p.partitionIndex());
                    final long ts = p.timestamp();
                    if (ts == ListOffsetsRequest.EARLIEST_TIMESTAMP || ts == ListOffsetsRequest.EARLIEST_LOCAL_TIMESTAMP) {
                        pr.setOffset(log.logStartOffset());
                    } else if (ts == ListOffsetsRequest.LATEST_TIMESTAMP) {
                        pr.setOffset(log.logEndOffset());
                    } else if (ts == ListOffsetsRequest.MAX_TIMESTAMP) {
                        set(pr, log.offsetOfMaxTimestamp());
                    } else if (ts >= 0) {
                        set(pr, log.offsetForTimestamp(ts));
                    }
                    // Other negative specials (tiered storage) have no answer on a node without tiers: -1.
                } catch (RuntimeException e) {
                    pr.setErrorCode(ErrorMapping.error(e).code());
                }
                tr.partitions().add(pr);
            }
            data.topics().add(tr);
        }
        return data;
    }

    private static void set(final ListOffsetsResponseData.ListOffsetsPartitionResponse pr,
                            final Optional<TimestampedOffset> found) {
        found.ifPresent(f -> pr.setTimestamp(f.timestamp()).setOffset(f.offset()));
    }

    private DeleteRecordsResponseData deleteRecords(final DeleteRecordsRequestData req) {
        final DeleteRecordsResponseData data = new DeleteRecordsResponseData();
        for (DeleteRecordsRequestData.DeleteRecordsTopic t : req.topics()) {
            final DeleteRecordsResponseData.DeleteRecordsTopicResult tr = new DeleteRecordsResponseData.DeleteRecordsTopicResult()
                    .setName(t.name());
            for (DeleteRecordsRequestData.DeleteRecordsPartition p : t.partitions()) {
                final DeleteRecordsResponseData.DeleteRecordsPartitionResult pr =
                        new DeleteRecordsResponseData.DeleteRecordsPartitionResult()
                                .setPartitionIndex(p.partitionIndex()).setLowWatermark(-1);
                try {
                    pr.setLowWatermark(log(t.name(), p.partitionIndex()).deleteRecordsBefore(p.offset()));
                } catch (RuntimeException e) {
                    pr.setErrorCode(ErrorMapping.error(e).code());
                }
                tr.partitions().add(pr);
            }
            data.topics().add(tr);
        }
        return data;
    }
}
