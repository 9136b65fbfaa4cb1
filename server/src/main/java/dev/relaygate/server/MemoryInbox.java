package dev.relaygate.server;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import dev.relaygate.api.ChannelEvent;

/**
 * A bounded in-memory inbox: fast, and lost on a crash, dead letters included. For tests and benchmarks
 * ({@code relaygate.inbox.type: memory}).
 */
final class MemoryInbox implements Inbox {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final ArrayDeque<Entry> pending = new ArrayDeque<>();
    private final Map<String, DeadLetter> dead = new LinkedHashMap<>();
    private final int capacity;
    private final Clock clock;
    private int backlog;
    private boolean closed;

    MemoryInbox(int capacity, Clock clock) {
        this.capacity = capacity;
        this.clock = clock;
    }

    @Override
    public boolean offer(List<ChannelEvent> events) {
        lock.lock();
        try {
            // Under the lock, the room check and the additions are one step: all events or none.
            if (closed || capacity - backlog < events.size()) {
                return false;
            }
            events.forEach(event -> pending.add(new Entry(newId(), event, 1)));
            backlog += events.size();
            notEmpty.signal();
            return true;
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
    public void done(Entry entry) {
        release();
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
            backlog--;
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
            if (letter == null || closed || backlog == capacity) {
                return false;
            }
            dead.remove(id);
            pending.add(new Entry(id, letter.entry().event(), 1));
            backlog++;
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
            return backlog;
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

    private void release() {
        lock.lock();
        try {
            backlog--;
        } finally {
            lock.unlock();
        }
    }

    static String newId() {
        return "msg_" + UUID.randomUUID().toString().replace("-", "");
    }
}
