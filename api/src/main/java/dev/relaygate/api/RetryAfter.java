package dev.relaygate.api;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * Reads an HTTP {@code Retry-After} value (RFC 9110 10.2.3), for every client that must honour one.
 */
public final class RetryAfter {
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
}
