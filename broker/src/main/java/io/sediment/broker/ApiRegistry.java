package io.sediment.broker;

import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Maps each API key to the handler that implements it, and is the one source of the version ranges advertised in
 * ApiVersions: what a handler declares is what clients are told, and a request outside it is refused before any
 * handler sees it.
 *
 * <p>Threading: filled while the broker starts, read-only afterwards.
 */
final class ApiRegistry {
    // Not EnumMaps: an EnumMap initialises ApiKeys (every message schema) on construction, and the registry is
    // built before the listener binds.
    private final Map<ApiKeys, ApiHandler> handlers = new HashMap<>();
    private final Map<Short, short[]> ranges = new TreeMap<>();

    void register(final ApiHandler handler) {
        for (Map.Entry<ApiKeys, short[]> e : handler.versions().entrySet()) {
            final ApiKeys key = e.getKey();
            final short[] r = e.getValue();
            if (handlers.containsKey(key)) {
                throw new IllegalStateException(key + " is registered twice");
            }
            if (r[0] < key.oldestVersion() || r[1] > key.latestVersion(true) || r[0] > r[1]) {
                throw new IllegalStateException(key + " range " + r[0] + "-" + r[1] + " is outside what kafka-clients knows, "
                        + key.oldestVersion() + "-" + key.latestVersion(true));
            }
            handlers.put(key, handler);
            ranges.put(key.id, r.clone());
        }
    }

    ApiHandler handler(final ApiKeys key) {
        return handlers.get(key);
    }

    boolean supports(final ApiKeys key, final short version) {
        final short[] r = ranges.get(key.id);
        return r != null && version >= r[0] && version <= r[1];
    }

    ApiVersionsResponseData.ApiVersionCollection apiVersions() {
        final ApiVersionsResponseData.ApiVersionCollection c = new ApiVersionsResponseData.ApiVersionCollection();
        for (Map.Entry<Short, short[]> e : ranges.entrySet()) {
            c.add(new ApiVersionsResponseData.ApiVersion().setApiKey(e.getKey())
                    .setMinVersion(e.getValue()[0]).setMaxVersion(e.getValue()[1]));
        }
        return c;
    }
}
