package dev.relaygate.server;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

import dev.relaygate.api.Attempt;
import dev.relaygate.api.ChannelEvent;

/**
 * Where acknowledged events wait for the agent, and what became of them. A webhook is answered 200 only after
 * {@link #offer} stored its events. An entry is pending until a try starts ({@link #lease}), then ends {@link #done}
 * or {@link #dead}; {@link #retry} records a failed try in between. Dead letters stay until replayed or deleted.
 *
 * <p>The contract is storage-neutral (the default keeps it in SQLite, a shared database could keep it for several
 * gateways): an entry taken by a process belongs to it until it is done, retried or dead, or the process is gone.
 */
interface Inbox extends AutoCloseable {
    /** What became of an offer. */
    enum Offer {
        /** Stored: it will be handled. */
        STORED,
        /** Every event was seen inside the dedup window (a sender's retry): nothing stored, nothing to do. */
        DUPLICATE,
        /** The backlog has no room for all of them: nothing stored. */
        FULL,
        /** The inbox is closed: nothing stored. */
        CLOSED
    }

    /**
     * Stores the events that are not duplicates, all of them or none, and returns once they are stored.
     *
     * @param events verified events of one request
     * @return the outcome
     * @throws IllegalStateException when the store failed (nothing was acknowledged)
     */
    Offer offer(List<ChannelEvent> events);

    /**
     * The next entry in arrival order, waiting for one. It stays in the backlog until done or dead.
     *
     * @return the entry
     * @throws InterruptedException when the dispatcher is stopped
     */
    Entry take() throws InterruptedException;

    /**
     * A try is about to start; returns once that is recorded, so that a crash from now on counts the try as run.
     *
     * @param entry a taken entry
     * @return false when the inbox is closed: do not start the try
     */
    boolean lease(Entry entry);

    /**
     * The agent handled it.
     *
     * @param entry a taken entry
     */
    void done(Entry entry);

    /**
     * A try failed; the dispatcher tries again ({@code entry.next()}) at the given time.
     *
     * @param entry a taken entry
     * @param at    when the next try is due
     * @param error what went wrong
     */
    void retry(Entry entry, Instant at, String error);

    /**
     * No more tries: keep it as a dead letter.
     *
     * @param entry a taken entry
     * @param error the last error
     */
    void dead(Entry entry, String error);

    /**
     * The dead letters, oldest first.
     *
     * @return the dead letters
     */
    List<DeadLetter> deadLetters();

    /**
     * Puts a dead letter back at the end of the backlog, with its delivery id and its attempts counting on.
     *
     * @param id the delivery id
     * @return false when there is no such dead letter or no room in the backlog
     */
    boolean replay(String id);

    /**
     * Deletes a dead letter.
     *
     * @param id the delivery id
     * @return false when there is no such dead letter
     */
    boolean delete(String id);

    /**
     * When the oldest event not yet done or dead was received.
     *
     * @return its arrival, empty when the backlog is empty
     */
    Optional<Instant> oldestUndelivered();

    /**
     * Entries accepted and not yet done or dead.
     *
     * @return the backlog
     */
    int backlog();

    /**
     * The backlog limit.
     *
     * @return the capacity
     */
    int capacity();

    /**
     * Refuses further offers.
     */
    @Override
    void close();

    /**
     * A new delivery id: {@code msg_} and 32 random hex digits.
     */
    static String newDeliveryId() {
        return "msg_" + UUID.randomUUID().toString().replace("-", "");
    }

    /**
     * A stored event on its way to the agent.
     *
     * @param id      the delivery id, stable across tries and replays
     * @param event   the event
     * @param attempt the try this entry is for, counting from 1
     * @param due     when that try is due, if it must wait (a retry that was pending when the gateway stopped)
     */
    record Entry(String id, ChannelEvent event, int attempt, Optional<Instant> due) {
        public Entry {
            Objects.requireNonNull(id);
            Objects.requireNonNull(event);
            Objects.requireNonNull(due);
        }

        static Entry first(String id, ChannelEvent event) {
            return new Entry(id, event, 1, Optional.empty());
        }

        public Entry next() {
            return new Entry(id, event, attempt + 1, Optional.empty());
        }

        public Attempt asAttempt() {
            return new Attempt(id, attempt);
        }
    }

    /**
     * An event the agent could not take.
     *
     * @param entry  the entry at its last try
     * @param error  the last error
     * @param diedAt when it was given up
     */
    record DeadLetter(Entry entry, String error, Instant diedAt) {
    }
}
