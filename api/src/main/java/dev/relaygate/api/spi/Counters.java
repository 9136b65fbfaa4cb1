package dev.relaygate.api.spi;

/**
 * Counts what a channel does, for {@code /observe/metrics}. The host prefixes the name with {@code relaygate.} and adds
 * the tag {@code channel=<name>}: {@code increment("relay.calls", "status", "200")} becomes
 * {@code relaygate_relay_calls_total{channel="slack",status="200"}}.
 */
@FunctionalInterface
public interface Counters {
    /** Counts nothing (for tests and tools). */
    Counters NONE = (name, tags) -> { };

    /**
     * Adds one.
     *
     * @param name dotted counter name, for example {@code relay.calls}
     * @param tags tag names and values, alternating; keep values few (a status, not an id)
     */
    void increment(String name, String... tags);
}
