package dev.relaygate.server.store;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The backlog of an inbox that is the only one on its store (memory, SQLite): every entry it holds, so capacity
 * checks, readiness and the gauges read memory and never the store. Thread-safe.
 */
final class LocalBacklog implements Backlog {
    private final int capacity;
    private final long maxBytes;
    private final Map<String, Inbox.Entry> entries = new HashMap<>();
    // Arrival instants with their counts: the first key is the oldest undelivered event.
    private final TreeMap<Instant, Integer> arrivals = new TreeMap<>();
    private long bytes;

    LocalBacklog(int capacity, long maxBytes) {
        this.capacity = capacity;
        this.maxBytes = maxBytes;
    }

    @Override
    public synchronized boolean fits(int moreEntries, long moreBytes) {
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

    @Override
    public synchronized int size() {
        return entries.size();
    }

    @Override
    public synchronized long bytes() {
        return bytes;
    }

    @Override
    public synchronized Optional<Instant> oldest() {
        return arrivals.isEmpty() ? Optional.empty() : Optional.of(arrivals.firstKey());
    }

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public long maxBytes() {
        return maxBytes;
    }
}
