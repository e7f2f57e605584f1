package io.sediment.api.spi;

/**
 * Sizes a backend needs when it creates or opens a segment.
 *
 * @param dataCapacity bytes the engine expects to write at most (from {@code segment.bytes}): a hint for
 *                     preallocation; a backend must still accept appends beyond it
 * @param offsetIndexCapacity bytes to reserve for the offset index ({@code segment.index.bytes} rounded down)
 * @param timeIndexCapacity bytes to reserve for the time index
 */
public record SegmentSpec(int dataCapacity, int offsetIndexCapacity, int timeIndexCapacity) {
    public SegmentSpec {
        if (dataCapacity < 0 || offsetIndexCapacity < 0 || timeIndexCapacity < 0) {
            throw new IllegalArgumentException("negative capacity in " + this);
        }
    }
}
