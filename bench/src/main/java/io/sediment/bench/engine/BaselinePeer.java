package io.sediment.bench.engine;

import io.sediment.bench.ScratchDirectory;

/**
 * A physical-limit peer ({@link MemcpyPeer}, {@link PwritePeer}): bytes into files and back, nothing else. It has no
 * offsets, no index and nothing to recover, so the suite asks it only to append and to scan.
 */
abstract class BaselinePeer implements Peer {
    /** The peer's files, deleted on {@link #close()}. */
    protected final ScratchDirectory directory;
    /** What {@link #readNext} summed so far. */
    protected long checksum;

    BaselinePeer(final String directoryPrefix) {
        this.directory = ScratchDirectory.create(directoryPrefix);
    }

    /** Releases the files (unmaps, closes) before {@link #close()} deletes them. */
    protected abstract void release();

    @Override
    public final void close() {
        try {
            release();
        } finally {
            directory.close();
        }
    }

    @Override
    public final long checksum() {
        return checksum;
    }

    @Override
    public final int locate(final long offset, final int maxBytes) {
        throw new UnsupportedOperationException("the baseline has no offsets");
    }

    @Override
    public final long offsetForTimestamp(final long timestamp) {
        throw new UnsupportedOperationException("the baseline has no offsets");
    }

    @Override
    public final void halt() {
        throw new UnsupportedOperationException("the baseline has nothing to recover");
    }

    @Override
    public final long recover() {
        throw new UnsupportedOperationException("the baseline has nothing to recover");
    }
}
