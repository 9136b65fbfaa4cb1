package dev.relaygate.plugins.slackrelay;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

import dev.relaygate.api.ChannelException;
import dev.relaygate.api.Secret;

/**
 * The secret slot of relay-protocol.md 2.6 (empty until activation, cleared on disconnect), plus what the original
 * lacked: after an {@code invalid signature} the secret is fetched again in the background, at most once a minute,
 * and when it changed the previous one stays valid for ten minutes, so a rotation at the relay loses no event.
 *
 * <p>A generation counts the disconnects: an activation that began before one (its secret still on the way from the
 * relay) does not fill the slot afterwards.
 */
final class SigningKeys {
    static final Duration REFETCH_INTERVAL = Duration.ofMinutes(1);
    static final Duration GRACE = Duration.ofMinutes(10);

    /** An activation: the team it serves and its keys. */
    private record Slot(Optional<String> team, Secret current, Optional<Secret> previous, Instant previousUntil,
                        boolean fromRelay) {
    }

    private final AtomicReference<Optional<Slot>> slot = new AtomicReference<>(Optional.empty());
    // Guards generation and lastFetch; never held during a relay call.
    private final ReentrantLock lock = new ReentrantLock();
    private final Clock clock;
    private final System.Logger logger;
    private long generation;
    private Instant lastFetch = Instant.MIN;

    SigningKeys(Clock clock, System.Logger logger) {
        this.clock = clock;
        this.logger = logger;
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
     * The current generation; read it before anything that may end in {@link #activate}.
     */
    long generation() {
        lock.lock();
        try {
            return generation;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Runs an action unless {@link #clear} ran since {@code generation} was read; {@link #clear} waits for it.
     *
     * @return whether the action ran
     */
    boolean ifCurrent(long generation, Runnable action) {
        lock.lock();
        try {
            if (generation != this.generation) {
                return false;
            }
            action.run();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Fills the slot, so webhooks are accepted from now on, unless {@link #clear} ran since {@code generation} was read.
     *
     * @param fromRelay whether the secret was fetched from the relay (and may be fetched again on a mismatch)
     * @return whether the slot was filled
     */
    boolean activate(long generation, Optional<String> team, Secret secret, boolean fromRelay) {
        return ifCurrent(generation, () -> {
            if (fromRelay) {
                lastFetch = clock.instant();
            }
            slot.set(Optional.of(new Slot(team, secret, Optional.empty(), Instant.MIN, fromRelay)));
        });
    }

    /**
     * Empties the slot and starts a new generation.
     */
    void clear() {
        lock.lock();
        try {
            generation++;
            slot.set(Optional.empty());
        } finally {
            lock.unlock();
        }
    }

    /**
     * After a signature mismatch: starts fetching the secret again on {@code background}, unless a fetch started less
     * than a minute ago. The caller does not wait: the request at hand is refused, and once the fetch is done a
     * rotated secret verifies. A forged request therefore costs one relay call a minute at most, never a request
     * thread.
     *
     * @param fetch      fetches the secret of a team from the relay
     * @param background where the fetch runs
     */
    void refreshLater(Function<String, Secret> fetch, Executor background) {
        Optional<Slot> seen = slot.get();
        if (seen.isEmpty() || !seen.get().fromRelay() || seen.get().team().isEmpty()) {
            return;
        }
        lock.lock();
        try {
            Instant now = clock.instant();
            if (lastFetch.plus(REFETCH_INTERVAL).isAfter(now)) {
                return;
            }
            lastFetch = now;
        } finally {
            lock.unlock();
        }
        background.execute(() -> refresh(seen, fetch));
    }

    private void refresh(Optional<Slot> seen, Function<String, Secret> fetch) {
        Slot old = seen.orElseThrow();
        Secret fresh;
        try {
            fresh = fetch.apply(old.team().orElseThrow());
        } catch (ChannelException e) {
            logger.log(Level.WARNING, "Re-fetching the signing secret failed: " + e.getMessage());
            return;
        }
        // Only over the slot the mismatch was seen on: a disconnect or a new activation in the meantime wins.
        if (!fresh.equals(old.current())
                && slot.compareAndSet(seen, Optional.of(new Slot(old.team(), fresh, Optional.of(old.current()),
                                                                 clock.instant().plus(GRACE), true)))) {
            logger.log(Level.INFO, "The relay rotated the signing secret; the previous one stays valid for "
                    + GRACE.toMinutes() + " minutes");
        }
    }
}
