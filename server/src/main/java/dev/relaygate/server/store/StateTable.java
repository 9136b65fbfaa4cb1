package dev.relaygate.server.store;

import java.util.Optional;

import dev.relaygate.api.spi.StateStore;

/**
 * The plugins' state as the {@code state (owner, key, value)} table that SQLite and PostgreSQL both keep: one
 * statement per call, each answering with at most one value.
 */
final class StateTable {
    private StateTable() {
    }

    /** Runs one statement with string arguments; its first column, if it returned a row. */
    @FunctionalInterface
    interface Query {
        Optional<String> run(String sql, String... args);
    }

    /**
     * The store of one owner (a channel name).
     */
    static StateStore store(String owner, Query query) {
        return new StateStore() {
            @Override
            public Optional<String> get(String key) {
                return query.run("SELECT value FROM state WHERE owner = ? AND key = ?", owner, key);
            }

            @Override
            public void put(String key, String value) {
                query.run("INSERT INTO state (owner, key, value) VALUES (?, ?, ?) ON CONFLICT (owner, key) "
                                  + "DO UPDATE SET value = excluded.value RETURNING value", owner, key, value);
            }

            @Override
            public Optional<String> take(String key) {
                return query.run("DELETE FROM state WHERE owner = ? AND key = ? RETURNING value", owner, key);
            }

            @Override
            public String toString() {
                return "StateStore[" + owner + "]";
            }
        };
    }
}
