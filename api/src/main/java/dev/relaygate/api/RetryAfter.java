package dev.relaygate.api;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * Reads the waits providers ask for: an HTTP {@code Retry-After} value (RFC 9110 10.2.3), and seconds given as a
 * number, for every client that must honour one.
 */
public final class RetryAfter {
    private static final BigDecimal A_DAY = BigDecimal.valueOf(86_400);

    private RetryAfter() {
    }

    /**
     * The pause a {@code Retry-After} value asks for.
     *
     * @param value the header value: delay seconds or an HTTP date
     * @param now   the current time, for a date
     * @return the pause (zero for a date in the past), empty when the value is neither form
     */
    public static Optional<Duration> parse(String value, Instant now) {
        String v = value.strip();
        if (v.matches("[0-9]{1,9}")) {
            return Optional.of(Duration.ofSeconds(Long.parseLong(v)));
        }
        try {
            Duration until = Duration.between(now, ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
            return Optional.of(until.isNegative() ? Duration.ZERO : until);
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /**
     * A wait given in seconds, fractions allowed, as providers put it in a JSON body ({@code retry_after}) or a header
     * ({@code X-RateLimit-Reset-After}). Compared before it is converted, so that a hostile {@code 1e999999999} is
     * never expanded.
     *
     * @param seconds the number
     * @return the wait, at most a day; empty when negative
     */
    public static Optional<Duration> seconds(BigDecimal seconds) {
        if (seconds.signum() < 0) {
            return Optional.empty();
        }
        return Optional.of(seconds.compareTo(A_DAY) > 0 ? Duration.ofDays(1)
                                   : Duration.ofMillis(seconds.movePointRight(3).longValue()));
    }

    /**
     * As {@link #seconds(BigDecimal)}, for a header's text.
     *
     * @param text the header value
     * @return the wait, empty when it is not a non-negative number
     */
    public static Optional<Duration> seconds(String text) {
        try {
            return seconds(new BigDecimal(text.strip()));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
