package io.sediment.log;

/**
 * The log's model-based properties on the LMDB backend. Runs in its own surefire execution with the JVM flags
 * lmdbjava needs, so the mmap tests keep proving the engine runs on a plain {@code java}.
 */
class LmdbLogModelPropertyTest extends LogModelProperties {
    @Override
    protected String backend() {
        return "lmdb";
    }

    @Override
    protected boolean crashesTearFiles() {
        return false;
    }

    @Override
    protected int examples() {
        return 40;
    }
}
