package io.sediment.api.record;

import org.apache.kafka.common.utils.internals.ByteUtils;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.*;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

/** Our varint codec against Kafka's {@code ByteUtils}: same bytes out, same values in, same malformed inputs. */
class VarintTest {
    private static final Gen<Integer> INTS = Generate.oneOf(integers().all(), integers().between(-200, 200),
            Generate.pick(java.util.List.of(0, -1, 1, 63, 64, -64, -65, Integer.MAX_VALUE, Integer.MIN_VALUE)));
    private static final Gen<Long> LONGS = Generate.oneOf(longs().all(), longs().between(-20_000, 20_000),
            Generate.pick(java.util.List.of(0L, -1L, Long.MAX_VALUE, Long.MIN_VALUE, 1L << 62, -(1L << 62))));

    @Test
    void intsEncodeToKafkasBytesAndDecodeBack() {
        qt().withExamples(5_000).forAll(INTS).checkAssert(v -> {
            final ByteBuffer ours = ByteBuffer.allocate(Varint.MAX_VARINT_BYTES + 3);
            final int n = Varint.putVarint(ours, 3, v);
            final ByteBuffer kafkas = ByteBuffer.allocate(Varint.MAX_VARINT_BYTES);
            ByteUtils.writeVarint(v, kafkas);
            assertEquals(kafkas.position(), n);
            assertEquals(ByteUtils.sizeOfVarint(v), Varint.sizeOfVarint(v));
            assertEquals(kafkas.flip(), ours.slice(3, n));
            assertEquals(n, Varint.encodedLength(ours, 3, 3 + n, Varint.MAX_VARINT_BYTES));
            assertEquals(v, Varint.getVarint(ours, 3));
            assertEquals(Varint.TRUNCATED, Varint.encodedLength(ours, 3, 3 + n - 1, Varint.MAX_VARINT_BYTES));
            assertEquals(0, ours.position());
        });
    }

    @Test
    void longsEncodeToKafkasBytesAndDecodeBack() {
        qt().withExamples(5_000).forAll(LONGS).checkAssert(v -> {
            final ByteBuffer ours = ByteBuffer.allocate(Varint.MAX_VARLONG_BYTES);
            final int n = Varint.putVarlong(ours, 0, v);
            final ByteBuffer kafkas = ByteBuffer.allocate(Varint.MAX_VARLONG_BYTES);
            ByteUtils.writeVarlong(v, kafkas);
            assertEquals(kafkas.position(), n);
            assertEquals(ByteUtils.sizeOfVarlong(v), Varint.sizeOfVarlong(v));
            assertEquals(kafkas.flip(), ours.slice(0, n));
            assertEquals(n, Varint.encodedLength(ours, 0, n, Varint.MAX_VARLONG_BYTES));
            assertEquals(v, Varint.getVarlong(ours, 0));
        });
    }

    /** Any bytes at all: where Kafka's decoder reads a value we read the same value and length; where it fails, we do. */
    @Test
    void arbitraryBytesDecodeExactlyAsKafkaDecodesThem() {
        final Gen<byte[]> bytes = Generate.byteArrays(integers().between(0, 12), Generate.oneOf(
                Generate.bytes(Byte.MIN_VALUE, Byte.MAX_VALUE, (byte) 0), Generate.constant((byte) 0x80),
                Generate.constant((byte) 0xFF), Generate.constant((byte) 0)));
        qt().withExamples(10_000).forAll(bytes).checkAssert(b -> {
            final ByteBuffer buf = ByteBuffer.wrap(b);
            compare(buf, Varint.MAX_VARINT_BYTES, () -> (long) ByteUtils.readVarint(buf.duplicate()),
                    () -> kafkaLength(buf, true), () -> (long) Varint.getVarint(buf, 0));
            final long packed = Varint.readVarint(buf, 0, buf.limit());
            final int n = Varint.encodedLength(buf, 0, buf.limit(), Varint.MAX_VARINT_BYTES);
            if (n < 0) {
                assertEquals(n, packed, "one-pass decode reports the same malformation");
            } else {
                assertEquals(n, Varint.packedLength(packed));
                assertEquals(Varint.getVarint(buf, 0), Varint.packedValue(packed));
            }
            compare(buf, Varint.MAX_VARLONG_BYTES, () -> ByteUtils.readVarlong(buf.duplicate()),
                    () -> kafkaLength(buf, false), () -> Varint.getVarlong(buf, 0));
        });
    }

    @Test
    void overlongEncodingsAreReportedAsTooLong() {
        final ByteBuffer five = ByteBuffer.wrap(new byte[]{(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0});
        assertEquals(Varint.TOO_LONG, Varint.encodedLength(five, 0, 6, Varint.MAX_VARINT_BYTES));
        assertEquals(6, Varint.encodedLength(five, 0, 6, Varint.MAX_VARLONG_BYTES));
        final ByteBuffer nonMinimal = ByteBuffer.wrap(new byte[]{(byte) 0x80, 0});
        assertEquals(2, Varint.encodedLength(nonMinimal, 0, 2, Varint.MAX_VARINT_BYTES));
        assertEquals(0, Varint.getVarint(nonMinimal, 0), "a non-minimal zero is still zero, as in Kafka");
        assertEquals(Varint.TRUNCATED, Varint.encodedLength(nonMinimal, 0, 1, Varint.MAX_VARINT_BYTES));
        assertEquals(Varint.TRUNCATED, Varint.encodedLength(nonMinimal, 2, 2, Varint.MAX_VARINT_BYTES));
    }

    private interface LongSupplier {
        long get();
    }

    private static void compare(final ByteBuffer buf, final int maxBytes, final LongSupplier kafkaValue,
                                final java.util.function.IntSupplier kafkaLength, final LongSupplier ourValue) {
        final int n = Varint.encodedLength(buf, 0, buf.limit(), maxBytes);
        long expected;
        try {
            expected = kafkaValue.get();
        } catch (BufferUnderflowException e) {
            assertEquals(Varint.TRUNCATED, n);
            return;
        } catch (IllegalArgumentException e) {
            assertEquals(Varint.TOO_LONG, n);
            return;
        }
        assertEquals(kafkaLength.getAsInt(), n);
        assertEquals(expected, ourValue.get());
    }

    private static int kafkaLength(final ByteBuffer buf, final boolean isInt) {
        final ByteBuffer d = buf.duplicate();
        if (isInt) {
            ByteUtils.readVarint(d);
        } else {
            ByteUtils.readVarlong(d);
        }
        return d.position();
    }
}
