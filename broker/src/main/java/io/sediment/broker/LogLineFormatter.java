package io.sediment.broker;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.Date;
import java.util.Locale;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;

/**
 * The java.util.logging formatter the start script gives the broker (through {@code config/logging.properties}):
 * the same line as {@code SimpleFormatter} with the format {@value #FORMAT}, e.g.
 * {@code 2026-12-03 11:19:48,897 [io.sediment.log.SegmentLogEngine] INFO opened ./data with backend mmap: 0 logs},
 * written without {@code java.util.Formatter}, {@code MessageFormat} or localised level names. In a fresh JVM those
 * three cost ~40 ms of CPU for the engine's first line, on the path to the broker's first answer; here the date is
 * cut from {@code LocalDateTime} and {@code {n}} parameters are substituted directly.
 *
 * <p>Where that could differ from {@code SimpleFormatter}, this falls back to it ({@link #formatMessage}, localised
 * level names): a resource bundle, a pattern with quotes or format types ({@code {0,number}}), a parameter that is a
 * {@code Number} (other than an integer below 1000 in magnitude, which no locale groups) or a {@code Date}, or a
 * default locale other than plain English (digits and level names are localised). {@code LogLineFormatterTest}
 * checks the output equals {@code SimpleFormatter}'s for any message and parameters.
 */
public final class LogLineFormatter extends Formatter {
    /** The {@code java.util.logging.SimpleFormatter.format} this formatter's lines match. */
    public static final String FORMAT = "%1$tY-%1$tm-%1$td %1$tH:%1$tM:%1$tS,%1$tL [%3$s] %4$s %5$s%6$s%n";
    /** The bundle of the standard levels' names, whose English names are the levels' own names. */
    private static final String JDK_LEVEL_NAMES = "sun.util.logging.resources.logging";

    @Override
    public String format(final LogRecord record) {
        final LocalDateTime t = LocalDateTime.ofInstant(record.getInstant(), ZoneId.systemDefault());
        final StringBuilder b = new StringBuilder(160);
        pad(b, t.getYear(), 4).append('-');
        pad(b, t.getMonthValue(), 2).append('-');
        pad(b, t.getDayOfMonth(), 2).append(' ');
        pad(b, t.getHour(), 2).append(':');
        pad(b, t.getMinute(), 2).append(':');
        pad(b, t.getSecond(), 2).append(',');
        pad(b, t.getNano() / 1_000_000, 3).append(" [").append(record.getLoggerName()).append("] ");
        final boolean plainLocale = plainEnglish(Locale.getDefault(Locale.Category.FORMAT));
        final boolean plainLevel = plainLocale && JDK_LEVEL_NAMES.equals(record.getLevel().getResourceBundleName());
        b.append(plainLevel ? record.getLevel().getName() : record.getLevel().getLocalizedName()).append(' ');
        if (!plainLocale || !appendMessage(b, record)) {
            b.append(formatMessage(record));
        }
        if (record.getThrown() != null) {
            final StringWriter sw = new StringWriter();
            try (PrintWriter pw = new PrintWriter(sw)) {
                pw.println();
                record.getThrown().printStackTrace(pw);
            }
            b.append(sw);
        }
        return b.append(System.lineSeparator()).toString();
    }

    /** English without a numbering-system extension: level names and digits are what {@code getName()} and ASCII give. */
    private static boolean plainEnglish(final Locale locale) {
        return (locale.getLanguage().isEmpty() || locale.getLanguage().equals("en"))
                && locale.getUnicodeLocaleType("nu") == null;
    }

    /**
     * Appends the message with its {@code {n}} parameters as {@code MessageFormat} would write them, or appends
     * nothing and returns false when only {@code MessageFormat} can say (see the class comment).
     */
    private static boolean appendMessage(final StringBuilder b, final LogRecord record) {
        final String message = record.getMessage();
        final Object[] params = record.getParameters();
        if (record.getResourceBundle() != null) {
            return false;
        }
        if (message == null || params == null || params.length == 0 || !usesParameters(message)) {
            // Formatter.formatMessage returns such a message unchanged.
            b.append(message);
            return true;
        }
        for (Object p : params) {
            if (p instanceof Date || p instanceof Number && !smallInteger((Number) p)) {
                return false;
            }
        }
        final int start = b.length();
        for (int i = 0; i < message.length(); i++) {
            final char c = message.charAt(i);
            if (c == '\'') {
                b.setLength(start);
                return false;
            }
            if (c != '{') {
                b.append(c);
                continue;
            }
            int j = i + 1;
            int index = 0;
            while (j < message.length() && message.charAt(j) >= '0' && message.charAt(j) <= '9' && j - i <= 9) {
                index = index * 10 + (message.charAt(j) - '0');
                j++;
            }
            if (j == i + 1 || j >= message.length() || message.charAt(j) != '}') {
                b.setLength(start);
                return false;
            }
            if (index < params.length) {
                b.append(params[index]);
            } else {
                b.append('{').append(index).append('}');
            }
            i = j;
        }
        return true;
    }

    /** What {@code Formatter.formatMessage} checks before it hands a message to {@code MessageFormat}. */
    private static boolean usesParameters(final String message) {
        for (int i = message.indexOf('{'); i >= 0 && i < message.length() - 1; i = message.indexOf('{', i + 1)) {
            final char digit = message.charAt(i + 1);
            if (digit >= '0' && digit <= '9') {
                return true;
            }
        }
        return false;
    }

    private static boolean smallInteger(final Number n) {
        return (n instanceof Integer || n instanceof Long || n instanceof Short || n instanceof Byte)
                && Math.abs(n.longValue()) < 1000;
    }

    private static StringBuilder pad(final StringBuilder b, final int value, final int width) {
        final String digits = Integer.toString(value);
        for (int i = digits.length(); i < width; i++) {
            b.append('0');
        }
        return b.append(digits);
    }
}
