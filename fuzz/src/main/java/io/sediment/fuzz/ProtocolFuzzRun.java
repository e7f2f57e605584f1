package io.sediment.fuzz;

import io.sediment.fuzz.FrameMutator.Mutation;
import io.sediment.fuzz.StreamModel.Expect;
import io.sediment.fuzz.StreamModel.Kind;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;

/**
 * Protocol fuzzing against a real broker in a child JVM ({@link ChildBroker}): valid requests of every advertised
 * API and version ({@link FrameTemplates}) are damaged ({@link FrameMutator}), sent alone, pipelined, slowly, or
 * cut off mid-frame, each on a fresh connection, and every outcome is checked against {@link StreamModel}: a
 * response that parses as the matching response, or the connection closed, exactly where the model says; never
 * silence past {@link #BOUND_MS}, never {@code UNKNOWN_SERVER_ERROR}.
 *
 * <p>Every {@code checkEvery} frames: the broker process is alive, a real {@link KafkaProducer} and
 * {@link KafkaConsumer} that stay connected for the whole run still produce and read back a record, and the
 * broker's heap after GC, RSS, descriptors and mappings are sampled. At the end the records stored before the run
 * are read back and must be byte-identical, and memory must not have grown past a stated slack.
 *
 * <p>Threading: one thread; the Kafka clients run their own.
 */
public final class ProtocolFuzzRun {
    /** Silence allowed before a frame that must be answered or refused counts as a hang (a loaded 2-core VM). */
    static final int BOUND_MS = 15_000;
    /** How long a parked request (long-poll fetch, group join) is waited for before the client gives up on it. */
    static final int PARK_WAIT_MS = 300;
    /** How long a connection left mid-frame is watched for an answer it must not get. */
    static final int QUIET_MS = 20;
    static final int MAX_REQUEST_BYTES = 8 * 1024 * 1024;
    static final String KEEP_TOPIC = "keep";
    static final String CANARY_TOPIC = "canary";
    static final int KEEP_RECORDS = 500;
    /** Connections held mid-frame at a time: together they announce 4-8 times the broker's 192 MiB heap. */
    static final int SLOW_SENDERS = 128;

    /** How a case's bytes are delivered. */
    enum Delivery { FAST, SLOW, CUT, PIPELINE }

    /** What happened to one frame. */
    enum Outcome { ANSWERED, ANSWERED_WITH_ERROR, CLOSED_AS_EXPECTED, NOT_ANSWERED_ACKS_0, CLOSED_AFTER_ACKS_0,
        PARKED, INCOMPLETE_WAITING, NOT_REACHED }

    /** Counts of one run, and the failures found (a failure message names the case and the seed). */
    public static final class ProtocolResult {
        public final long seed;
        public long frames;
        public long cases;
        public final Map<Mutation, Long> byMutation = new EnumMap<>(Mutation.class);
        public final Map<Delivery, Long> byDelivery = new EnumMap<>(Delivery.class);
        public final Map<Outcome, Long> byOutcome = new EnumMap<>(Outcome.class);
        public final Map<String, Long> closeReasons = new TreeMap<>();
        public final Map<String, Long> errorCodes = new TreeMap<>();
        public final List<String> failures = new ArrayList<>();
        public final List<ProcessStats> samples = new ArrayList<>();
        public long canaryChecks;
        public long topicsDropped;
        public long slowSendersHeld;
        /** What the broker held at the end (mapped data files, descriptor targets), to explain any growth. */
        public List<String> filesAtEnd = List.of();
        public long keepRecordsVerified;
        public long recordsLost;
        public long corruptReads;
        public double seconds;

        ProtocolResult(final long seed) {
            this.seed = seed;
        }

        public ProcessStats first() {
            return samples.get(0);
        }

        public ProcessStats last() {
            return samples.get(samples.size() - 1);
        }

        /** The largest value of {@code metric} over all samples (each but the last taken with slow senders held). */
        public long peak(final ToLongFunction<ProcessStats> metric) {
            return samples.stream().mapToLong(metric).max().orElseThrow();
        }

