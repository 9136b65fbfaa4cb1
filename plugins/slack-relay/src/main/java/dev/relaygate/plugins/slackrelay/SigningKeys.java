package dev.relaygate.plugins.slackrelay;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

import dev.relaygate.api.ChannelException;
import dev.relaygate.api.Secret;

/**
 * The secret slot of relay-protocol.md 2.6 (empty until activation, cleared on disconnect), plus what the original
 * lacked: after an {@code invalid signature} the secret is fetched again, at most once a minute, and when it changed
 * the previous one stays valid for ten minutes, so a rotation at the relay loses no event.
 */
final class SigningKeys {
    static final Duration REFETCH_INTERVAL = Duration.ofMinutes(1);
    static final Duration GRACE = Duration.ofMinutes(10);

    /** An activation: the team it serves and its keys. */
    private record Slot(Optional<String> team, Secret current, Optional<Secret> previous, Instant previousUntil,
                        boolean fromRelay) {
    }

    private final AtomicReference<Optional<Slot>> slot = new AtomicReference<>(Optional.empty());
    private final ReentrantLock refetch = new ReentrantLock();
    private final Clock clock;
    private Instant lastFetch = Instant.MIN;

    SigningKeys(Clock clock) {
        this.clock = clock;
    }

    boolean active() {
        return slot.get().isPresent();
    }

    Optional<String> team() {
        return slot.get().flatMap(Slot::team);
    }

    /**
     * The keys that verify now: the current one, and the previous one during its grace period.
     */
    List<Secret> keys() {
        Optional<Slot> current = slot.get();
        if (current.isEmpty()) {
            return List.of();
        }
        Slot s = current.get();
        return s.previous().isPresent() && clock.instant().isBefore(s.previousUntil())
                ? List.of(s.current(), s.previous().get())
                : List.of(s.current());
    }

    /**
     * Fills the slot: webhooks are accepted from now on.
     *
     * @param fromRelay whether the secret was fetched from the relay (and may be fetched again on a mismatch)
     */
    void activate(Optional<String> team, Secret secret, boolean fromRelay) {
        refetch.lock();
        try {
            if (fromRelay) {
                lastFetch = clock.instant();
            }
            slot.set(Optional.of(new Slot(team, secret, Optional.empty(), Instant.MIN, fromRelay)));
        } finally {
            refetch.unlock();
        }
    }

    void clear() {
        slot.set(Optional.empty());
    }

    /**
     * After a signature mismatch: fetches the secret again unless that happened less than a minute ago.
     *
     * @param fetch fetches the secret of a team from the relay
     * @return whether a different secret is now current (the caller verifies again)
     */
    boolean refresh(Function<String, Secret> fetch) {
        Optional<Slot> seen = slot.get();
        if (seen.isEmpty() || !seen.get().fromRelay() || seen.get().team().isEmpty()) {
            return false;
        }
        refetch.lock();
        try {
            Instant now = clock.instant();
            if (lastFetch.plus(REFETCH_INTERVAL).isAfter(now) || slot.get() != seen) {
                return slot.get() != seen && slot.get().isPresent();
            }
            lastFetch = now;
            Slot old = seen.get();
            Secret fresh;
            try {
                fresh = fetch.apply(old.team().get());
            } catch (ChannelException e) {
                System.getLogger(SigningKeys.class.getName())
                        .log(System.Logger.Level.WARNING, "Re-fetching the signing secret failed: " + e.getMessage());
                return false;
            }
            if (fresh.equals(old.current())) {
                return false;
            }
            return slot.compareAndSet(seen, Optional.of(new Slot(old.team(), fresh, Optional.of(old.current()),
                                                                 now.plus(GRACE), true)));
        } finally {
            refetch.unlock();
        }
    }
}
