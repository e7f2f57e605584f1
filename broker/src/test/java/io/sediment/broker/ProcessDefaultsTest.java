package io.sediment.broker;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The broker process's own defaults (what {@code main} sets before the engine opens), and that operators win. */
class ProcessDefaultsTest {
    private String saved;

    @BeforeEach
    void save() {
        saved = System.getProperty(SedimentBroker.MMAP_RESIDENT_BYTES_PROPERTY);
    }

    @AfterEach
    void restore() {
        if (saved == null) {
            System.clearProperty(SedimentBroker.MMAP_RESIDENT_BYTES_PROPERTY);
        } else {
            System.setProperty(SedimentBroker.MMAP_RESIDENT_BYTES_PROPERTY, saved);
        }
    }

    @Test
    void aBrokerProcessBoundsTheMmapResidentWindowTo4MiB() {
        System.clearProperty(SedimentBroker.MMAP_RESIDENT_BYTES_PROPERTY);
        SedimentBroker.applyProcessDefaults();
        assertEquals("4194304", System.getProperty(SedimentBroker.MMAP_RESIDENT_BYTES_PROPERTY));
    }

    @Test
    void aWindowGivenWithMinusDIsKept() {
        System.setProperty(SedimentBroker.MMAP_RESIDENT_BYTES_PROPERTY, "unbounded");
        SedimentBroker.applyProcessDefaults();
        assertEquals("unbounded", System.getProperty(SedimentBroker.MMAP_RESIDENT_BYTES_PROPERTY));
    }
}
