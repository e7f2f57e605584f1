package io.sediment.cli;

import org.apache.kafka.clients.NodeApiVersions;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.RequestHeader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code kafka-broker-api-versions.sh}: for every broker of the cluster, the API versions it advertises, printed
 * as Kafka's tool prints them ({@code <node> -> (} one line per API with the usable version {@code )}).
 *
 * <p>The brokers come from Admin's DescribeCluster; each is then asked ApiVersions (v3) on a plain socket,
 * encoded and decoded with kafka-clients' own request/response classes, and the answer is rendered by
 * {@link NodeApiVersions#toString(boolean)} — the same code Kafka's tool uses, so "usable" is computed against
 * the kafka-clients 4.4.0 this tool ships with.
 */
@Command(name = "broker-api-versions", description = "Print the API versions each broker supports.", mixinStandardHelpOptions = true)
final class BrokerApiVersionsCommand implements Callable<Integer> {
    private final Terminal terminal;

    BrokerApiVersionsCommand(final Terminal terminal) {
        this.terminal = terminal;
    }

    @Option(names = "--bootstrap-server", required = true, paramLabel = "server(s) to use for bootstrapping", description = "REQUIRED: The server to connect to.")
    String bootstrapServer;

    @Option(names = "--command-config", paramLabel = "command config property file", description = "Property file containing configs to be passed to Admin Client.")
    Path commandConfig;

    @Override
    public Integer call() {
        final BrokerConnection connection = new BrokerConnection(bootstrapServer, commandConfig);
        final Collection<Node> nodes;
        try (Admin admin = connection.admin()) {
            nodes = connection.get(admin.describeCluster().nodes());
        }
        int status = 0;
        for (Node node : nodes.stream().sorted(Comparator.comparingInt(Node::id)).toList()) {
            try {
                terminal.out().print(node + " -> " + versions(node, connection.timeoutMs()).toString(true) + "\n");
            } catch (IOException | RuntimeException e) {
                terminal.out().print(node + " -> ERROR: " + e + "\n");
                status = 1;
            }
        }
        return status;
    }

    static NodeApiVersions versions(final Node node, final int timeoutMs) throws IOException {
        final short version = 3;
        final ApiVersionsRequest request = new ApiVersionsRequest.Builder(new ApiVersionsRequestData()
                .setClientSoftwareName("sediment-cli").setClientSoftwareVersion("0.1.0"), version, version).build(version);
        final RequestHeader header = new RequestHeader(ApiKeys.API_VERSIONS, version, "broker-api-versions", 1);
        final ByteBuffer body = request.serializeWithHeader(header);
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(node.host(), node.port()), timeoutMs);
            socket.setSoTimeout(timeoutMs);
            final DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            out.writeInt(body.remaining());
            out.write(body.array(), body.arrayOffset() + body.position(), body.remaining());
            out.flush();
            final DataInputStream in = new DataInputStream(socket.getInputStream());
            final int size = in.readInt();
            if (size < 0 || size > 10 * 1024 * 1024) {
                throw new IOException("Invalid response size " + size + " from " + node.host() + ":" + node.port());
            }
            final byte[] bytes = new byte[size];
            in.readFully(bytes);
            final ApiVersionsResponse response = (ApiVersionsResponse) AbstractResponse.parseResponse(ByteBuffer.wrap(bytes), header);
            final Errors error = Errors.forCode(response.data().errorCode());
            if (error != Errors.NONE) {
                throw error.exception();
            }
            return new NodeApiVersions(response.data().apiKeys(), response.data().supportedFeatures(),
                    response.data().finalizedFeatures(), response.data().finalizedFeaturesEpoch());
        }
    }

}
