package dev.relaygate.api;

import java.util.Objects;

/**
 * A refused webhook: the routing layer answers {@code status} with {@code {"ok":false,"error":"<reason>"}} and stores
 * nothing. The reason is a short fixed text (never a secret, a signature or body content): relays and tests match on
 * it.
 *
 * @param status HTTP status, 4xx or 5xx
 * @param reason the error text, for example {@code invalid signature}
 */
public record Rejection(int status, String reason) implements Verdict, Inbound {
    /**
     * Validates.
     */
    public Rejection {
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("a rejection needs a 4xx or 5xx status, not " + status);
        }
        Objects.requireNonNull(reason);
    }

    /**
     * A 401 rejection.
     *
     * @param reason the error text
     * @return the rejection
     */
    public static Rejection unauthorized(String reason) {
        return new Rejection(401, reason);
    }

    /**
     * A 400 rejection.
     *
     * @param reason the error text
     * @return the rejection
     */
    public static Rejection badRequest(String reason) {
        return new Rejection(400, reason);
    }

    /**
     * A 503 rejection: the sender should retry later.
     *
     * @param reason the error text
     * @return the rejection
     */
    public static Rejection unavailable(String reason) {
        return new Rejection(503, reason);
    }
}
