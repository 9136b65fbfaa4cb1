package dev.relaygate.api;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A handler's way to steer what happens after a failed try. Any other exception is retried on the configured
 * schedule; this one can ask for a specific pause (an agent's {@code Retry-After}) or for no retry at all.
 */
public final class HandlerException extends Exception {
    private final Optional<Duration> retryAfter;
    private final boolean giveUp;
    private final Optional<String> detail;

    private HandlerException(String message, Optional<Duration> retryAfter, boolean giveUp, Optional<String> detail) {
        super(Objects.requireNonNull(message));
        this.retryAfter = retryAfter;
        this.giveUp = giveUp;
        this.detail = detail;
    }

    /**
     * Retry on the configured schedule.
     *
     * @param message what went wrong (kept with the event if it ends up dead)
     * @return the exception
     */
    public static HandlerException retry(String message) {
        return new HandlerException(message, Optional.empty(), false, Optional.empty());
    }

    /**
     * Retry, but not before the given pause.
     *
     * @param message    what went wrong (kept with the event if it ends up dead)
     * @param retryAfter the pause the receiver asked for
     * @return the exception
     */
    public static HandlerException retryAfter(String message, Duration retryAfter) {
        return new HandlerException(message, Optional.of(retryAfter), false, Optional.empty());
    }

    /**
     * Do not retry: the event becomes a dead letter at once (it can still be replayed).
     *
     * @param message why
     * @return the exception
     */
    public static HandlerException giveUp(String message) {
        return new HandlerException(message, Optional.empty(), true, Optional.empty());
    }

    /**
     * The same failure with more about it, kept with the event (a dead letter's error) but never logged: the message
     * is what logs show, so put there nothing that may quote user data, and put such text (an answer's body) here.
     *
     * @param detail more about the failure
     * @return a copy with the detail
     */
    public HandlerException withDetail(String detail) {
        return new HandlerException(getMessage(), retryAfter, giveUp, Optional.of(detail));
    }

    /**
     * More about the failure, for the dead letter only.
     *
     * @return the detail
     */
    public Optional<String> detail() {
        return detail;
    }

    /**
     * The pause the receiver asked for, if any.
     *
     * @return the pause
     */
    public Optional<Duration> retryAfter() {
        return retryAfter;
    }

    /**
     * Whether retrying is pointless.
     *
     * @return true to dead-letter at once
     */
    public boolean gaveUp() {
        return giveUp;
    }
}
