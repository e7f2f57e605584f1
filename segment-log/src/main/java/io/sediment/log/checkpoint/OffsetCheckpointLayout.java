package io.sediment.log.checkpoint;

/**
 * Describes Kafka's offset checkpoint file format ({@code recovery-point-offset-checkpoint},
 * {@code log-start-offset-checkpoint}), a text file, one item per line, each line ended by {@code '\n'}:
 *
 * <pre>
 *   0                          version, always 0
 *   2                          number of entries that follow
 *   orders 0 1234              &lt;topic&gt; &lt;partition&gt; &lt;offset&gt;, separated by one space
 *   orders 1 98
 * </pre>
 *
 * Readers split entry lines on runs of whitespace, as Kafka does. Topic names cannot contain whitespace
 * ({@link io.sediment.api.TopicPartition}'s rules), so the split is unambiguous. The file has no checksum: it is
 * replaced atomically instead (see {@link OffsetCheckpointFile}).
 */
public final class OffsetCheckpointLayout {
    /** The only version Kafka has written. */
    public static final int VERSION = 0;
    /** Line number (1-based) of the version. */
    public static final int VERSION_LINE = 1;
    /** Line number (1-based) of the entry count. */
    public static final int COUNT_LINE = 2;
    /** Line number (1-based) of the first entry. */
    public static final int FIRST_ENTRY_LINE = 3;
    /** Separator the writer puts between an entry's fields. */
    public static final char FIELD_SEPARATOR = ' ';
    /** Fields of an entry line: topic, partition, offset. */
    public static final int ENTRY_FIELDS = 3;
    /** Suffix of the file written before it is renamed over the checkpoint. */
    public static final String TEMP_SUFFIX = ".tmp";

    private OffsetCheckpointLayout() {
    }
}
