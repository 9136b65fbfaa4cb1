package dev.relaygate.api;

import java.util.Objects;
import java.util.Optional;

/**
 * Whether a channel can accept events now, and why not.
 *
 * <p>The {@code reason} is public: {@code /observe/health/ready} shows it to anyone, so it is a short fixed text
 * ({@code relay error HTTP 500}, {@code relay unreachable}) and never quotes an upstream answer. The {@code detail}
 * (an upstream error, cut short) is for operators: logs and the bearer-protected {@code /api/v1/channels}.
 *
 * @param ready  whether webhooks can be accepted
 * @param reason a short fixed explanation, for example {@code no signing secret}
 * @param detail more about the reason, for operators only
 */
public record Health(boolean ready, String reason, Optional<String> detail) {
    /** Ready. */
    public static final Health READY = new Health(true, "ready");

    /**
     * Validates.
     */
    public Health {
        Objects.requireNonNull(reason);
        Objects.requireNonNull(detail);
    }

    /**
     * A health without detail.
     *
     * @param ready  whether webhooks can be accepted
     * @param reason a short fixed explanation
     */
    public Health(boolean ready, String reason) {
        this(ready, reason, Optional.empty());
    }

    /**
     * Not ready.
     *
     * @param reason why, a fixed text
     * @return the health
     */
    public static Health down(String reason) {
        return new Health(false, reason);
    }

    /**
     * Not ready, with detail for operators.
     *
     * @param reason why, a fixed text
     * @param detail more, for logs and {@code /api/v1/channels} only
     * @return the health
     */
    public static Health down(String reason, String detail) {
        return new Health(false, reason, Optional.of(detail));
    }
}
