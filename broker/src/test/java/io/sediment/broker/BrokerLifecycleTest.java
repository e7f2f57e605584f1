package io.sediment.broker;

import io.sediment.api.InvalidConfigException;
import io.sediment.api.StorageException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BrokerLifecycleTest {
    @TempDir
    Path dir;

    private Properties props(final Path logDir, final String... kv) {
        final Properties p = new Properties();
        p.setProperty("listeners", "PLAINTEXT://127.0.0.1:0");
        p.setProperty("log.dirs", logDir.toString());
        for (int i = 0; i + 1 < kv.length; i += 2) {
            p.setProperty(kv[i], kv[i + 1]);
        }
        return p;
    }

    @Test
    void aSecondBrokerOnTheSameDirectoryIsRefusedAndTheFirstCarriesOn() throws Exception {
        try (BrokerFixture f = new BrokerFixture(dir)) {
            assertThrows(StorageException.class, () -> SedimentBroker.start(props(dir)));
            try (RawClient c = new RawClient(f.broker.boundAddress())) {
                c.send(new org.apache.kafka.common.requests.ApiVersionsRequest.Builder().build((short) 3));
            }
        }
    }

    @Test
    void aPortInUseIsRefused() {
        try (BrokerFixture f = new BrokerFixture(dir)) {
            final int port = f.broker.boundAddress().getPort();
            final Path other = dir.resolve("other");
            assertThrows(UncheckedIOException.class, () ->
                    SedimentBroker.start(props(other, "listeners", "PLAINTEXT://127.0.0.1:" + port)));
            // The refused broker released its directory: a broker on another port can use it.
            SedimentBroker.start(props(other)).close();
        }
    }

    @Test
    void illegalSettingsAreRefusedNamingTheKey() {
        assertEquals("default.replication.factor", assertThrows(InvalidConfigException.class, () ->
                SedimentBroker.start(props(dir, "default.replication.factor", "3"))).key());
        assertEquals("listeners", assertThrows(InvalidConfigException.class, () ->
                SedimentBroker.start(props(dir, "listeners", "SSL://127.0.0.1:0"))).key());
        assertEquals("log.segment.bytes".replace("log.", ""), assertThrows(InvalidConfigException.class, () ->
                SedimentBroker.start(props(dir, "log.segment.bytes", "nope"))).key());
    }

    @Test
    void theClusterIdSurvivesRestartsAndANodeIdChangeIsRefused() throws Exception {
        final String clusterId;
        try (SedimentBroker b = SedimentBroker.start(props(dir))) {
            clusterId = Files.readAllLines(dir.resolve(MetaProperties.FILE_NAME)).stream()
                    .filter(l -> l.startsWith("cluster.id=")).findFirst().orElseThrow();
        }
        try (SedimentBroker b = SedimentBroker.start(props(dir))) {
            assertTrue(Files.readAllLines(dir.resolve(MetaProperties.FILE_NAME)).contains(clusterId));
        }
        assertEquals("node.id", assertThrows(InvalidConfigException.class, () ->
                SedimentBroker.start(props(dir, "node.id", "7"))).key());
    }

    @Test
    void closeIsIdempotent() {
        final SedimentBroker b = SedimentBroker.start(props(dir));
        b.close();
        b.close();
        SedimentBroker.start(props(dir)).close();
    }
}
