package io.sediment.api;

/**
 * A topic name and a partition number, validated by Kafka's rules: 1 to 249 characters from
 * {@code [a-zA-Z0-9._-]}, not {@code "."} or {@code ".."}, partition &ge; 0. These rules are what keep a
 * partition directory name ({@code <topic>-<partition>}) inside the data directory: no separator, no parent
 * reference, no absolute path can pass them.
 */
public record TopicPartition(String topic, int partition) implements Comparable<TopicPartition> {
    public static final int MAX_TOPIC_LENGTH = 249;

    public TopicPartition {
        validateTopic(topic);
        if (partition < 0) {
            throw new InvalidTopicException(topic, "partition " + partition + " is negative");
        }
    }

    /** Throws {@link InvalidTopicException} naming the rule {@code topic} breaks. */
    public static void validateTopic(final String topic) {
        if (topic == null || topic.isEmpty()) {
            throw new InvalidTopicException(String.valueOf(topic), "topic name is empty");
        }
        if (topic.equals(".") || topic.equals("..")) {
            throw new InvalidTopicException(topic, "topic name cannot be \".\" or \"..\"");
        }
        if (topic.length() > MAX_TOPIC_LENGTH) {
            throw new InvalidTopicException(topic, "topic name is " + topic.length() + " characters, the maximum is "
                    + MAX_TOPIC_LENGTH);
        }
        for (int i = 0; i < topic.length(); i++) {
            final char c = topic.charAt(i);
            final boolean legal = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == '-';
            if (!legal) {
                throw new InvalidTopicException(topic, "character '" + c + "' at index " + i
                        + " is not one of [a-zA-Z0-9._-]");
            }
        }
    }

    /**
     * Parses a partition directory name {@code <topic>-<partition>} (the last dash separates).
     *
     * @throws InvalidTopicException when the name is not such a directory name
     */
    public static TopicPartition parse(final String directoryName) {
        final int dash = directoryName.lastIndexOf('-');
        if (dash <= 0 || dash == directoryName.length() - 1) {
            throw new InvalidTopicException(directoryName, "not a <topic>-<partition> directory name");
        }
        final int partition;
        try {
            partition = Integer.parseInt(directoryName.substring(dash + 1));
        } catch (NumberFormatException e) {
            throw new InvalidTopicException(directoryName, "partition part is not a number");
        }
        return new TopicPartition(directoryName.substring(0, dash), partition);
    }

    /** The partition directory name, {@code <topic>-<partition>}, as Kafka names it. */
    public String directoryName() {
        return topic + '-' + partition;
    }

    @Override
    public int compareTo(final TopicPartition o) {
        final int c = topic.compareTo(o.topic);
        return c != 0 ? c : Integer.compare(partition, o.partition);
    }

    @Override
    public String toString() {
        return directoryName();
    }
}
