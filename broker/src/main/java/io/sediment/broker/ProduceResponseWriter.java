package io.sediment.broker;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.RequestHeader;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Writes a Produce response, versions 3–13, straight into the size-prefixed frame that is sent, as the handler
 * learns each partition's result: the one part of the protocol this module encodes by hand.
 *
 * <p>Why by hand: produce requests are by far the most numerous, and kafka-clients' {@code ProduceResponseData}
 * plus {@code SendBuilder} allocated ~1.5 KB per request (the message tree, its linked collections and iterators, a
 * {@code LeaderIdAndEpoch} per partition in each of size and write, a serialization cache, the send's buffer
 * list). The broker runs with a heap that is not collected during a benchmark run, so that garbage was resident
 * memory. This writer allocates the frame and nothing else. {@code ProduceResponseWriterTest} pins its bytes to
 * kafka-clients' serialization of the same content at every version, so the two cannot drift apart.
 *
 * <p>Layout (kafka-clients' {@code ProduceResponse.json}). Versions 9+ are <em>flexible</em>: arrays and strings
 * carry an unsigned varint of length + 1 (0 for a null string) instead of an int32/int16 length, and every structure
 * ends with its tagged fields, here always none (a varint 0): the partition's {@code CurrentLeader} (v10+) and the
 * response's {@code NodeEndpoints} (v10+) are only sent for NOT_LEADER_OR_FOLLOWER with a known new leader, which a
 * single node never has.
 * <pre>
 *   int32   frame size (what follows)
 *   int32   correlation id                           response header v0 (v3–8)
 *   [tags]                                           response header v1 (v9+)
 *   array   responses
 *     string  name                                   v3–12
 *     uuid    topic id                               v13+
 *     array   partition responses
 *       int32   index
 *       int16   error code
 *       int64   base offset
 *       int64   log append time ms
 *       int64   log start offset                     v5+
 *       array   record errors, always empty          v8+
 *       string? error message (nullable)             v8+
 *       [tags]                                       v9+
 *     [tags]                                         v9+
 *   int32   throttle time ms (always 0: no quotas)
 *   [tags]                                           v9+
 * </pre>
 *
 * <p>The caller states each topic before its partitions, with their count as the request gave them, and the
 * partitions in request order; {@link #finish} then checks that the counts were kept. Not thread-safe: one writer
 * per request, used by the thread that handles it.
 */
final class ProduceResponseWriter {
    private static final short FIRST_FLEXIBLE = 9;
    private static final short FIRST_WITH_LOG_START_OFFSET = 5;
    private static final short FIRST_WITH_RECORD_ERRORS = 8;
    private static final short FIRST_WITH_TOPIC_ID = 13;
    private static final int MAX_LENGTH_PREFIX_BYTES = 5;
    /** Index, error code, base offset, log append time, log start offset, empty record errors, null message, tags. */
    private static final int MAX_PARTITION_FIXED_BYTES = 4 + 2 + 8 + 8 + 8 + 4 + 2 + 1;
    /** A topic's id, its partition count and its tags (its name is a string, see {@link #string}). */
    private static final int MAX_TOPIC_FIXED_BYTES = 16 + 5 + 1;
    /** Size, correlation id, header tags, topic count, throttle time, tags. */
    private static final int MAX_FRAME_FIXED_BYTES = 4 + 4 + 1 + 5 + 4 + 1;

    private final short version;
    private final boolean flexible;
    private final int topics;
    private ByteBuffer out;
    /** Capacity of {@link #out} that the constructor's plan leaves for strings (topic names, error messages). */
    private int unplanned;
    private int topicsStarted;
    private int partitionsLeft;
    private boolean anyError;

    /**
     * Starts the response to a Produce request read with {@code header}, which names {@code topics} topics and
     * {@code partitions} partitions in all, with room for all of them and, in {@code nameBytes}, for topic names of
     * that many bytes in UTF-8: the frame grows only for longer names or for error messages.
     */
    ProduceResponseWriter(final RequestHeader header, final int topics, final int partitions, final int nameBytes) {
        this.version = header.apiVersion();
        if (version < ProduceRequestReader.MIN_VERSION || version > ProduceRequestReader.MAX_VERSION) {
            throw new IllegalArgumentException("Produce response version " + version + " is outside ["
                    + ProduceRequestReader.MIN_VERSION + ", " + ProduceRequestReader.MAX_VERSION + "]");
        }
        this.flexible = version >= FIRST_FLEXIBLE;
        this.topics = topics;
        this.unplanned = version < FIRST_WITH_TOPIC_ID ? nameBytes + MAX_LENGTH_PREFIX_BYTES * topics : 0;
        this.out = ByteBuffer.allocate(MAX_FRAME_FIXED_BYTES + topics * MAX_TOPIC_FIXED_BYTES
                + partitions * MAX_PARTITION_FIXED_BYTES + unplanned);
        out.putInt(0); // the frame size, set by finish()
        out.putInt(header.correlationId());
        if (header.apiKey().responseHeaderVersion(version) >= 1) {
            out.put((byte) 0); // no tagged fields
        }
        arrayLength(topics);
    }

    /**
     * Starts the next topic, named as the request named it (by name up to v12, by id from v13), with the number of
     * partitions the request gave it.
     */
    void topic(final String name, final Uuid id, final int partitions) {
        if (partitionsLeft != 0 || topicsStarted == topics) {
            throw new IllegalStateException("topic " + (topicsStarted + 1) + " of " + topics + " started with "
                    + partitionsLeft + " partitions of the previous one unanswered");
        }
        if (topicsStarted > 0) {
            endStructure();
        }
        topicsStarted++;
        if (version < FIRST_WITH_TOPIC_ID) {
            string(name);
        } else {
            out.putLong(id.getMostSignificantBits());
            out.putLong(id.getLeastSignificantBits());
        }
        partitionsLeft = partitions;
        arrayLength(partitions);
    }

    /** The next partition of the current topic was stored (or was a duplicate) at these offsets. */
    void stored(final int index, final long baseOffset, final long logAppendTimeMs, final long logStartOffset) {
        partition(index, Errors.NONE.code(), baseOffset, logAppendTimeMs, logStartOffset, null);
    }

    /** The next partition of the current topic failed with {@code error}. */
    void failed(final int index, final short error, final String message) {
        anyError = true;
        partition(index, error, -1, -1, -1, message);
    }

    /** Whether any partition failed (a produce with acks=0 then closes the connection instead of answering). */
    boolean anyError() {
        return anyError;
    }

    /** Ends the response and returns the whole frame, size prefix included, ready to be written to the socket. */
    ByteBuffer finish() {
        if (partitionsLeft != 0 || topicsStarted != topics) {
            throw new IllegalStateException(topicsStarted + " of " + topics + " topics answered, " + partitionsLeft
                    + " partitions of the last one unanswered");
        }
        if (topicsStarted > 0) {
            endStructure();
        }
        out.putInt(0); // throttle time: no quotas
        endStructure();
        out.putInt(0, out.position() - 4);
        return out.flip();
    }

    private void partition(final int index, final short error, final long baseOffset, final long logAppendTimeMs,
                           final long logStartOffset, final String message) {
        if (partitionsLeft == 0) {
            throw new IllegalStateException("more partitions answered than topic " + topicsStarted + " has");
        }
        partitionsLeft--;
        out.putInt(index);
        out.putShort(error);
        out.putLong(baseOffset);
        out.putLong(logAppendTimeMs);
        if (version >= FIRST_WITH_LOG_START_OFFSET) {
            out.putLong(logStartOffset);
        }
        if (version >= FIRST_WITH_RECORD_ERRORS) {
            arrayLength(0);
            nullableString(message);
        }
        endStructure();
    }

    private void endStructure() {
        if (flexible) {
            out.put((byte) 0); // no tagged fields
        }
    }

    private void arrayLength(final int length) {
        if (flexible) {
            unsignedVarint(length + 1);
        } else {
            out.putInt(length);
        }
    }

    /**
     * As UTF-8, which is what {@code String.getBytes(UTF_8)} gives; ASCII (every legal topic name) without a copy.
     * Strings are not in the constructor's plan: each reserves its own room.
     */
    private void string(final String s) {
        final byte[] encoded = isAscii(s) ? null : s.getBytes(StandardCharsets.UTF_8);
        final int length = encoded == null ? s.length() : encoded.length;
        reserve(MAX_LENGTH_PREFIX_BYTES + length);
        if (flexible) {
            unsignedVarint(length + 1);
        } else {
            out.putShort((short) length);
        }
        if (encoded != null) {
            out.put(encoded);
        } else {
            for (int i = 0; i < length; i++) {
                out.put((byte) s.charAt(i));
            }
        }
    }

    private void nullableString(final String s) {
        if (s != null) {
            string(s);
        } else if (flexible) {
            unsignedVarint(0);
        } else {
            out.putShort((short) -1);
        }
    }

    private void unsignedVarint(final int value) {
        int v = value;
        while ((v & ~0x7F) != 0) {
            out.put((byte) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.put((byte) v);
    }

    private static boolean isAscii(final String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    /**
     * Makes room for {@code bytes} the constructor did not plan for (strings), keeping the room it planned for what
     * is still to come.
     */
    private void reserve(final int bytes) {
        if (unplanned < bytes) {
            final int growth = Math.max(bytes, out.capacity());
            out = ByteBuffer.allocate(out.capacity() + growth).put(out.flip());
            unplanned += growth;
        }
        unplanned -= bytes;
    }
}
