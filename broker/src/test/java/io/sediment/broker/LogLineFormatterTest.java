package io.sediment.broker;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.ListResourceBundle;
import java.util.Locale;
import java.util.ResourceBundle;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.SimpleFormatter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;

/**
 * {@link LogLineFormatter} against its model, {@code SimpleFormatter} with {@link LogLineFormatter#FORMAT}: written
 * out here as SimpleFormatter computes its line ({@code String.format} over the zoned time, source, logger name,
 * localised level name (public {@code getLocalizedName}, what SimpleFormatter's package-private {@code getLocalizedLevelName} returns for the standard levels), {@code formatMessage} and the stack trace), so that the model does not depend on a system
 * property read once per JVM.
 */
class LogLineFormatterTest {
    private static final Level[] LEVELS = {Level.SEVERE, Level.WARNING, Level.INFO, Level.CONFIG, Level.FINE,
        Level.FINER, Level.FINEST};
    private static final String[] TOKENS = {"opened ", "{0}", "{1}", "{2}", "{3}", "{9}", " logs, ", "}", "{", "{x}",
        "{0,number}", "'", "it''s ", "{ 1 }", "é ✓ ", "{12345678901}", "{00}", "\n"};
    private static final Object[] PARAMS = {"./data", Path.of("/tmp/a b"), 0, 7, -999, 1000, 123_456, 42L,
        -5_000_000_000L, 2.5, (short) 12, null, true, new Date(0), 'c', "{0}"};

    private Locale saved;

    @BeforeEach
    void english() {
        saved = Locale.getDefault();
        Locale.setDefault(Locale.US);
    }

    @AfterEach
    void restore() {
        Locale.setDefault(saved);
    }

    @Test
    void sameLineAsSimpleFormatterForAnyMessageAndParameters() {
        qt().withExamples(2000).forAll(
                lists().of(integers().between(0, TOKENS.length - 1)).ofSizeBetween(0, 8),
                lists().of(integers().between(0, PARAMS.length - 1)).ofSizeBetween(0, 5),
                integers().between(0, LEVELS.length - 1),
                longs().between(0, 4_102_444_800_000L))
            .checkAssert((tokens, params, level, millis) -> {
                final StringBuilder message = new StringBuilder();
                tokens.forEach(t -> message.append(TOKENS[t]));
                final List<Object> values = new ArrayList<>();
                params.forEach(p -> values.add(PARAMS[p]));
                final LogRecord record = record(LEVELS[level], message.toString(), values.toArray(), millis);
                assertEquals(model(record), new LogLineFormatter().format(record));
            });
    }

    @Test
    void theEnginesFirstLineAsTheScriptPrintedItBefore() {
        final LogRecord record = record(Level.INFO, "opened {0} with backend {1}: {2} logs, {3}",
                new Object[] {"/srv/data", "mmap", 0, "no logs yet"}, 1_764_760_788_897L);
        final String line = new LogLineFormatter().format(record);
        assertEquals(model(record), line);
        assertEquals(" [io.sediment.log.SegmentLogEngine] INFO opened /srv/data with backend mmap: 0 logs, no logs yet"
                + System.lineSeparator(), line.substring(23));
    }

    @Test
    void stackTracesResourceBundlesAndOtherLocalesAsSimpleFormatter() {
        final LogRecord thrown = record(Level.WARNING, "could not release {0}", new Object[] {"x"}, 5);
        thrown.setThrown(new IOException("disk gone"));
        assertEquals(model(thrown), new LogLineFormatter().format(thrown));

        final LogRecord bundled = record(Level.INFO, "greeting", new Object[] {"you"}, 5);
        bundled.setResourceBundle(new ListResourceBundle() {
            @Override
            protected Object[][] getContents() {
                return new Object[][] {{"greeting", "hello {0}"}};
            }
        });
        assertEquals(model(bundled), new LogLineFormatter().format(bundled));
        ResourceBundle.clearCache();

        Locale.setDefault(Locale.GERMANY);
        final LogRecord german = record(Level.WARNING, "{0} logs, {1} bytes", new Object[] {12, 1_234_567}, 5);
        assertEquals(model(german), new LogLineFormatter().format(german));
        assertEquals(true, new LogLineFormatter().format(german).contains("WARNUNG 12 logs, 1.234.567 bytes"),
                new LogLineFormatter().format(german));
    }

    private static LogRecord record(final Level level, final String message, final Object[] params, final long millis) {
        final LogRecord record = new LogRecord(level, message);
        record.setParameters(params);
        record.setInstant(Instant.ofEpochMilli(millis));
        record.setLoggerName("io.sediment.log.SegmentLogEngine");
        return record;
    }

    /** SimpleFormatter.format, with the format given instead of read from its system property. */
    private static String model(final LogRecord record) {
        final ZonedDateTime zdt = ZonedDateTime.ofInstant(record.getInstant(), ZoneId.systemDefault());
        String thrown = "";
        if (record.getThrown() != null) {
            final java.io.StringWriter sw = new java.io.StringWriter();
            final java.io.PrintWriter pw = new java.io.PrintWriter(sw);
            pw.println();
            record.getThrown().printStackTrace(pw);
            pw.close();
            thrown = sw.toString();
        }
        return String.format(LogLineFormatter.FORMAT, zdt, record.getLoggerName(), record.getLoggerName(),
                record.getLevel().getLocalizedName(), new SimpleFormatter().formatMessage(record), thrown);
    }
}
