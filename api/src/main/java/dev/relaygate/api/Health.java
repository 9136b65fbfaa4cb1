package dev.relaygate.api;

import java.util.Objects;

/**
 * Whether a channel can accept events now, and why not.
 *
 * @param ready  whether webhooks can be accepted
 * @param reason a short explanation shown in {@code /observe/health/ready}, for example {@code no signing secret}
 */
public record Health(boolean ready, String reason) {
    /** Ready. */
    public static final Health READY = new Health(true, "ready");

    /**
     * Validates.
     */
    public Health {
        Objects.requireNonNull(reason);
    }

    /**
     * Not ready.
     *
     * @param reason why
     * @return the health
     */
    public static Health down(String reason) {
        return new Health(false, reason);
    }
}
