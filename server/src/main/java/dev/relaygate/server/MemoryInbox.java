package dev.relaygate.server;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import dev.relaygate.api.ChannelEvent;

/**
 * A bounded in-memory inbox with the same contract, deduplication included: fast, and lost on a crash, dead letters
 * included. For tests and benchmarks
 * ({@code relaygate.inbox.type: memory}).
 */
final class MemoryInbox implements Inbox {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final ArrayDeque<Entry> pending = new ArrayDeque<>();
    private final Map<String, DeadLetter> dead = new LinkedHashMap<>();
    // Event ids seen inside the dedup window, with their expiry, oldest first (events without an id are never in it).
    private final LinkedHashMap<DedupKey, Instant> seen = new LinkedHashMap<>();
    private final int capacity;
    private final Duration dedupWindow;
    private final Clock clock;
    // Every entry stored and not yet done or dead, with its arrival: the backlog.
    private final Map<String, Instant> undelivered = new HashMap<>();
    private volatile boolean closed;

    MemoryInbox(int capacity, Duration dedupWindow, Clock clock) {
        this.capacity = capacity;
        this.dedupWindow = dedupWindow;
        this.clock = clock;
    }

    @Override
    public Offer offer(List<ChannelEvent> events) {
        lock.lock();
        try {
            // Under the lock, the checks and the additions are one step: all fresh events or none.
            if (closed) {
                return Offer.CLOSED;
            }
            Instant now = clock.instant();
            // Arrival order is expiry order: forget from the oldest end, never scan the rest.
            while (!seen.isEmpty() && seen.firstEntry().getValue().isBefore(now)) {
                seen.pollFirstEntry();
            }
            Set<DedupKey> keys = new HashSet<>();
            List<ChannelEvent> fresh = events.stream()
                    .filter(event -> {
                        DedupKey key = DedupKey.of(event);
                        return !seen.containsKey(key) && keys.add(key);
                    })
                    .toList();
            if (fresh.isEmpty()) {
                return Offer.DUPLICATE;
            }
            if (capacity - undelivered.size() < fresh.size()) {
                return Offer.FULL;
            }
            fresh.stream().filter(event -> !event.id().isEmpty())
                    .forEach(event -> seen.put(DedupKey.of(event), event.receivedAt().plus(dedupWindow)));
            fresh.forEach(event -> add(Entry.first(Inbox.newDeliveryId(), event)));
            notEmpty.signal();
            return Offer.STORED;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Entry take() throws InterruptedException {
        lock.lockInterruptibly();
        try {
            while (pending.isEmpty()) {
                notEmpty.await();
            }
            return pending.poll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean lease(Entry entry) {
        // Nothing outlives a crash here: there is nothing to record.
        return !closed;
    }

    @Override
    public void done(Entry entry) {
        lock.lock();
        try {
            undelivered.remove(entry.id());
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void retry(Entry entry, Instant at, String error) {
        // Nothing to record: the dispatcher holds the entry until its next try, and a crash loses it anyway.
    }

    @Override
    public void dead(Entry entry, String error) {
        lock.lock();
        try {
            dead.put(entry.id(), new DeadLetter(entry, error, clock.instant()));
            undelivered.remove(entry.id());
        } finally {
            lock.unlock();
        }
    }

    @Override
    public List<DeadLetter> deadLetters() {
        lock.lock();
        try {
            return new ArrayList<>(dead.values());
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean replay(String id) {
        lock.lock();
        try {
            DeadLetter letter = dead.get(id);
            if (letter == null || closed || undelivered.size() == capacity) {
                return false;
            }
            dead.remove(id);
            add(letter.entry().next());
            notEmpty.signal();
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean delete(String id) {
        lock.lock();
        try {
            return dead.remove(id) != null;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int backlog() {
        lock.lock();
        try {
            return undelivered.size();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Optional<Instant> oldestUndelivered() {
        lock.lock();
        try {
            return undelivered.values().stream().min(Instant::compareTo);
        } finally {
            lock.unlock();
        }
    }

    // Under the lock.
    private void add(Entry entry) {
        pending.add(entry);
        undelivered.put(entry.id(), entry.event().receivedAt());
    }

    /**
     * What makes two events the same: channel, team and the provider's event id. An event without an id gets a key
     * no other event has.
     */
    private record DedupKey(String channel, String scope, String id) {
        static DedupKey of(ChannelEvent event) {
            return new DedupKey(event.channel(), event.scope(), event.id().isEmpty() ? Inbox.newDeliveryId() : event.id());
        }
    }
}
