package io.sediment.api.record;

import java.util.Arrays;
import java.util.List;

/** A record as a test writes it and expects to read it back: the simple model the codecs are compared with. */
record TestRecord(long timestamp, byte[] key, byte[] value, List<Header> headers) {
    Header[] headerArray() {
        return headers.toArray(new Header[0]);
    }

    @Override
    public boolean equals(final Object o) {
        return o instanceof TestRecord r && timestamp == r.timestamp && Arrays.equals(key, r.key)
                && Arrays.equals(value, r.value) && headers.equals(r.headers);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(timestamp) * 31 + Arrays.hashCode(key) * 17 + Arrays.hashCode(value) + headers.hashCode();
    }

    @Override
    public String toString() {
        return "TestRecord{ts=" + timestamp + ", key=" + describe(key) + ", value=" + describe(value) + ", headers="
                + headers + '}';
    }

    private static String describe(final byte[] b) {
        return b == null ? "null" : b.length <= 8 ? Arrays.toString(b) : b.length + " bytes";
    }
}
