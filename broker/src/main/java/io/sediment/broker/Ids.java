package io.sediment.broker;

import org.apache.kafka.common.Uuid;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Random cluster and topic ids, by Kafka's rules for {@link Uuid#randomUuid()} (never the zero or metadata-topic id,
 * never a base64 form starting with '-', which CLI tools would read as an option), drawn from
 * {@link ThreadLocalRandom}: ids must be unique, not unguessable, and seeding {@code SecureRandom} costs tens of
 * milliseconds of a cold start.
 */
final class Ids {
    private Ids() {
    }

    static Uuid random() {
        final ThreadLocalRandom r = ThreadLocalRandom.current();
        Uuid id;
        do {
            id = new Uuid(r.nextLong(), r.nextLong());
        } while (id.equals(Uuid.ZERO_UUID) || id.equals(Uuid.METADATA_TOPIC_ID) || id.toString().startsWith("-"));
        return id;
    }
}
