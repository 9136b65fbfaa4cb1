package dev.relaygate.server.store;

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
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import dev.relaygate.api.ChannelEvent;

/**
 * A bounded in-memory inbox with the same contract, deduplication included: fast, and lost on a crash, dead letters
 * included. For tests and benchmarks ({@code relaygate.inbox.type: memory}). Here the events are in the heap, so
 * {@code inbox.max-bytes} bounds the heap they take, and the dedup memory keeps at most {@link #MAX_SEEN} event ids
 * (the newest, inside the window).
 */
final class MemoryInbox implements Inbox {
    /** Event ids remembered for deduplication at most, the oldest forgotten first. */
    static final int MAX_SEEN = 25_000;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final ArrayDeque<Entry> pending = new ArrayDeque<>();
    // The events of the backlog and of the dead letters, by number.
    private final Map<Long, ChannelEvent> events = new HashMap<>();
    private final TreeMap<Long, DeadLetter> dead = new TreeMap<>();
    // Event ids seen inside the dedup window, with their expiry, oldest first (events without an id are never in it).
    private final LinkedHashMap<DedupKey, Instant> seen = new LinkedHashMap<>();
    private final LocalBacklog backlog;
    private final Duration dedupWindow;
    private final Clock clock;
    private long nextSeq = 1;
    private volatile boolean closed;

    MemoryInbox(int capacity, long maxBytes, Duration dedupWindow, Clock clock) {
        this.backlog = new LocalBacklog(capacity, maxBytes);
        this.dedupWindow = dedupWindow;
        this.clock = clock;
    }

    @Override
    public Offer offer(List<ChannelEvent> offered) {
        lock.lock();
        try {
            // Under the lock, the checks and the additions are one step: all fresh events or none.
            if (closed) {
                return Offer.CLOSED;
            }
            Instant now = clock.instant();
            // Arrival order is expiry order: forget from the oldest end, never scan the rest.
            while (!seen.isEmpty() && (seen.firstEntry().getValue().isBefore(now) || seen.size() > MAX_SEEN)) {
                seen.pollFirstEntry();
            }
            Set<DedupKey> keys = new HashSet<>();
            List<ChannelEvent> fresh = new ArrayList<>(offered.size());
            List<Entry> entries = new ArrayList<>(offered.size());
            long bytes = 0;
            for (ChannelEvent event : offered) {
                // Events without an id are never duplicates.
                DedupKey key = new DedupKey(event.channel(), event.scope(), event.id());
                if (event.id().isEmpty() || !seen.containsKey(key) && keys.add(key)) {
                    Entry entry = Entry.first(nextSeq + entries.size(), event);
                    fresh.add(event);
                    entries.add(entry);
                    bytes += entry.size();
                }
            }
            if (fresh.isEmpty()) {
                return Offer.DUPLICATE;
            }
            if (!backlog.fits(fresh.size(), bytes)) {
                return Offer.FULL;
            }
            nextSeq += entries.size();
            for (int i = 0; i < fresh.size(); i++) {
                ChannelEvent event = fresh.get(i);
                if (!event.id().isEmpty()) {
                    seen.put(new DedupKey(event.channel(), event.scope(), event.id()), event.receivedAt().plus(dedupWindow));
                }
                events.put(entries.get(i).seq(), event);
                enqueue(entries.get(i));
            }
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
    public ChannelEvent event(Entry entry) {
        lock.lock();
        try {
            ChannelEvent event = events.get(entry.seq());
            if (event == null) {
                throw new IllegalStateException("no event for delivery " + entry.id());
            }
            return event;
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
            events.remove(entry.seq());
            backlog.remove(entry.id());
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
            ChannelEvent event = events.get(entry.seq());
            if (event != null) {
                dead.put(entry.seq(), new DeadLetter(entry, event, error, clock.instant()));
            }
            backlog.remove(entry.id());
        } finally {
            lock.unlock();
        }
    }

    @Override
    public List<DeadLetter> deadLetters(int limit, Optional<String> after) {
        lock.lock();
        try {
            long from = after.map(id -> known(id).orElseThrow(() -> new NoSuchElementException(id)) + 1).orElse(0L);
            List<DeadLetter> page = new ArrayList<>();
            for (DeadLetter letter : dead.tailMap(from).values()) {
                if (page.size() == limit) {
                    break;
                }
                page.add(new DeadLetter(letter.entry(), preview(letter.event()), letter.error(), letter.diedAt()));
            }
            return page;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Optional<DeadLetter> deadLetter(String id) {
        lock.lock();
        try {
            return known(id).stream().mapToObj(dead::get).filter(Objects::nonNull).findFirst();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int deadLetterCount() {
        lock.lock();
        try {
            return dead.size();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Replay replay(String id) {
        lock.lock();
        try {
            DeadLetter letter = known(id).stream().mapToObj(dead::get).filter(Objects::nonNull).findFirst().orElse(null);
            if (letter == null) {
                return Replay.NOT_FOUND;
            }
            if (closed || !backlog.fits(1, letter.entry().size())) {
                return Replay.FULL;
            }
            dead.remove(letter.entry().seq());
            enqueue(letter.entry().next());
            return Replay.REPLAYED;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int replayAll() {
        lock.lock();
        try {
            int replayed = 0;
            for (DeadLetter letter : List.copyOf(dead.values())) {
                if (replay(letter.entry().id()) != Replay.REPLAYED) {
                    break;
                }
                replayed++;
            }
            return replayed;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean delete(String id) {
        lock.lock();
        try {
            OptionalLong seq = known(id);
            if (seq.isEmpty() || dead.remove(seq.getAsLong()) == null) {
                return false;
            }
            events.remove(seq.getAsLong());
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Backlog backlog() {
        return backlog;
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

    // Under the lock: the number of a delivery id this inbox still holds the event of.
    private OptionalLong known(String id) {
        OptionalLong seq = Inbox.seqOf(id);
        if (seq.isEmpty() || !events.containsKey(seq.getAsLong())) {
            return OptionalLong.empty();
        }
        DeadLetter letter = dead.get(seq.getAsLong());
        boolean same = letter != null ? letter.entry().id().equals(id) : backlog.contains(id);
        return same ? seq : OptionalLong.empty();
    }

    // Under the lock.
    private void enqueue(Entry entry) {
        pending.add(entry);
        backlog.add(entry);
        notEmpty.signal();
    }

    /**
     * The event as listings show it: no raw body, the text cut short.
     */
    static ChannelEvent preview(ChannelEvent event) {
        String text = event.text();
        if (text.codePointCount(0, text.length()) > TEXT_PREVIEW) {
            text = text.substring(0, text.offsetByCodePoints(0, TEXT_PREVIEW));
        }
        return new ChannelEvent(event.id(), event.channel(), event.type(), event.provider(), event.scope(),
                                event.conversation(), event.thread(), event.senderId(), event.senderName(), text, "",
                                event.receivedAt(), event.approval());
    }

    /**
     * What makes two events the same: channel, team and the provider's event id.
     */
    private record DedupKey(String channel, String scope, String id) {
    }
}
