package io.sediment.backend.mmap;

/** The backend's byte-count settings ({@code sediment.mmap.*} properties): a number of bytes, or one keyword. */
final class ByteSetting {
    private ByteSetting() {
    }

    /**
     * {@code text} as a byte count (0 or more, surrounding blanks ignored); {@code keywordValue} for {@code keyword};
     * {@code absent} when the text is null or blank.
     *
     * @throws IllegalArgumentException naming {@code setting} and its text when the text is neither
     */
    static long parse(final String setting, final String text, final String keyword, final long keywordValue,
                      final long absent) {
        if (text == null || text.isBlank()) {
            return absent;
        }
        final String value = text.trim();
        if (value.equals(keyword)) {
            return keywordValue;
        }
        try {
            final long bytes = Long.parseLong(value);
            if (bytes < 0) {
                throw new NumberFormatException("negative");
            }
            return bytes;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(setting + "=" + text
                    + ": expected a number of bytes (0 or more) or '" + keyword + "'", e);
        }
    }
}
