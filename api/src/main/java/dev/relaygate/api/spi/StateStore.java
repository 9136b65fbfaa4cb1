package dev.relaygate.api.spi;

import java.util.Optional;

/**
 * A small durable key-value store private to one channel. Writes are on disk when the method returns.
 */
public interface StateStore {
    /**
     * Reads a value.
     *
     * @param key the key
     * @return the value, if stored
     */
    Optional<String> get(String key);

    /**
     * Stores a value, replacing any previous one.
     *
     * @param key   the key
     * @param value the value
     */
    void put(String key, String value);

    /**
     * Removes a value and returns it, atomically: of two callers racing for the same key, only one gets it (for
     * one-time tokens).
     *
     * @param key the key
     * @return the removed value, if there was one
     */
    Optional<String> take(String key);
}
