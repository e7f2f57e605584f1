package io.sediment.log;

/** The log's model-based properties on the mmap backend, with crashes that tear segment files. */
class MmapLogModelPropertyTest extends LogModelProperties {
    @Override
    protected String backend() {
        return "mmap";
    }

    @Override
    protected boolean crashesTearFiles() {
        return true;
    }
}
