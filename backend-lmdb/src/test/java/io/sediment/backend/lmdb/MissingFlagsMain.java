package io.sediment.backend.lmdb;

import io.sediment.api.StorageException;

import java.nio.file.Path;

/** Run in a child JVM without lmdbjava's flags: prints what {@code open} did, for {@link LmdbStoreTest}. */
public final class MissingFlagsMain {
    private MissingFlagsMain() {
    }

    public static void main(final String[] args) {
        try {
            new LmdbStorageBackend().open(Path.of(args[0])).close();
            System.out.println("OPENED");
        } catch (final StorageException e) {
            System.out.println("STORAGE_EXCEPTION " + e.getMessage());
        }
    }
}
