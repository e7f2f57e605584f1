package io.sediment.log;

import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicLong;

/** A clock tests move by hand. */
final class ManualClock implements InstantSource {
    private final AtomicLong millis;

    ManualClock(final long startMillis) {
        this.millis = new AtomicLong(startMillis);
    }

    void advance(final long ms) {
        millis.addAndGet(ms);
    }

    @Override
    public long millis() {
        return millis.get();
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis.get());
    }
}