        void fail(final String message) {
            if (failures.size() < 50) {
                failures.add(message);
            }
        }

        @Override
        public String toString() {
            return "frames " + frames + " in " + cases + " cases, seed " + seed + ", " + String.format("%.0f s", seconds)
                    + "\n  by mutation " + byMutation + "\n  by delivery " + byDelivery + "\n  outcomes " + byOutcome
                    + "\n  close reasons " + closeReasons + "\n  error codes in answers " + errorCodes
                    + "\n  canary checks " + canaryChecks + ", fuzz-made topics deleted " + topicsDropped + ", slow senders held " + slowSendersHeld + ", keep records verified " + keepRecordsVerified
                    + ", lost " + recordsLost + ", corrupt " + corruptReads
                    + "\n  broker first sample " + (samples.isEmpty() ? "-" : first()) + "\n  broker last sample  "
                    + (samples.isEmpty() ? "-" : last()) + (samples.isEmpty() ? "" : String.format(
                    "%n  broker peak: heap %.1f MiB, RSS %.1f MiB, %d fds, %d data maps", peak(ProcessStats::heapUsedBytes) / 1048576.0,
                    peak(ProcessStats::rssKb) / 1024.0, peak(ProcessStats::openFds), peak(ProcessStats::dataMaps))) + "\n  failures " + failures.size()
                    + (failures.isEmpty() ? "" : ":\n    " + String.join("\n    ", failures));
        }
    }

    private final Path dir;
    private final long seed;
    private final String classpath;
    private final int checkEvery;
    private final Random random;

    /**
     * @param dir        a fresh directory for the broker's data and log
     * @param classpath  the class path for the broker's JVM (the test's)
     * @param checkEvery frames between canary checks and memory samples
     */
    public ProtocolFuzzRun(final Path dir, final long seed, final String classpath, final int checkEvery) {
        this.dir = dir;
        this.seed = seed;
        this.classpath = classpath;
        this.checkEvery = checkEvery;
        this.random = new Random(seed);
    }

