package io.sediment.api;

/** An offset and the timestamp of the record there, as Kafka's ListOffsets answers. */
public record TimestampedOffset(long timestamp, long offset) {
}
