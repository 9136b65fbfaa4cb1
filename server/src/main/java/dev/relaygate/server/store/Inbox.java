package dev.relaygate.server.store;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ThreadLocalRandom;

import dev.relaygate.api.Attempt;
import dev.relaygate.api.ChannelEvent;

/**
 * Where acknowledged events wait for the agent, and what became of them. A webhook is answered 200 only after
 * {@link #offer} stored its events. An entry is pending until a try starts ({@link #lease}), then ends {@link #done}
 * or {@link #dead}; {@link #retry} records a failed try in between. Dead letters stay until replayed or deleted.
 *
 * <p>Entries hold what routing needs (ids, conversation, size), never the event itself: its body is read with
 * {@link #event} when a try is about to start, so the backlog costs the heap a few hundred bytes an event whatever
 * the bodies weigh. The backlog is bounded twice: {@link #capacity()} events and {@link #maxBytes()} bytes.
 *
 * <p>The contract is storage-neutral (SQLite by default, PostgreSQL for several replicas, memory for tests): an entry
 * taken by a process belongs to it until it is done, retried or dead, or the process is gone (or, on PostgreSQL, has
 * lost the entry's conversation to another replica; {@link #lease} then refuses the try).
 */
public interface Inbox extends AutoCloseable {
    /** Dead letter listings cut the text to this many characters (and leave the raw body out). */
    int TEXT_PREVIEW = 256;
    /** Lane keys longer than this are replaced by their hash, so that a lane costs little memory however long its ids. */
    int MAX_LANE_KEY = 256;
    /** Lower-case hex digits. */
    HexFormat HEX = HexFormat.of();

    /** What became of an offer. */
    enum Offer {
        /** Stored: it will be handled. */
        STORED,
        /** Every event was seen inside the dedup window (a sender's retry): nothing stored, nothing to do. */
        DUPLICATE,
        /** The backlog has no room for all of them (events or bytes): nothing stored. */
        FULL,
        /** The inbox is closed: nothing stored. */
        CLOSED
    }

    /** What became of a replay. */
    enum Replay {
        /** Back in the backlog. */
        REPLAYED,
        /** No dead letter with that id. */
        NOT_FOUND,
        /** The backlog has no room for it. */
        FULL
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
     * The event of a taken entry, read from the store.
     *
     * @param entry a taken entry
     * @return its event
     * @throws IllegalStateException when the store cannot be read now
     */
    ChannelEvent event(Entry entry);

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
     * A page of dead letters in arrival order, for listings: each event's raw body is left out ({@code ""}) and its
     * text cut to {@link #TEXT_PREVIEW} characters.
     *
     * @param limit how many at most
     * @param after the delivery id of the last letter of the previous page, if any
     * @return the page
     * @throws java.util.NoSuchElementException when {@code after} names no event the inbox knows
     */
    List<DeadLetter> deadLetters(int limit, Optional<String> after);

    /**
     * One dead letter, whole.
     *
     * @param id the delivery id
     * @return the letter, empty when there is no such dead letter
     */
    Optional<DeadLetter> deadLetter(String id);

    /**
     * How many dead letters there are.
     *
     * @return the count
     */
    int deadLetterCount();

    /**
     * Puts a dead letter back at the end of the backlog, with its delivery id and its attempts counting on.
     *
     * @param id the delivery id
     * @return the outcome
     */
    Replay replay(String id);

    /**
     * Replays dead letters, oldest first, as many as the backlog has room for.
     *
     * @return how many were replayed
     */
    int replayAll();

    /**
     * Deletes a dead letter.
     *
     * @param id the delivery id
     * @return false when there is no such dead letter
     */
    boolean delete(String id);

    /**
     * What is acknowledged and not yet handled or dead, with the limits: read from memory, never from the store, so
     * capacity checks, readiness and gauges cost no query.
     *
     * @return the backlog
     */
    Backlog backlog();

    /**
     * Why the store cannot take events now (a shared database out of reach), for readiness; empty when it can.
     *
     * @return the reason, fixed text
     */
    default Optional<String> unavailable() {
        return Optional.empty();
    }

    /**
     * Refuses further offers.
     */
    @Override
    void close();

    /**
     * The delivery id of the event stored as number {@code seq}: {@code msg_}, the number in 16 hex digits and 16 random
     * ones. The number lets a store find the event by its primary key, with no index on the id.
     */
    static String deliveryId(long seq) {
        return "msg_" + HEX.toHexDigits(seq) + HEX.toHexDigits(ThreadLocalRandom.current().nextLong());
    }

    /**
     * The number a delivery id carries, if it has the shape of one.
     */
    static OptionalLong seqOf(String id) {
        if (id.length() != 36 || !id.startsWith("msg_")) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(HexFormat.fromHexDigitsToLong(id, 4, 20));
        } catch (IllegalArgumentException e) {
            return OptionalLong.empty();
        }
    }

