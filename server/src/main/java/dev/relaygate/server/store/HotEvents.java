package dev.relaygate.server.store;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

import dev.relaygate.api.ChannelEvent;

/**
 * The newest events a process stored, kept in memory until their first try takes them, at most {@link #MAX_BYTES}:
 * a dispatcher that keeps up never reads an event back from the store. Thread-safe.
 */
final class HotEvents {
    /** The newest stored events kept, at most this many bytes ({@link Inbox#size}). */
    static final long MAX_BYTES = 16L << 20;

    // A lock, not a monitor: the dispatcher's virtual threads and the writer meet here on every event.
    private final ReentrantLock lock = new ReentrantLock();
    private final LinkedHashMap<Long, ChannelEvent> events = new LinkedHashMap<>();
    private long bytes;

    void put(long seq, ChannelEvent event, long size) {
        lock.lock();
        try {
            if (events.put(seq, event) == null) {
                bytes += size;
            }
            // The oldest go first: those are the ones the dispatcher is furthest from, or another replica handles.
            while (bytes > MAX_BYTES && !events.isEmpty()) {
                Map.Entry<Long, ChannelEvent> eldest = events.pollFirstEntry();
                bytes -= Inbox.size(eldest.getValue());
            }
        } finally {
            lock.unlock();
        }
    }

    Optional<ChannelEvent> take(long seq, long size) {
        lock.lock();
        try {
            ChannelEvent event = events.remove(seq);
            if (event != null) {
                bytes -= size;
            }
            return Optional.ofNullable(event);
        } finally {
            lock.unlock();
        }
    }
}
