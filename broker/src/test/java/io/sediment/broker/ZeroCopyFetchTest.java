package io.sediment.broker;

import io.sediment.api.EngineConfig;
import io.sediment.api.Log;
import io.sediment.api.LogConfig;
import io.sediment.api.LogEngine;
import io.sediment.api.LogSlice;
import io.sediment.api.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.network.Send;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.SendBuilder;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fetch path hands the raw socket to {@link LogSlice#transferTo} (where the mmap backend calls
 * {@code FileChannel.transferTo}, i.e. sendfile), so stored bytes go from the page cache to the socket without a
 * copy on the heap; and what arrives is a fetch response a Kafka client parses into the stored records.
 */
class ZeroCopyFetchTest {
    @TempDir
    Path dir;

    /** Delegates to a real slice and remembers which channels it was asked to write to. */
    private static final class RecordingSlice implements LogSlice {
        final LogSlice delegate;
        final List<WritableByteChannel> targets = new ArrayList<>();

        RecordingSlice(final LogSlice delegate) {
            this.delegate = delegate;
        }

        @Override
        public long firstOffset() {
            return delegate.firstOffset();
        }

        @Override
        public long nextOffset() {
            return delegate.nextOffset();
        }

        @Override
        public int sizeInBytes() {
            return delegate.sizeInBytes();
        }

        @Override
        public long transferTo(final WritableByteChannel target, final long position, final long count) throws IOException {
            targets.add(target);
            return delegate.transferTo(target, position, count);
        }

        @Override
        public ByteBuffer buffer() {
            throw new AssertionError("the fetch path must not read the slice's bytes");
        }

        @Override
        public void close() {
            delegate.close();
        }
    }

    @Test
    void fetchResponseRecordsAreTransferredStraightToTheSocket() throws Exception {
        final TopicPartition tp = new TopicPartition("z", 0);
        try (LogEngine engine = SedimentBroker.openEngine(dir, EngineConfig.defaults());
             ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
             SocketChannel client = SocketChannel.open(server.getLocalAddress());
             SocketChannel accepted = server.accept()) {
            final Log log = engine.createLog(tp, LogConfig.DEFAULTS);
            for (int i = 0; i < 20; i++) {
                log.append(MemoryRecords.withRecords(Compression.NONE,
                        new SimpleRecord(("record-" + i).getBytes(StandardCharsets.UTF_8))).buffer());
            }
            final RecordingSlice slice = new RecordingSlice(log.read(0, 1 << 20));
            final FetchResponseData data = new FetchResponseData();
            data.responses().add(new FetchResponseData.FetchableTopicResponse().setTopic("z").setPartitions(List.of(
                    new FetchResponseData.PartitionData().setPartitionIndex(0).setHighWatermark(20)
                            .setLastStableOffset(20).setLogStartOffset(0).setRecords(new SliceRecords(slice)))));
            final short version = 12;
            final RequestHeader header = new RequestHeader(ApiKeys.FETCH, version, "test", 7);
            final Send send = SendBuilder.buildResponseSend(header.toResponseHeader(), data, version);
            final Connection connection = new Connection("test", accepted, null, 0);
            final ByteBuffer received = ByteBuffer.allocate((int) send.size());
            while (!send.completed() || received.hasRemaining()) {
                if (!send.completed()) {
                    send.writeTo(connection);
                }
                client.read(received);
            }
            slice.close();

            assertFalse(slice.targets.isEmpty());
            for (WritableByteChannel target : slice.targets) {
                assertTrue(target instanceof SocketChannel, "transferTo got " + target.getClass());
            }
            received.flip();
            received.getInt(); // size prefix
            final FetchResponse response = (FetchResponse) AbstractResponse.parseResponse(received, header);
            final MemoryRecords records = (MemoryRecords) response.data().responses().get(0).partitions().get(0).records();
            long offset = 0;
            for (Record r : records.records()) {
                assertEquals(offset, r.offset());
                assertEquals("record-" + offset, StandardCharsets.UTF_8.decode(r.value()).toString());
                offset++;
            }
            assertEquals(20, offset);
        }
    }
}
