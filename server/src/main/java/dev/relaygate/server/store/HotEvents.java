package dev.relaygate.server.store;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import dev.relaygate.api.ChannelEvent;

/**
 * The newest events a process stored, kept in memory until their first try takes them, at most {@link #MAX_BYTES}:
 * a dispatcher that keeps up never reads an event back from the store. Thread-safe.
 */
final class HotEvents {
    /** The newest stored events kept, at most this many bytes ({@link Inbox#size}). */
    static final long MAX_BYTES = 16L << 20;

    private final LinkedHashMap<Long, ChannelEvent> events = new LinkedHashMap<>();
    private long bytes;

    synchronized void put(long seq, ChannelEvent event, long size) {
        if (events.put(seq, event) == null) {
            bytes += size;
        }
        // The oldest go first: those are the ones the dispatcher is furthest from, or another replica handles.
        while (bytes > MAX_BYTES && !events.isEmpty()) {
            Map.Entry<Long, ChannelEvent> eldest = events.pollFirstEntry();
            bytes -= Inbox.size(eldest.getValue());
        }
    }

    synchronized Optional<ChannelEvent> take(long seq, long size) {
        ChannelEvent event = events.remove(seq);
        if (event != null) {
            bytes -= size;
        }
        return Optional.ofNullable(event);
    }
}
