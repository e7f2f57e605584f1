package io.sediment.api;

import io.sediment.api.spi.SegmentName;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

class SegmentNameTest {
    @Test
    void segmentNamesAreKafkasTwentyDigitBaseOffsets() {
        qt().forAll(longs().between(0, Long.MAX_VALUE))
                .checkAssert(id -> assertEquals(String.format("%020d", id), SegmentName.of(id)));
        assertEquals("00000000000000000000", SegmentName.of(0));
        assertEquals("09223372036854775807", SegmentName.of(Long.MAX_VALUE));
        assertThrows(IllegalArgumentException.class, () -> SegmentName.of(-1));
    }
}
