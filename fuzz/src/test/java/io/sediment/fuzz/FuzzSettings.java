package io.sediment.fuzz;

import io.sediment.api.spi.StorageBackend;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/** Run sizes from system properties (CI defaults in the pom), and the results file the README table comes from. */
final class FuzzSettings {
    static final List<String> LMDB_FLAGS = List.of("--add-opens", "java.base/java.nio=ALL-UNNAMED",
            "--add-exports", "java.base/sun.nio.ch=ALL-UNNAMED");

    private FuzzSettings() {
    }

    static int intProperty(final String name, final int dflt) {
        final String v = System.getProperty(name, "").trim();
        return v.isEmpty() ? dflt : Integer.parseInt(v);
    }

    static long seed() {
        final String v = System.getProperty("fuzz.seed", "").trim();
        return v.isEmpty() || v.equals("0") ? System.nanoTime() : Long.parseLong(v);
    }

    /** Backends asked for with {@code -Dfuzz.backends} that are on the class path. */
    static List<String> backends() {
        final List<String> out = new ArrayList<>();
        for (String name : System.getProperty("fuzz.backends", "mmap,lmdb").split(",")) {
            if (!name.isBlank() && available(name.trim())) {
                out.add(name.trim());
            }
        }
        return out;
    }

    static boolean available(final String backend) {
        try {
            StorageBackend.named(backend);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * The child JVM's flags: the backend's, and every {@code sediment.*} system property of this JVM (so that
     * {@code -Dsediment.mmap.write.threshold=0} on the Maven command line reaches the engine under test).
     */
    static List<String> childFlags(final String backend) {
        final List<String> flags = new ArrayList<>(backend.equals("lmdb") ? LMDB_FLAGS : List.of());
        for (String name : System.getProperties().stringPropertyNames()) {
            if (name.startsWith("sediment.")) {
                flags.add("-D" + name + "=" + System.getProperty(name));
            }
        }
        return flags;
    }

    /** Appends a line to the results file ({@code -Dfuzz.report}, default {@code target/fuzz-results.md}). */
    static void report(final String line) throws IOException {
        final String p = System.getProperty("fuzz.report", "").trim();
        final Path file = Path.of(p.isEmpty() ? "target/fuzz-results.md" : p);
        if (file.toAbsolutePath().getParent() != null) {
            Files.createDirectories(file.toAbsolutePath().getParent());
        }
        final StringBuilder clean = new StringBuilder(line.length());
        for (int i = 0; i < line.length(); i++) {
            final char c = line.charAt(i);
            // damaged files echo garbage into messages; keep the report plain text
            clean.append(c == '\n' || (c >= 0x20 && c < 0x7f) ? c : '?');
        }
        Files.writeString(file, clean + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
}
