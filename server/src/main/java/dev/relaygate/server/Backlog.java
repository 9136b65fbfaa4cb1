package dev.relaygate.server;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What is acknowledged and not yet handled or dead: how many entries, how many bytes, since when. Both inboxes keep
 * one, so capacity checks, readiness and the gauges read memory and never the store. Thread-safe.
 */
final class Backlog {
    private final int capacity;
    private final long maxBytes;
    private final Map<String, Inbox.Entry> entries = new HashMap<>();
    // Arrival instants with their counts: the first key is the oldest undelivered event.
    private final TreeMap<Instant, Integer> arrivals = new TreeMap<>();
    private long bytes;

    Backlog(int capacity, long maxBytes) {
        this.capacity = capacity;
        this.maxBytes = maxBytes;
    }

    /**
     * Whether the backlog has room for this much more (beyond what it holds).
     */
    synchronized boolean fits(int moreEntries, long moreBytes) {
        return entries.size() + (long) moreEntries <= capacity && bytes + moreBytes <= maxBytes;
    }

    synchronized void add(Inbox.Entry entry) {
        if (entries.put(entry.id(), entry) == null) {
            bytes += entry.size();
            arrivals.merge(entry.receivedAt(), 1, Integer::sum);
        }
    }

    synchronized void remove(String id) {
        Inbox.Entry entry = entries.remove(id);
        if (entry != null) {
            bytes -= entry.size();
            arrivals.computeIfPresent(entry.receivedAt(), (at, count) -> count == 1 ? null : count - 1);
        }
    }

    synchronized boolean contains(String id) {
        return entries.containsKey(id);
    }

    synchronized int size() {
        return entries.size();
    }

    synchronized long bytes() {
        return bytes;
    }

    synchronized Optional<Instant> oldest() {
        return arrivals.isEmpty() ? Optional.empty() : Optional.of(arrivals.firstKey());
    }

    int capacity() {
        return capacity;
    }

    long maxBytes() {
        return maxBytes;
    }
}
