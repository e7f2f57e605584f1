package io.sediment.broker;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.RequestUtils;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The training run behind the start script's class-data archive ({@code bin/kafka-server-start.sh} runs it with
 * {@code -XX:ArchiveClassesAtExit}): starts a broker on an ephemeral loopback port over {@code <dir>/data}, serves
 * the requests a client's first minute sends (ApiVersions, Metadata, CreateTopics, Produce, Fetch, ListOffsets) over
 * a real socket, closes the broker cleanly and returns, so that the JVM writes every class the broker loaded for
 * them into the archive. Nothing is left running; the caller deletes {@code dir}.
 *
 * <p>Every response must come back without error: a training run that did not exercise the real paths fails (exit
 * status 1) instead of leaving a half-trained archive, and the script then starts without one.
 */
public final class ClassDataTraining {
    private static final String TOPIC = "cds-training";

    private ClassDataTraining() {
    }

    /** {@code ClassDataTraining <empty temp dir>}. */
    public static void main(final String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("USAGE: ClassDataTraining <temp dir>");
            System.exit(2);
        }
        final Path dir = Path.of(args[0]);
        final Path config = dir.resolve("server.properties");
        Files.writeString(config, String.join("\n",
                "node.id=0",
                "listeners=PLAINTEXT://127.0.0.1:0",
                "log.dirs=" + dir.resolve("data"),
                "num.partitions=1", ""), StandardCharsets.UTF_8);
        // Through the same properties loading as SedimentBroker.main, so its classes are archived too.
        final Properties props = SedimentBroker.loadProperties(config, List.of());
        try (SedimentBroker broker = SedimentBroker.start(props);
             Socket socket = new Socket(broker.boundAddress().getAddress(), broker.boundAddress().getPort())) {
            socket.setSoTimeout(60_000);
            final Exchange exchange = new Exchange(socket);
            exchange.send(ApiKeys.API_VERSIONS, (short) 3, new ApiVersionsRequestData()
                    .setClientSoftwareName("sediment-cds-training").setClientSoftwareVersion("1"));
            exchange.send(ApiKeys.METADATA, (short) 12, new MetadataRequestData().setTopics(null));
            final CreateTopicsRequestData.CreatableTopicCollection topics =
                    new CreateTopicsRequestData.CreatableTopicCollection();
            topics.add(new CreateTopicsRequestData.CreatableTopic().setName(TOPIC).setNumPartitions(1)
                    .setReplicationFactor((short) 1));
            exchange.send(ApiKeys.CREATE_TOPICS, (short) 7, new CreateTopicsRequestData().setTopics(topics)
                    .setTimeoutMs(30_000));
            exchange.send(ApiKeys.METADATA, (short) 12, new MetadataRequestData().setTopics(List.of(
                    new MetadataRequestData.MetadataRequestTopic().setName(TOPIC))));
            exchange.send(ApiKeys.PRODUCE, (short) 9, produce());
            exchange.send(ApiKeys.FETCH, (short) 12, fetch());
            exchange.send(ApiKeys.LIST_OFFSETS, (short) 7, new ListOffsetsRequestData().setReplicaId(-1)
                    .setTopics(List.of(new ListOffsetsRequestData.ListOffsetsTopic().setName(TOPIC)
                            .setPartitions(List.of(new ListOffsetsRequestData.ListOffsetsPartition()
                                    .setPartitionIndex(0).setTimestamp(-1))))));
        }
    }

    private static ProduceRequestData produce() {
        final MemoryRecords records = MemoryRecords.withRecords(Compression.NONE,
                new SimpleRecord("key".getBytes(StandardCharsets.UTF_8), "value".getBytes(StandardCharsets.UTF_8)));
        final ProduceRequestData.TopicProduceDataCollection data = new ProduceRequestData.TopicProduceDataCollection();
        data.add(new ProduceRequestData.TopicProduceData().setName(TOPIC).setPartitionData(List.of(
                new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(records))));
        return new ProduceRequestData().setAcks((short) -1).setTimeoutMs(30_000).setTopicData(data);
    }

    private static FetchRequestData fetch() {
        return new FetchRequestData().setReplicaId(-1).setMaxWaitMs(0).setMinBytes(1).setMaxBytes(1 << 20)
                .setTopics(List.of(new FetchRequestData.FetchTopic().setTopic(TOPIC).setPartitions(List.of(
                        new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(0)
                                .setPartitionMaxBytes(1 << 20)))));
    }

    /** One request at a time on a blocking socket, framed and parsed with kafka-clients' own classes. */
    private static final class Exchange {
        private final DataInputStream in;
        private final OutputStream out;
        private int correlationId;

        Exchange(final Socket socket) throws IOException {
            this.in = new DataInputStream(socket.getInputStream());
            this.out = socket.getOutputStream();
        }

        void send(final ApiKeys key, final short version, final ApiMessage body) throws IOException {
            final RequestHeader header = new RequestHeader(key, version, "sediment-cds-training", correlationId++);
            final ByteBuffer request = RequestUtils.serialize(header.data(), header.headerVersion(), body, version);
            final byte[] frame = new byte[4 + request.remaining()];
            ByteBuffer.wrap(frame).putInt(request.remaining()).put(request);
            out.write(frame);
            out.flush();
            final byte[] payload = new byte[in.readInt()];
            in.readFully(payload);
            final AbstractResponse response = AbstractResponse.parseResponse(ByteBuffer.wrap(payload), header);
            for (Map.Entry<Errors, Integer> e : response.errorCounts().entrySet()) {
                if (e.getKey() != Errors.NONE) {
                    throw new IllegalStateException(key + " v" + version + " answered " + e.getKey()
                            + " during class-data training: " + response.data());
                }
            }
        }
    }
}
