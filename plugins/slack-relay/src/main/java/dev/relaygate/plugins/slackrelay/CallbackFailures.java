package dev.relaygate.plugins.slackrelay;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Failed OAuth callbacks per client address (relay-protocol.md 5.2 step 1, per client rather than one window for
 * everyone, so that junk callbacks from one address cannot block anybody else's connection): a client with
 * {@value #LIMIT} failures in one fixed window of {@link #WINDOW} is refused until its window ends.
 *
 * <p>At most {@value #MAX_CLIENTS} clients are tracked; when a new one comes, the client whose window began first is
 * forgotten, so the record has a fixed size however many addresses send junk.
 */
final class CallbackFailures {
    static final int LIMIT = 10;
    static final Duration WINDOW = Duration.ofSeconds(60);
    static final int MAX_CLIENTS = 1024;

    /** A client's window: when it began and the failures in it. */
    private record Window(Instant start, int failures) {
    }

    private final Clock clock;
    // Insertion order is the order windows began: a new window is removed and put again.
    private final Map<String, Window> clients = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Window> eldest) {
            return size() > MAX_CLIENTS;
        }
    };

    CallbackFailures(Clock clock) {
        this.clock = clock;
    }

    /**
     * Whether the client used up its failures for now.
     */
    synchronized boolean blocked(String client) {
        Window window = clients.get(client);
        return window != null && window.failures() >= LIMIT && clock.instant().isBefore(window.start().plus(WINDOW));
    }

    /**
     * Counts a failure of the client.
     */
    synchronized void failed(String client) {
        Instant now = clock.instant();
        Window window = clients.get(client);
        if (window == null || !now.isBefore(window.start().plus(WINDOW))) {
            clients.remove(client);
            clients.put(client, new Window(now, 1));
        } else {
            clients.put(client, new Window(window.start(), window.failures() + 1));
        }
    }

    synchronized int tracked() {
        return clients.size();
    }
}
