package io.sediment.log;

/** Readers against retention and appends, on the mmap backend. */
class MmapConcurrentRetentionTest extends ConcurrentRetentionProperties {
    @Override
    protected String backend() {
        return "mmap";
    }
}
