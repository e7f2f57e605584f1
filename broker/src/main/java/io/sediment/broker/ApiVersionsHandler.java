package io.sediment.broker;

import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiVersionsRequest;

import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * ApiVersions: tells a client exactly the API ranges registered in the {@link ApiRegistry}. No features are
 * advertised: there is no KRaft metadata version to finalize on a single Sediment node.
 */
final class ApiVersionsHandler implements ApiHandler {
    private final ApiRegistry registry;

    ApiVersionsHandler(final ApiRegistry registry) {
        this.registry = registry;
    }

    @Override
    public Map<ApiKeys, short[]> versions() {
        return Map.of(ApiKeys.API_VERSIONS, new short[]{0, 5});
    }

    @Override
    public CompletableFuture<Response> handle(final InboundRequest request) {
        final ApiVersionsRequest req = (ApiVersionsRequest) request.body();
        final ApiVersionsResponseData data = new ApiVersionsResponseData().setApiKeys(registry.apiVersions());
        if (request.version() >= 3 && !req.isValid()) {
            data.setErrorCode(Errors.INVALID_REQUEST.code());
        }
        return CompletableFuture.completedFuture(Response.of(data));
    }
}
