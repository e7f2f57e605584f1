package io.sediment.api;

/**
 * What an append did: the offsets it assigned, the largest timestamp it stored and, for a log that uses
 * LogAppendTime, the time it stamped ({@code -1} otherwise), as Kafka's produce response reports them.
 */
public record AppendResult(long firstOffset, long lastOffset, long maxTimestamp, long logAppendTime,
                           long logStartOffset, int batchCount, int sizeInBytes) {
    /** Records appended. */
    public long recordCount() {
        return lastOffset - firstOffset + 1;
    }
}
