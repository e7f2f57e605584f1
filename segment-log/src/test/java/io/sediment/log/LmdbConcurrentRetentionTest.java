package io.sediment.log;

/** Readers against retention and appends, on the lmdb backend. */
class LmdbConcurrentRetentionTest extends ConcurrentRetentionProperties {
    @Override
    protected String backend() {
        return "lmdb";
    }
}
