package io.sediment.cli;

import io.sediment.broker.SedimentBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/** One in-process broker for a test class, over a temporary directory, with helpers to set up topics. */
final class SharedBroker implements AutoCloseable {
    final SedimentBroker broker;

    SharedBroker(final Path dir) {
        final Properties p = new Properties();
        p.setProperty("listeners", "PLAINTEXT://127.0.0.1:0");
        p.setProperty("log.dirs", dir.toString());
        p.setProperty("num.network.threads", "2");
        p.setProperty("num.io.threads", "2");
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        p.setProperty("offsets.topic.num.partitions", "5");
        broker = SedimentBroker.start(p);
    }

    String bootstrap() {
        return broker.bootstrapServers();
    }

    Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20_000, AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000));
    }

    void createTopic(final String name, final int partitions) throws Exception {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get();
        }
    }

    /** Sends {@code key-i}/{@code value-i} for i in [from, to) to the given partition, waiting for each ack. */
    void produce(final String topic, final int partition, final int from, final int to) throws Exception {
        final Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            for (int i = from; i < to; i++) {
                producer.send(new ProducerRecord<>(topic, partition, 1_700_000_000_000L + i, "key-" + i, "value-" + i)).get();
            }
        }
    }

    @Override
    public void close() {
        broker.close();
    }
}
