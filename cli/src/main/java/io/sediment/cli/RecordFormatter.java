package io.sediment.cli;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.record.TimestampType;

import java.nio.charset.StandardCharsets;
import java.util.Properties;

/**
 * Prints a consumed record as Kafka's {@code DefaultMessageFormatter} does, field order and all:
 * {@code [CreateTime:<ts>] [Partition:<p>] [Offset:<o>] [headers] [key] value}, fields joined by
 * {@code key.separator} (default tab), records ended by {@code line.separator} (default newline). Keys and
 * values are shown as UTF-8 text; a null one as {@code null.literal} (default {@code null}).
 */
final class RecordFormatter {
    private final boolean printTimestamp;
    private final boolean printPartition;
    private final boolean printOffset;
    private final boolean printHeaders;
    private final boolean printKey;
    private final boolean printValue;
    private final String separator;
    private final String lineSeparator;
    private final String headersSeparator;
    private final String headerKeySeparator;
    private final String nullLiteral;

    RecordFormatter(final Properties p) {
        printTimestamp = flag(p, "print.timestamp", false);
        printPartition = flag(p, "print.partition", false);
        printOffset = flag(p, "print.offset", false);
        printHeaders = flag(p, "print.headers", false);
        printKey = flag(p, "print.key", false);
        printValue = flag(p, "print.value", true);
        separator = ClientProperties.unescape(p.getProperty("key.separator", "\t"));
        lineSeparator = ClientProperties.unescape(p.getProperty("line.separator", "\n"));
        headersSeparator = ClientProperties.unescape(p.getProperty("headers.separator", ","));
        headerKeySeparator = ClientProperties.unescape(p.getProperty("headers.key.separator", ":"));
        nullLiteral = p.getProperty("null.literal", "null");
    }

    private static boolean flag(final Properties p, final String key, final boolean dflt) {
        final String v = p.getProperty(key);
        return v == null ? dflt : v.trim().equalsIgnoreCase("true");
    }

    String format(final ConsumerRecord<byte[], byte[]> r) {
        final StringBuilder b = new StringBuilder();
        if (printTimestamp) {
            b.append(r.timestampType() == TimestampType.NO_TIMESTAMP_TYPE ? "NO_TIMESTAMP" : r.timestampType() + ":" + r.timestamp());
            separator(b, printPartition || printOffset || printHeaders || printKey || printValue);
        }
        if (printPartition) {
            b.append("Partition:").append(r.partition());
            separator(b, printOffset || printHeaders || printKey || printValue);
        }
        if (printOffset) {
            b.append("Offset:").append(r.offset());
            separator(b, printHeaders || printKey || printValue);
        }
        if (printHeaders) {
            final Header[] headers = r.headers().toArray();
            if (headers.length == 0) {
                b.append("NO_HEADERS");
            } else {
                for (int i = 0; i < headers.length; i++) {
                    if (i > 0) {
                        b.append(headersSeparator);
                    }
                    b.append(headers[i].key()).append(headerKeySeparator).append(text(headers[i].value()));
                }
            }
            separator(b, printKey || printValue);
        }
        if (printKey) {
            b.append(text(r.key()));
            separator(b, printValue);
        }
        if (printValue) {
            b.append(text(r.value()));
        }
        return b.append(lineSeparator).toString();
    }

    private void separator(final StringBuilder b, final boolean more) {
        if (more) {
            b.append(separator);
        }
    }

    private String text(final byte[] bytes) {
        return bytes == null ? nullLiteral : new String(bytes, StandardCharsets.UTF_8);
    }
}
