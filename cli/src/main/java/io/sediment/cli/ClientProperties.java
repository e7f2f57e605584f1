package io.sediment.cli;

import java.util.List;
import java.util.Properties;

/** {@code key=value} options ({@code --property}, {@code --producer-property}, ...) as Properties. */
final class ClientProperties {
    private ClientProperties() {
    }

    static Properties parse(final String option, final List<String> pairs) {
        final Properties p = new Properties();
        for (String pair : pairs) {
            final int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new CliException("Invalid " + option + " '" + pair + "': expected key=value", 2);
            }
            p.setProperty(pair.substring(0, eq).trim(), pair.substring(eq + 1));
        }
        return p;
    }

    /** Kafka's tools accept escapes like {@code \t} in separators given on the command line. */
    static String unescape(final String s) {
        final StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                final char n = s.charAt(++i);
                switch (n) {
                    case 't' -> b.append('\t');
                    case 'n' -> b.append('\n');
                    case 'r' -> b.append('\r');
                    case '\\' -> b.append('\\');
                    default -> b.append('\\').append(n);
                }
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
