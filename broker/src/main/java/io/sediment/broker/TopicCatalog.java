package io.sediment.broker;

import io.sediment.api.Log;
import io.sediment.api.LogConfig;
import io.sediment.api.LogEngine;
import io.sediment.api.StorageException;
import io.sediment.api.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The broker's topics: name, topic id, partition count and per-topic config overrides, persisted in the data
 * directory (the engine keeps logs, not topics), and the lifecycle of each topic's logs in the engine.
 *
 * <p>File {@code <log.dir>/sediment-topics.meta}, UTF-8 text, rewritten whole on every change (write to
 * {@code .tmp}, fsync, atomic rename, fsync the directory), so a crash leaves the old or the new file, never a mix:
 * <pre>
 * # sediment topic metadata v1
 * topic=orders id=ZxMU1gHySoyJ0wVh4E8Fmw partitions=3 config.retention.ms=86400000
 * </pre>
 * Values are URL-encoded. Invariants: every topic in the file has logs {@code 0..partitions-1} in the engine after
 * {@link #open} (missing ones are recreated empty); a log found in the engine whose topic is not in the file is
 * adopted as a topic with a new id and no overrides, so no stored data is ever dropped for want of metadata.
 *
 * <p>Threading: lookups are lock-free; changes take this object's lock, so admin requests are serialised.
 */
final class TopicCatalog {
    private static final Logger LOG = LoggerFactory.getLogger(TopicCatalog.class);
    static final String FILE_NAME = "sediment-topics.meta";

    /** One topic's metadata. {@code overrides} holds only keys set on the topic, values as strings. */
    record Topic(String name, Uuid id, int partitions, Map<String, String> overrides) {
        TopicPartition partition(final int index) {
            return new TopicPartition(name, index);
        }
    }

    private final Path file;
    private final LogConfig brokerDefaults;
    private final Map<String, Topic> byName = new ConcurrentHashMap<>();
    private final Map<Uuid, Topic> byId = new ConcurrentHashMap<>();
    private volatile LogEngine engine;

    private TopicCatalog(final Path logDir, final LogConfig brokerDefaults) {
        this.file = logDir.resolve(FILE_NAME);
        this.brokerDefaults = brokerDefaults;
    }

    /** Reads the metadata file (if any); call {@link #attach} once the engine is open. */
    static TopicCatalog load(final Path logDir, final LogConfig brokerDefaults) {
        final TopicCatalog c = new TopicCatalog(logDir, brokerDefaults);
        if (Files.exists(c.file)) {
            try {
                for (String line : Files.readAllLines(c.file, StandardCharsets.UTF_8)) {
                    if (!line.isBlank() && !line.startsWith("#")) {
                        final Topic t = parse(line);
                        c.byName.put(t.name(), t);
                        c.byId.put(t.id(), t);
                    }
                }
            } catch (IOException e) {
                throw new StorageException(c.file.toString(), "cannot read topic metadata", e);
            }
        }
        return c;
    }

    /** The config a log of {@code tp}'s topic uses: broker defaults with the topic's overrides on top. */
    LogConfig logConfig(final TopicPartition tp) {
        final Topic t = byName.get(tp.topic());
        return t == null ? brokerDefaults : brokerDefaults.with(t.overrides());
    }

    LogConfig brokerDefaults() {
        return brokerDefaults;
    }

    /** Reconciles the metadata with the logs the engine found (see class invariants). */
    synchronized void attach(final LogEngine e) {
        this.engine = e;
        final Map<String, Integer> found = new TreeMap<>();
        for (TopicPartition tp : e.logs()) {
            found.merge(tp.topic(), tp.partition() + 1, Math::max);
        }
        boolean changed = false;
        for (Map.Entry<String, Integer> f : found.entrySet()) {
            final Topic t = byName.get(f.getKey());
            if (t == null) {
                LOG.warn("adopting logs of topic {} found without metadata ({} partitions)", f.getKey(), f.getValue());
                put(new Topic(f.getKey(), Ids.random(), f.getValue(), Map.of()));
                changed = true;
            } else if (t.partitions() < f.getValue()) {
                put(new Topic(t.name(), t.id(), f.getValue(), t.overrides()));
                changed = true;
            }
        }
        for (Topic t : byName.values()) {
            final LogConfig config = logConfig(t.partition(0));
            for (int p = 0; p < t.partitions(); p++) {
                e.getOrCreateLog(t.partition(p), config);
            }
        }
        if (changed) {
            persist();
        }
    }

    Optional<Topic> topic(final String name) {
        return Optional.ofNullable(byName.get(name));
    }

    Optional<Topic> topic(final Uuid id) {
        return Optional.ofNullable(byId.get(id));
    }

    Collection<Topic> topics() {
        return Collections.unmodifiableCollection(new TreeMap<>(byName).values());
    }

    /** The log of a partition of a known topic, or empty. */
    Optional<Log> log(final String topic, final int partition) {
        final Topic t = byName.get(topic);
        if (t == null || partition < 0 || partition >= t.partitions()) {
            return Optional.empty();
        }
        return engine.log(new TopicPartition(topic, partition));
    }

    /**
     * Checks a topic could be created as asked, without creating it; returns the config its logs would use.
     *
     * @throws TopicExistsException when it exists
     * @throws InvalidPartitionsException when {@code partitions} is not positive
     * @throws io.sediment.api.InvalidConfigException when an override is unknown or illegal
     * @throws io.sediment.api.InvalidTopicException when the name breaks Kafka's rules
     */
    LogConfig validateCreate(final String name, final int partitions, final Map<String, String> overrides) {
        TopicPartition.validateTopic(name);
        if (byName.containsKey(name)) {
            throw new TopicExistsException("Topic '" + name + "' already exists.");
        }
        // Kafka's rule: '.' and '_' collide in metric names, so "a.b" and "a_b" cannot both exist.
        final String unified = name.replace('.', '_');
        for (String existing : byName.keySet()) {
            if (existing.replace('.', '_').equals(unified)) {
                throw new org.apache.kafka.common.errors.InvalidTopicException("Topic '" + name
                        + "' collides with existing topic: " + existing);
            }
        }
        if (partitions <= 0) {
            throw new InvalidPartitionsException("Number of partitions was set to an invalid non-positive value.");
        }
        return brokerDefaults.with(overrides);
    }

    synchronized Topic create(final String name, final int partitions, final Map<String, String> overrides) {
        final LogConfig config = validateCreate(name, partitions, overrides);
        final Topic t = new Topic(name, Ids.random(), partitions, Map.copyOf(overrides));
        // Durable first (a crash after this recreates the logs at the next start), visible last (no client sees
        // the topic before its logs exist).
        persist(with(t));
        try {
            for (int p = 0; p < partitions; p++) {
                engine.getOrCreateLog(t.partition(p), config);
            }
        } catch (RuntimeException e) {
            // Undo, best effort, so that neither the file nor a restart brings back a topic the client saw fail.
            for (int p = 0; p < partitions; p++) {
                if (engine.log(t.partition(p)).isPresent()) {
                    engine.deleteLog(t.partition(p));
                }
            }
            persist();
            throw e;
        }
        put(t);
        return t;
    }

    synchronized Topic delete(final String name) {
        final Topic t = byName.get(name);
        if (t == null) {
            throw new UnknownTopicOrPartitionException("This server does not host this topic-partition.");
        }
        // Logs first, then metadata: a crash in between recreates empty logs for a topic the user meant to delete,
        // rather than resurrecting its data.
        for (int p = 0; p < t.partitions(); p++) {
            final TopicPartition tp = t.partition(p);
            if (engine.log(tp).isPresent()) {
                engine.deleteLog(tp);
            }
        }
        byName.remove(name);
        byId.remove(t.id());
        persist();
        return t;
    }

    /** Checks an increase of {@code name} to {@code count} partitions, with Kafka's messages. */
    Topic validateIncrease(final String name, final int count) {
        final Topic t = byName.get(name);
        if (t == null) {
            throw new UnknownTopicOrPartitionException("This server does not host this topic-partition.");
        }
        if (count == t.partitions()) {
            throw new InvalidPartitionsException("Topic already has " + t.partitions() + " partition(s).");
        }
        if (count < t.partitions()) {
            throw new InvalidPartitionsException("The topic " + name + " currently has " + t.partitions()
                    + " partition(s); " + count + " would not be an increase.");
        }
        return t;
    }

    synchronized Topic increasePartitions(final String name, final int count) {
        final Topic t = validateIncrease(name, count);
        final Topic grown = new Topic(t.name(), t.id(), count, t.overrides());
        persist(with(grown));
        final LogConfig config = logConfig(t.partition(0));
        for (int p = t.partitions(); p < count; p++) {
            engine.getOrCreateLog(t.partition(p), config);
        }
        put(grown);
        return grown;
    }

    /** Validates {@code overrides} as a topic's complete set of overrides; returns the resulting config. */
    LogConfig validateOverrides(final Map<String, String> overrides) {
        return brokerDefaults.with(overrides);
    }

    /** Replaces the topic's overrides, persists them, and applies the new config to every live log of the topic. */
    synchronized void setOverrides(final String name, final Map<String, String> overrides) {
        final Topic t = byName.get(name);
        if (t == null) {
            throw new UnknownTopicOrPartitionException("Topic " + name + " does not exist.");
        }
        final LogConfig config = validateOverrides(overrides);
        put(new Topic(t.name(), t.id(), t.partitions(), Map.copyOf(overrides)));
        persist();
        for (int p = 0; p < t.partitions(); p++) {
            engine.log(t.partition(p)).ifPresent(l -> l.updateConfig(config));
        }
    }

    private void put(final Topic t) {
        final Topic old = byName.put(t.name(), t);
        if (old != null && !old.id().equals(t.id())) {
            byId.remove(old.id());
        }
        byId.put(t.id(), t);
    }

    /** The topics as they are plus {@code t} (added or replacing the one of its name), sorted by name. */
    private Map<String, Topic> with(final Topic t) {
        final Map<String, Topic> view = new TreeMap<>(byName);
        view.put(t.name(), t);
        return view;
    }

    private void persist() {
        persist(new TreeMap<>(byName));
    }

    private void persist(final Map<String, Topic> topics) {
        final StringBuilder sb = new StringBuilder("# sediment topic metadata v1\n");
        for (Topic t : new TreeMap<>(topics).values()) {
            sb.append("topic=").append(enc(t.name())).append(" id=").append(t.id()).append(" partitions=")
                    .append(t.partitions());
            for (Map.Entry<String, String> o : new TreeMap<>(t.overrides()).entrySet()) {
                sb.append(" config.").append(enc(o.getKey())).append('=').append(enc(o.getValue()));
            }
            sb.append('\n');
        }
        final Path tmp = file.resolveSibling(FILE_NAME + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(java.nio.ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.UTF_8)));
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
                dir.force(true);
            } catch (IOException ignored) {
                // some file systems cannot fsync a directory; the rename is still atomic
            }
        } catch (IOException e) {
            throw new StorageException(file.toString(), "cannot write topic metadata", new UncheckedIOException(e));
        }
    }

    private static Topic parse(final String line) {
        String name = null;
        Uuid id = null;
        int partitions = -1;
        final Map<String, String> overrides = new LinkedHashMap<>();
        for (String field : line.trim().split(" +")) {
            final int eq = field.indexOf('=');
            if (eq <= 0) {
                throw new StorageException(FILE_NAME, "malformed field '" + field + "' in line: " + line);
            }
            final String k = dec(field.substring(0, eq));
            final String v = dec(field.substring(eq + 1));
            if (k.equals("topic")) {
                name = v;
            } else if (k.equals("id")) {
                id = Uuid.fromString(v);
            } else if (k.equals("partitions")) {
                partitions = Integer.parseInt(v);
            } else if (k.startsWith("config.")) {
                overrides.put(k.substring("config.".length()), v);
            }
        }
        if (name == null || id == null || partitions < 1) {
            throw new StorageException(FILE_NAME, "incomplete topic line: " + line);
        }
        return new Topic(name, id, partitions, Collections.unmodifiableMap(overrides));
    }

    private static String enc(final String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String dec(final String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }
}