    /**
     * What an event weighs in the store: its raw body and text in UTF-8, and its other fields.
     */
    static long size(ChannelEvent event) {
        return utf8Length(event.raw()) + utf8Length(event.text()) + utf8Length(event.id()) + utf8Length(event.scope())
                + utf8Length(event.conversation()) + utf8Length(event.senderId()) + utf8Length(event.senderName())
                + event.thread().map(Inbox::utf8Length).orElse(0L) + 64;
    }

    private static long utf8Length(String text) {
        long length = text.length();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= 0x80) {
                // Two bytes up to U+07FF, three beyond; a surrogate pair is four bytes for its two chars.
                length += c < 0x800 ? 1 : Character.isSurrogate(c) ? 1 : 2;
            }
        }
        return length;
    }

    /**
     * The conversation an event belongs to (channel, team, conversation, thread): events of one lane are handled one
     * at a time, in order.
     */
    static String lane(String channel, String scope, String conversation, Optional<String> thread) {
        // NUL cannot occur in the parts, so distinct tuples never share a key.
        String key = channel + '\0' + scope + '\0' + conversation + '\0' + thread.orElse("");
        if (key.length() <= MAX_LANE_KEY) {
            return key;
        }
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                                                                .digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JDK", e);
        }
    }

    /**
     * A stored event on its way to the agent: what routing needs, not the event.
     *
     * @param seq        its number in the store, in arrival order
     * @param id         the delivery id, stable across tries and replays
     * @param channel    the channel it came through
     * @param lane       its conversation ({@link #lane})
     * @param receivedAt when the gateway received it
     * @param size       its stored size ({@link #size(ChannelEvent)})
     * @param attempt    the try this entry is for, counting from 1
     * @param due        when that try is due, if it must wait (a retry that was pending when the gateway stopped)
     */
    record Entry(long seq, String id, String channel, String lane, Instant receivedAt, long size, int attempt,
                 Optional<Instant> due) {
        public Entry {
            Objects.requireNonNull(id);
            Objects.requireNonNull(channel);
            Objects.requireNonNull(lane);
            Objects.requireNonNull(receivedAt);
            Objects.requireNonNull(due);
        }

        static Entry first(long seq, ChannelEvent event) {
            return new Entry(seq, deliveryId(seq), event.channel(),
                             Inbox.lane(event.channel(), event.scope(), event.conversation(), event.thread()),
                             event.receivedAt(), Inbox.size(event), 1, Optional.empty());
        }

        /**
         * The same first try under another number (and so another delivery id).
         */
        Entry renumbered(long number) {
            return number == seq ? this : new Entry(number, deliveryId(number), channel, lane, receivedAt, size, attempt, due);
        }

        public Entry next() {
            return new Entry(seq, id, channel, lane, receivedAt, size, attempt + 1, Optional.empty());
        }

        public Attempt asAttempt() {
            return new Attempt(id, attempt);
        }
    }

    /**
     * An event the agent could not take.
     *
     * @param entry  the entry at its last try
     * @param event  the event (whole, or cut short in listings)
     * @param error  the last error
     * @param diedAt when it was given up
     */
    record DeadLetter(Entry entry, ChannelEvent event, String error, Instant diedAt) {
    }
}
