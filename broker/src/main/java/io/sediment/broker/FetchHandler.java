package io.sediment.broker;

import io.sediment.api.Log;
import io.sediment.api.LogSlice;
import io.sediment.api.TopicPartition;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.requests.FetchRequest;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;

/**
 * Fetch: reads whole stored batches from each partition asked for and sends them zero-copy ({@link SliceRecords}).
 * Honours {@code max.bytes} (the first partition with data always gets at least one whole batch, however large, as
 * Kafka does), {@code partition.max.bytes}, and long-polls ({@link FetchWaiters}) until {@code min.bytes} are
 * available or {@code max.wait.ms} has passed. There are no fetch sessions: every response has session id 0, which
 * tells clients to send full fetch requests. The high watermark and last stable offset are the log end offset: one
 * replica, no transactions.
 */
final class FetchHandler implements ApiHandler {
    private final TopicCatalog catalog;
    private final FetchWaiters waiters;

    FetchHandler(final TopicCatalog catalog, final FetchWaiters waiters) {
        this.catalog = catalog;
        this.waiters = waiters;
    }

    @Override
    public Map<ApiKeys, short[]> versions() {
        return Map.of(ApiKeys.FETCH, new short[]{4, 18});
    }

    /**
     * Reading is a header walk (over mapped memory, or {@code pread}s of page-cache pages below the mmap backend's
     * resident window) and answering is a zero-copy send, both cheap and lock-free; a fetch that has to wait parks in
     * {@link FetchWaiters} and is woken on an I/O thread.
     */
    @Override
    public boolean runsOnNetworkThread() {
        return true;
    }

    @Override
    public CompletableFuture<Response> handle(final InboundRequest request) {
        final FetchRequestData req = ((FetchRequest) request.body()).data();
        final PendingFetch fetch = new PendingFetch(req, request.version());
        fetch.retry(false);
        return fetch.answer;
    }

    /** One fetch request, answered at most once: now, on a wake-up, or when its wait expires. */
    private final class PendingFetch implements FetchWaiters.Waiter {
        final CompletableFuture<Response> answer = new CompletableFuture<>();
        final FetchRequestData req;
        final short version;
        final long deadlineNanos;
        List<TopicPartition> parked;
        ScheduledFuture<?> timeout;

        PendingFetch(final FetchRequestData req, final short version) {
            this.req = req;
            this.version = version;
            this.deadlineNanos = System.nanoTime() + req.maxWaitMs() * 1_000_000L;
        }

        @Override
        public synchronized void retry(final boolean expired) {
            if (answer.isDone()) {
                return;
            }
            final List<LogSlice> slices = new ArrayList<>();
            final FetchResponseData data;
            try {
                data = read(slices);
            } catch (RuntimeException e) {
                closeAll(slices);
                finish();
                answer.completeExceptionally(e);
                return;
            }
            long bytes = 0;
            boolean errors = false;
            for (FetchResponseData.FetchableTopicResponse t : data.responses()) {
                for (FetchResponseData.PartitionData p : t.partitions()) {
                    bytes += p.records().sizeInBytes();
                    errors |= p.errorCode() != Errors.NONE.code();
                }
            }
            if (expired || errors || bytes >= req.minBytes() || req.maxWaitMs() <= 0 || req.topics().isEmpty()
                    || System.nanoTime() - deadlineNanos >= 0) {
                finish();
                answer.complete(new Response(data, slices));
                return;
            }
            closeAll(slices);
            if (parked == null) {
                parked = partitions();
                timeout = waiters.park(parked, req.maxWaitMs(), this);
                // Data may have arrived between the read above and parking: look once more.
                retry(false);
            }
        }

        private void finish() {
            if (parked != null) {
                waiters.remove(parked, this);
                timeout.cancel(false);
            }
        }

        private List<TopicPartition> partitions() {
            final List<TopicPartition> tps = new ArrayList<>();
            for (FetchRequestData.FetchTopic t : req.topics()) {
                final Optional<TopicCatalog.Topic> topic = resolve(t);
                if (topic.isPresent()) {
                    for (FetchRequestData.FetchPartition p : t.partitions()) {
                        if (p.partition() >= 0) {
                            tps.add(new TopicPartition(topic.get().name(), p.partition()));
                        }
                    }
                }
            }
            return tps;
        }

        private Optional<TopicCatalog.Topic> resolve(final FetchRequestData.FetchTopic t) {
            return version >= 13 ? catalog.topic(t.topicId()) : catalog.topic(t.topic());
        }

        private FetchResponseData read(final List<LogSlice> slices) {
            final FetchResponseData data = new FetchResponseData().setSessionId(0);
            int budget = req.maxBytes();
            boolean first = true;
            final boolean readCommitted = req.isolationLevel() == 1;
            for (FetchRequestData.FetchTopic t : req.topics()) {
                final Optional<TopicCatalog.Topic> topic = resolve(t);
                final FetchResponseData.FetchableTopicResponse tr = new FetchResponseData.FetchableTopicResponse();
                if (version >= 13) {
                    tr.setTopicId(t.topicId());
                } else {
                    tr.setTopic(t.topic());
                }
                for (FetchRequestData.FetchPartition p : t.partitions()) {
                    final FetchResponseData.PartitionData pd = new FetchResponseData.PartitionData()
                            .setPartitionIndex(p.partition())
                            .setRecords(MemoryRecords.EMPTY)
                            .setAbortedTransactions(readCommitted ? List.of() : null);
                    tr.partitions().add(pd);
                    if (topic.isEmpty()) {
                        pd.setErrorCode((version >= 13 ? Errors.UNKNOWN_TOPIC_ID : Errors.UNKNOWN_TOPIC_OR_PARTITION).code());
                        continue;
                    }
                    final Optional<Log> log = catalog.log(topic.get().name(), p.partition());
                    if (log.isEmpty()) {
                        pd.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
                        continue;
                    }
                    final Log l = log.get();
                    final long end = l.logEndOffset();
                    pd.setHighWatermark(end).setLastStableOffset(end).setLogStartOffset(l.logStartOffset());
                    if (p.fetchOffset() == end || (budget <= 0 && !first)) {
                        continue;
                    }
                    try {
                        final int limit = Math.max(0, Math.min(p.partitionMaxBytes(), budget));
                        final LogSlice slice = l.read(p.fetchOffset(), limit);
                        // Only the first partition with data may exceed its limits (to make progress past a
                        // batch larger than them, as Kafka does); the others wait for a later fetch.
                        if (slice.isEmpty() || (!first && slice.sizeInBytes() > limit)) {
                            slice.close();
                            continue;
                        }
                        slices.add(slice);
                        pd.setRecords(new SliceRecords(slice));
                        budget -= slice.sizeInBytes();
                        first = false;
                    } catch (RuntimeException e) {
                        pd.setErrorCode(ErrorMapping.error(e).code())
                                .setHighWatermark(l.logEndOffset()).setLogStartOffset(l.logStartOffset());
                    }
                }
                data.responses().add(tr);
            }
            return data;
        }
    }

    private static void closeAll(final List<LogSlice> slices) {
        for (LogSlice s : slices) {
            s.close();
        }
        slices.clear();
    }
}
