package io.sediment.broker;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

/** Starts a broker on an ephemeral loopback port over a temporary data directory, and builds clients for it. */
final class BrokerFixture implements AutoCloseable {
    final Path dir;
    final Properties props = new Properties();
    SedimentBroker broker;

    BrokerFixture(final Path dir, final String... overrides) {
        this.dir = dir;
        props.setProperty("listeners", "PLAINTEXT://127.0.0.1:0");
        props.setProperty("log.dirs", dir.toString());
        props.setProperty("num.network.threads", "2");
        props.setProperty("num.io.threads", "2");
        for (int i = 0; i + 1 < overrides.length; i += 2) {
            props.setProperty(overrides[i], overrides[i + 1]);
        }
        broker = SedimentBroker.start(props);
    }

    String bootstrap() {
        return broker.bootstrapServers();
    }

    /** Stops the broker and starts a new one over the same directory (on a new ephemeral port). */
    void restart() {
        broker.close();
        broker = SedimentBroker.start(props);
    }

    Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20_000, AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000));
    }

    KafkaProducer<byte[], byte[]> producer(final Object... kv) {
        final Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        for (int i = 0; i + 1 < kv.length; i += 2) {
            p.put(kv[i], kv[i + 1]);
        }
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    KafkaConsumer<byte[], byte[]> consumer(final Object... kv) {
        final Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        for (int i = 0; i + 1 < kv.length; i += 2) {
            p.put(kv[i], kv[i + 1]);
        }
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    @Override
    public void close() {
        broker.close();
    }
}
