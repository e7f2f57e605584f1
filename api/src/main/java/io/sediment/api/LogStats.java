package io.sediment.api;

/** A snapshot of a log's size and of what retention and deleteRecords removed since it was opened. */
public record LogStats(long logStartOffset, long logEndOffset, long sizeInBytes, int segmentCount,
                       long segmentsDeleted, long bytesDeleted, long recoveryPoint) {
}
