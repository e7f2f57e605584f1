package io.sediment.api.record;

import java.util.Arrays;
import java.util.Objects;

/**
 * One record header: a non-null key (stored as UTF-8) and a value that may be null. Compared by content.
 * The value array is held as given, not copied: do not change it after handing it over.
 */
public record Header(String key, byte[] value) {
    public Header {
        Objects.requireNonNull(key, "header key");
    }

    @Override
    public boolean equals(final Object o) {
        return o instanceof Header h && key.equals(h.key) && Arrays.equals(value, h.value);
    }

    @Override
    public int hashCode() {
        return 31 * key.hashCode() + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return "Header{key=" + key + ", value=" + (value == null ? "null" : value.length + " bytes") + '}';
    }
}
