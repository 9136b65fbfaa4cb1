package dev.relaygate.api;

import java.util.Objects;

/**
 * One try at handing an event to the agent. The delivery id stays the same across tries (and replays), so a handler
 * that has side effects can use it to do them once.
 *
 * @param deliveryId the gateway's id of this delivery, stable across tries
 * @param number     the try, counting from 1
 */
public record Attempt(String deliveryId, int number) {
    /**
     * Validates.
     */
    public Attempt {
        Objects.requireNonNull(deliveryId);
        if (number < 1) {
            throw new IllegalArgumentException("attempts count from 1, got " + number);
        }
    }
}