    public ProtocolResult run(final long frames) throws Exception {
        final ProtocolResult result = new ProtocolResult(seed);
        final long t0 = System.nanoTime();
        final Map<String, String> settings = new LinkedHashMap<>();
        settings.put("num.network.threads", "2");
        settings.put("num.io.threads", "2");
        settings.put("auto.create.topics.enable", "false");
        settings.put("socket.request.max.bytes", String.valueOf(MAX_REQUEST_BYTES));
        settings.put("group.initial.rebalance.delay.ms", "0");
        // Deleted topics' files are unmapped and closed after this delay (Kafka's default is a minute): short, so
        // that a sample taken after dropping the fuzz-made topics sees only what the broker really still holds.
        settings.put("log.segment.delete.delay.ms", "50");
        try (ChildBroker broker = new ChildBroker(dir.resolve("data"), settings, "192m", classpath)) {
            final Uuid fuzzTopicId;
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()));
                 KafkaProducer<byte[], byte[]> producer = producer(broker);
                 KafkaConsumer<byte[], byte[]> canaryConsumer = consumer(broker)) {
                admin.createTopics(List.of(new NewTopic(KEEP_TOPIC, 1, (short) 1), new NewTopic(CANARY_TOPIC, 1, (short) 1),
                        new NewTopic(FrameTemplates.PRODUCE_TOPIC, FrameTemplates.PRODUCE_PARTITIONS, (short) 1)))
                        .all().get(60, TimeUnit.SECONDS);
                fuzzTopicId = admin.describeTopics(List.of(FrameTemplates.PRODUCE_TOPIC)).allTopicNames()
                        .get(60, TimeUnit.SECONDS).get(FrameTemplates.PRODUCE_TOPIC).topicId();
                for (int i = 0; i < KEEP_RECORDS; i++) {
                    producer.send(new ProducerRecord<>(KEEP_TOPIC, 0, keepKey(i), keepValue(i))).get(60, TimeUnit.SECONDS);
                }
                // The first group request creates __consumer_offsets (50 logs): before the first sample, so that
                // the samples compare like with like.
                admin.alterConsumerGroupOffsets("fuzz-warmup", Map.of(new TopicPartition(KEEP_TOPIC, 0),
                        new OffsetAndMetadata(0))).all().get(60, TimeUnit.SECONDS);
                final TopicPartition canaryTp = new TopicPartition(CANARY_TOPIC, 0);
                canaryConsumer.assign(List.of(canaryTp));
                canaryConsumer.seekToBeginning(List.of(canaryTp));
                final Map<ApiKeys, short[]> ranges = advertised(broker);
                final FrameTemplates templates = new FrameTemplates(ranges, fuzzTopicId, random);
                final FrameMutator mutator = new FrameMutator(random, MAX_REQUEST_BYTES, ranges, templates.keys());
                final StreamModel model = new StreamModel(ranges, MAX_REQUEST_BYTES);
                canary(broker, producer, canaryConsumer, result);
                final List<WireClient> held = new ArrayList<>();
                holdSlowSenders(broker, templates, held, result);
                result.samples.add(broker.stats());
                long nextCheck = checkEvery;
                while (result.frames < frames && result.failures.size() < 50) {
                    runCase(broker, templates, mutator, model, result);
                    if (result.frames >= nextCheck || result.frames >= frames) {
                        nextCheck += checkEvery;
                        if (!broker.alive()) {
                            result.fail("broker died after case " + result.cases + "; its log:\n" + broker.logTail());
                            break;
                        }
                        if (!canary(broker, producer, canaryConsumer, result)) {
                            break; // the broker no longer serves real clients: every further case would time out
                        }
                        dropFuzzTopics(admin, result);
                        // sampled while the slow senders are held: what they cost is in the figure
                        result.samples.add(broker.stats());
                        releaseSlowSenders(held, result);
                        holdSlowSenders(broker, templates, held, result);
                        System.out.printf("%d frames, %.0f s, failures %d, broker %s%n", result.frames,
                                (System.nanoTime() - t0) / 1e9, result.failures.size(), result.last());
                    }
                }
                releaseSlowSenders(held, result);
            }
            verifyKeep(broker, result);
            result.samples.add(broker.stats());
            result.filesAtEnd = broker.files();
            for (String problem : broker.logProblems()) {
                result.fail("broker logged: " + problem);
            }
        }
        result.seconds = (System.nanoTime() - t0) / 1e9;
        return result;
    }

    /** One case: a fresh connection, one to five frames, delivered one way, every outcome checked. */
    private void runCase(final ChildBroker broker, final FrameTemplates templates, final FrameMutator mutator,
                         final StreamModel model, final ProtocolResult result) throws IOException {
        final long caseNo = result.cases++;
        final int r = random.nextInt(100);
        final Delivery delivery = r < 70 ? Delivery.FAST : r < 80 ? Delivery.SLOW : r < 88 ? Delivery.CUT : Delivery.PIPELINE;
        final int n = delivery == Delivery.PIPELINE ? 2 + random.nextInt(4) : 1;
        final List<String> what = new ArrayList<>();
        byte[] stream = new byte[0];
        for (int i = 0; i < n; i++) {
            final FrameTemplates.Template t = templates.next();
            // pipelines are mostly valid frames with one damaged among them, so later frames are reached
            final Mutation m = delivery == Delivery.PIPELINE && random.nextInt(3) != 0 ? Mutation.NONE : mutator.pick();
            final byte[] f = mutator.apply(m, t);
            result.byMutation.merge(m, 1L, Long::sum);
            what.add(t.key() + " v" + t.version() + " " + m);
            stream = concat(stream, f);
        }
        if (delivery == Delivery.CUT && stream.length > 1) {
            stream = Arrays.copyOf(stream, 1 + random.nextInt(stream.length - 1));
        }
        result.frames += n;
        result.byDelivery.merge(delivery, 1L, Long::sum);
        final List<Expect> expected = model.expect(stream);
        final String label = "case " + caseNo + " (" + delivery + ": " + String.join(", ", what) + "; " + stream.length
                + " bytes; replay -Dfuzz.seed=" + seed + ")";
        try (WireClient c = new WireClient(broker.address())) {
            if (delivery == Delivery.SLOW) {
                c.writeSlowly(stream, random, 16, 3, 150);
            } else {
                c.write(stream);
            }
            check(c, expected, label, result);
        }
    }

    private void check(final WireClient c, final List<Expect> expected, final String label, final ProtocolResult result)
            throws IOException {
        boolean closeAllowed = false;
        for (int i = 0; i < expected.size(); i++) {
            final Expect e = expected.get(i);
            switch (e.kind()) {
                case NO_RESPONSE_OR_CLOSE -> {
                    closeAllowed = true;
                    count(result, Outcome.NOT_ANSWERED_ACKS_0);
                }
                case RESPONSE -> {
                    final WireClient.Read read = c.read(e.mayPark() ? PARK_WAIT_MS : BOUND_MS);
                    if (read instanceof WireClient.Frame f) {
                        closeAllowed = false;
                        checkResponse(f.payload(), e.header(), label, result);
                    } else if (read instanceof WireClient.Closed closed) {
                        if (closeAllowed) {
                            count(result, Outcome.CLOSED_AFTER_ACKS_0);
                        } else {
                            result.fail(label + ": frame " + i + " " + e.header() + " parses but the broker closed ("
                                    + closed.how() + ")");
                        }
                        notReached(expected, i + 1, result);
                        return;
                    } else if (e.mayPark()) {
                        count(result, Outcome.PARKED);
                        notReached(expected, i + 1, result);
                        return;
                    } else {
                        result.fail(label + ": frame " + i + " " + e.header() + " not answered within " + BOUND_MS + " ms");
                        notReached(expected, i + 1, result);
                        return;
                    }
                }
                case CLOSE -> {
                    final WireClient.Read read = c.read(BOUND_MS);
                    if (read instanceof WireClient.Closed) {
                        count(result, Outcome.CLOSED_AS_EXPECTED);
                        result.closeReasons.merge(e.why().replaceAll(" -?\\d+", " N").replaceAll(" v\\S+", " vN"), 1L, Long::sum);
                    } else if (read instanceof WireClient.Frame) {
                        result.fail(label + ": frame " + i + " must be refused (" + e.why() + ") but was answered");
                    } else {
                        result.fail(label + ": frame " + i + " must close the connection (" + e.why()
                                + ") but it stayed open " + BOUND_MS + " ms");
                    }
                    return;
                }
                case INCOMPLETE -> {
                    final WireClient.Read read = c.read(QUIET_MS);
                    if (read instanceof WireClient.Frame) {
                        result.fail(label + ": the broker answered a frame it has not received in full");
                    } else if (read instanceof WireClient.Closed closed && !closeAllowed) {
                        result.fail(label + ": the broker closed a connection waiting for the rest of a frame ("
                                + closed.how() + ")");
                    } else {
                        count(result, Outcome.INCOMPLETE_WAITING);
                    }
                    return;
                }
                case OPEN -> {
                    // The connection must still serve: a valid ApiVersions on it is answered (or, after an acks=0
                    // produce that failed, the connection was closed).
                    final RequestHeader probe = new RequestHeader(ApiKeys.API_VERSIONS, (short) 3, "probe", 777_777);
                    c.write(FrameTemplates.frame(probe, new ApiVersionsRequestData()));
                    final WireClient.Read read = c.read(BOUND_MS);
                    if (read instanceof WireClient.Frame f) {
                        AbstractResponse.parseResponse(ByteBuffer.wrap(f.payload()), probe);
                    } else if (!(read instanceof WireClient.Closed && closeAllowed)) {
                        result.fail(label + ": the connection stopped serving after its frames were answered (" + read + ")");
                    }
                    return;
                }
            }
        }
    }

    private static void notReached(final List<Expect> expected, final int from, final ProtocolResult result) {
        for (int j = from; j < expected.size(); j++) {
            final Kind k = expected.get(j).kind();
            if (k != Kind.OPEN && k != Kind.INCOMPLETE) {
                count(result, Outcome.NOT_REACHED);
            }
        }
    }

    private static void checkResponse(final byte[] payload, final RequestHeader header, final String label,
                                      final ProtocolResult result) {
        final AbstractResponse response;
        try {
            response = AbstractResponse.parseResponse(ByteBuffer.wrap(payload), header);
        } catch (RuntimeException e) {
            result.fail(label + ": the answer to " + header + " does not parse as its response: " + e);
            return;
        }
        final Map<Errors, Integer> errors = new HashMap<>(response.errorCounts());
        errors.remove(Errors.NONE);
        if (errors.containsKey(Errors.UNKNOWN_SERVER_ERROR)) {
            result.fail(label + ": " + header.apiKey() + " v" + header.apiVersion() + " answered UNKNOWN_SERVER_ERROR: "
                    + response.data());
        }
        count(result, errors.isEmpty() ? Outcome.ANSWERED : Outcome.ANSWERED_WITH_ERROR);
        errors.keySet().forEach(err -> result.errorCodes.merge(err.name(), 1L, Long::sum));
    }

    private static void count(final ProtocolResult result, final Outcome o) {
        result.byOutcome.merge(o, 1L, Long::sum);
    }

    /** The advertised ranges, from the broker's own ApiVersions answer. */
    private static Map<ApiKeys, short[]> advertised(final ChildBroker broker) throws IOException {
        try (WireClient c = new WireClient(broker.address())) {
            final RequestHeader h = new RequestHeader(ApiKeys.API_VERSIONS, (short) 3, "fuzz", 1);
            c.write(FrameTemplates.frame(h, new ApiVersionsRequestData()));
            final WireClient.Read read = c.read(60_000);
            if (!(read instanceof WireClient.Frame f)) {
                throw new IOException("no ApiVersions answer: " + read);
            }
            final ApiVersionsResponse r = (ApiVersionsResponse) AbstractResponse.parseResponse(ByteBuffer.wrap(f.payload()), h);
            final Map<ApiKeys, short[]> ranges = new HashMap<>();
            for (ApiVersionsResponseData.ApiVersion v : r.data().apiKeys()) {
                ranges.put(ApiKeys.forId(v.apiKey()), new short[]{v.minVersion(), v.maxVersion()});
            }
            return ranges;
        }
    }

    /**
     * Opens {@link #SLOW_SENDERS} connections that each announce a frame of up to {@code socket.request.max.bytes}
     * (together several times the broker's heap) and send only its first bytes, and keeps them open until the next
     * checkpoint, while the fuzzing goes on beside them: slow senders must cost the broker only what they sent.
     */
    private void holdSlowSenders(final ChildBroker broker, final FrameTemplates templates, final List<WireClient> held,
                                 final ProtocolResult result) throws IOException {
        for (int i = 0; i < SLOW_SENDERS; i++) {
            final byte[] start = templates.next().bytes();
            final int sent = Math.min(start.length, 4 + random.nextInt(1000));
            ByteBuffer.wrap(start).putInt(0, MAX_REQUEST_BYTES - random.nextInt(MAX_REQUEST_BYTES / 4));
            final WireClient c = new WireClient(broker.address());
            c.write(Arrays.copyOf(start, sent));
            held.add(c);
        }
        result.slowSendersHeld += SLOW_SENDERS;
    }

    /** Each held connection must still be waiting for the rest of its frame: not answered, not closed. */
    private static void releaseSlowSenders(final List<WireClient> held, final ProtocolResult result) throws IOException {
        for (WireClient c : held) {
            final WireClient.Read read = c.read(1);
            if (!(read instanceof WireClient.Silent)) {
                result.fail("a slow sender's connection was " + read + " while its frame was incomplete");
            }
            c.close();
        }
        held.clear();
    }

    /**
     * Deletes the topics damaged CreateTopics requests made (names and partition counts are whatever a mutation
     * left), so that memory and descriptor samples compare the same state and growth means a leak.
     */
    private static void dropFuzzTopics(final Admin admin, final ProtocolResult result) {
        try {
            final Set<String> extra = new HashSet<>(admin.listTopics().names().get(60, TimeUnit.SECONDS));
            extra.removeAll(List.of(KEEP_TOPIC, CANARY_TOPIC, FrameTemplates.PRODUCE_TOPIC));
            if (!extra.isEmpty()) {
                admin.deleteTopics(extra).all().get(60, TimeUnit.SECONDS);
                result.topicsDropped += extra.size();
                Thread.sleep(500); // past log.segment.delete.delay.ms and the engine's next deletion pass
            }
        } catch (Exception e) {
            result.fail("the Admin client could not list or delete topics after " + result.frames + " frames: " + e);
        }
    }

    /** A record produced through the long-lived producer comes back through the long-lived consumer. */
    private boolean canary(final ChildBroker broker, final KafkaProducer<byte[], byte[]> producer,
                           final KafkaConsumer<byte[], byte[]> consumer, final ProtocolResult result) {
        final byte[] value = ("canary-" + result.canaryChecks).getBytes(StandardCharsets.UTF_8);
        try {
            final RecordMetadata md = producer.send(new ProducerRecord<>(CANARY_TOPIC, 0, null, value)).get(60, TimeUnit.SECONDS);
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() - deadline < 0) {
                for (ConsumerRecord<byte[], byte[]> rec : consumer.poll(Duration.ofMillis(100))) {
                    if (rec.offset() == md.offset()) {
                        if (!Arrays.equals(rec.value(), value)) {
                            result.corruptReads++;
                            result.fail("canary " + result.canaryChecks + " read back different bytes");
                        }
                        result.canaryChecks++;
                        return true;
                    }
                }
            }
            result.fail("canary " + result.canaryChecks + " (offset " + md.offset() + ") not read back within 60 s");
        } catch (Exception e) {
            result.fail("canary " + result.canaryChecks + " failed after " + result.frames + " frames: " + e
                    + "; broker alive " + broker.alive());
        }
        return false;
    }

    private void verifyKeep(final ChildBroker broker, final ProtocolResult result) {
        try (KafkaConsumer<byte[], byte[]> c = consumer(broker)) {
            readKeep(c, result);
        } catch (RuntimeException e) {
            result.recordsLost = KEEP_RECORDS - result.keepRecordsVerified;
            result.fail("reading back the kept records failed: " + e);
        }
    }

    private void readKeep(final KafkaConsumer<byte[], byte[]> c, final ProtocolResult result) {
        final TopicPartition tp = new TopicPartition(KEEP_TOPIC, 0);
        c.assign(List.of(tp));
        c.seekToBeginning(List.of(tp));
        final long end = c.endOffsets(List.of(tp)).get(tp);
        if (end != KEEP_RECORDS) {
            result.fail("topic " + KEEP_TOPIC + " ends at " + end + ", not " + KEEP_RECORDS);
        }
        long next = 0;
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (next < KEEP_RECORDS && System.nanoTime() - deadline < 0) {
            for (ConsumerRecord<byte[], byte[]> rec : c.poll(Duration.ofMillis(200))) {
                if (rec.offset() != next || !Arrays.equals(rec.key(), keepKey((int) next))
                        || !Arrays.equals(rec.value(), keepValue((int) next))) {
                    result.corruptReads++;
                    result.fail("kept record at offset " + rec.offset() + " (expected " + next + ") differs");
                }
                next = rec.offset() + 1;
                result.keepRecordsVerified++;
            }
        }
        result.recordsLost = KEEP_RECORDS - result.keepRecordsVerified;
        if (result.recordsLost != 0) {
            result.fail(result.recordsLost + " kept records not read back");
        }
    }

    private static byte[] keepKey(final int i) {
        return ("keep-" + i).getBytes(StandardCharsets.UTF_8);
    }

    private byte[] keepValue(final int i) {
        final byte[] v = new byte[16 + (i * 37) % 200];
        new Random(seed * 31 + i).nextBytes(v);
        return v;
    }

    private static byte[] concat(final byte[] a, final byte[] b) {
        final byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    static KafkaProducer<byte[], byte[]> producer(final ChildBroker broker) {
        final Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 30_000);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    static KafkaConsumer<byte[], byte[]> consumer(final ChildBroker broker) {
        final Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }
}
