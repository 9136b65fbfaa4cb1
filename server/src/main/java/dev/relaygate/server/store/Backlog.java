package dev.relaygate.server.store;

import java.time.Instant;
import java.util.Optional;

/**
 * What is acknowledged and not yet handled or dead: how many entries, how many bytes, since when, and the limits.
 * Read from memory, never from the store, so capacity checks, readiness and gauges cost no query. Thread-safe.
 */
public interface Backlog {
    /**
     * Whether the backlog has room for this much more (beyond what it holds).
     */
    boolean fits(int moreEntries, long moreBytes);

    int size();

    long bytes();

    /** When the oldest undelivered event arrived. */
    Optional<Instant> oldest();

    int capacity();

    long maxBytes();
}
