package io.sediment.api.record;

import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

import java.util.ArrayList;
import java.util.List;

import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

/**
 * QuickTheories generators for record batches' contents: timestamps around now (and -1, "none"), keys and values
 * that are null, empty, short or a few KB, and headers with non-ASCII keys and null values.
 */
final class RecordGenerators {
    private static final String KEY_ALPHABET = "abcXYZ019._-é€日\uD83D\uDE00";

    private RecordGenerators() {
    }

    static Gen<byte[]> bytesOrNull(final int nullPercent, final int maxLength) {
        final Gen<Integer> lengths = Generate.frequency(List.of(
                org.quicktheories.api.Pair.of(nullPercent, Generate.constant(-1)),
                org.quicktheories.api.Pair.of(10, Generate.constant(0)),
                org.quicktheories.api.Pair.of(70, integers().between(1, Math.min(64, maxLength))),
                org.quicktheories.api.Pair.of(10, integers().between(1, maxLength))));
        final Gen<Byte> contents = Generate.bytes(Byte.MIN_VALUE, Byte.MAX_VALUE, (byte) 0);
        return rs -> {
            final int length = lengths.generate(rs);
            if (length < 0) {
                return null;
            }
            final byte[] b = new byte[length];
            for (int i = 0; i < length; i++) {
                b[i] = contents.generate(rs);
            }
            return b;
        };
    }

    static Gen<String> headerKeys() {
        final Gen<Integer> lengths = integers().between(0, 12);
        final Gen<Integer> picks = integers().between(0, KEY_ALPHABET.length() - 1);
        return rs -> {
            final StringBuilder sb = new StringBuilder();
            final int length = lengths.generate(rs);
            for (int i = 0; i < length; i++) {
                final char c = KEY_ALPHABET.charAt(picks.generate(rs));
                if (Character.isSurrogate(c)) {
                    sb.append("\uD83D\uDE00"); // keep surrogate pairs whole: a lone one is not UTF-8-encodable
                } else {
                    sb.append(c);
                }
            }
            return sb.toString();
        };
    }

    static Gen<List<Header>> headers() {
        final Gen<Integer> counts = Generate.frequency(List.of(
                org.quicktheories.api.Pair.of(50, Generate.constant(0)),
                org.quicktheories.api.Pair.of(50, integers().between(1, 4))));
        final Gen<String> keys = headerKeys();
        final Gen<byte[]> values = bytesOrNull(20, 100);
        return rs -> {
            final int count = counts.generate(rs);
            final List<Header> headers = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                headers.add(new Header(keys.generate(rs), values.generate(rs)));
            }
            return headers;
        };
    }

    /** A batch's worth of records: 1 to {@code maxCount}, timestamps near a random base, some going backwards. */
    static Gen<List<TestRecord>> records(final int maxCount) {
        return records(maxCount, 5_000);
    }

    /** As {@link #records(int)}, with values of at most {@code maxValueLength} bytes. */
    static Gen<List<TestRecord>> records(final int maxCount, final int maxValueLength) {
        final Gen<Integer> counts = Generate.frequency(List.of(
                org.quicktheories.api.Pair.of(30, Generate.constant(1)),
                org.quicktheories.api.Pair.of(70, integers().between(1, maxCount))));
        final Gen<Long> bases = Generate.frequency(List.of(
                org.quicktheories.api.Pair.of(10, Generate.constant(-1L)),
                org.quicktheories.api.Pair.of(10, longs().between(0, 1000)),
                org.quicktheories.api.Pair.of(80, longs().between(1_500_000_000_000L, 2_000_000_000_000L))));
        final Gen<Long> jitter = longs().between(-5_000, 500_000);
        final Gen<Boolean> noTimestamp = Generate.frequency(List.of(
                org.quicktheories.api.Pair.of(95, Generate.constant(false)),
                org.quicktheories.api.Pair.of(5, Generate.constant(true))));
        final Gen<byte[]> keys = bytesOrNull(25, 300);
        final Gen<byte[]> values = bytesOrNull(10, maxValueLength);
        final Gen<List<Header>> headers = headers();
        return rs -> {
            final int count = counts.generate(rs);
            final long base = bases.generate(rs);
            final List<TestRecord> records = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                final long ts = base < 0 || noTimestamp.generate(rs) ? -1L : Math.max(0, base + jitter.generate(rs));
                records.add(new TestRecord(ts, keys.generate(rs), values.generate(rs), headers.generate(rs)));
            }
            return records;
        };
    }

    /** Builds one batch of {@code records} with our builder. */
    static java.nio.ByteBuffer build(final RecordBatchBuilder builder, final List<TestRecord> records) {
        builder.clear();
        for (TestRecord r : records) {
            builder.append(r.timestamp(), r.key(), r.value(), r.headerArray());
        }
        return builder.build();
    }

    /** Reads every record of the uncompressed batch at {@code position} with our cursor. */
    static List<TestRecord> readAll(final java.nio.ByteBuffer buffer, final int position) {
        final RecordCursor cursor = new RecordCursor().reset(buffer, position, "test");
        final List<TestRecord> out = new ArrayList<>();
        while (cursor.next()) {
            out.add(new TestRecord(cursor.timestamp(), cursor.keyBytes(), cursor.valueBytes(),
                    List.of(cursor.headers())));
        }
        return out;
    }
}
