package dev.relaygate.api;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * A two-sided, inclusive freshness window for Unix-seconds timestamps: a timestamp is fresh when
 * {@code |now - ts| <= tolerance}. Future timestamps count like past ones (a clock running ahead is no excuse for a
 * replay), and arithmetic that would overflow counts as stale, never as fresh.
 */
public final class TimestampWindow {
    /** The outcome of a check. */
    public enum Freshness {
        /** Inside the window. */
        FRESH,
        /** Not a signed 64-bit decimal integer. */
        MALFORMED,
        /** Outside the window (including overflow and millisecond values, which look far in the future). */
        STALE
    }

    private final long toleranceSeconds;
    private final Clock clock;

    private TimestampWindow(Duration tolerance, Clock clock) {
        if (tolerance.isNegative()) {
            throw new IllegalArgumentException("tolerance must not be negative");
        }
        this.toleranceSeconds = tolerance.toSeconds();
        this.clock = Objects.requireNonNull(clock);
    }

    /**
     * A window of {@code ±tolerance} around the clock's now.
     *
     * @param tolerance half-width, for example {@code PT5M}
     * @param clock     source of "now"; tests pass a fixed clock
     * @return the window
     */
    public static TimestampWindow create(Duration tolerance, Clock clock) {
        return new TimestampWindow(tolerance, clock);
    }

    /**
     * Checks a header value. It must be an optional {@code +} or {@code -} followed by ASCII digits only (no spaces,
     * no decimal point, no exponent, no non-ASCII digits) and fit a signed 64-bit integer.
     *
     * @param value the header value exactly as received
     * @return the freshness
     */
    public Freshness check(String value) {
        long seconds;
        try {
            seconds = parseSeconds(value);
        } catch (NumberFormatException e) {
            return Freshness.MALFORMED;
        }
        return check(seconds);
    }

    /**
     * Checks a parsed timestamp.
     *
     * @param epochSeconds Unix seconds
     * @return {@link Freshness#FRESH} or {@link Freshness#STALE}
     */
    public Freshness check(long epochSeconds) {
        long now = clock.instant().getEpochSecond();
        try {
            long skew = Math.absExact(Math.subtractExact(now, epochSeconds));
            return skew <= toleranceSeconds ? Freshness.FRESH : Freshness.STALE;
        } catch (ArithmeticException e) {
            return Freshness.STALE;
        }
    }

    /**
     * The half-width of the window.
     *
     * @return the tolerance
     */
    public Duration tolerance() {
        return Duration.ofSeconds(toleranceSeconds);
    }

    // Long.parseLong alone would also take non-ASCII digits (Character.digit); the wire format is ASCII.
    private static long parseSeconds(String value) {
        int start = !value.isEmpty() && (value.charAt(0) == '+' || value.charAt(0) == '-') ? 1 : 0;
        if (start == value.length()) {
            throw new NumberFormatException();
        }
        for (int i = start; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                throw new NumberFormatException();
            }
        }
        return Long.parseLong(value);
    }
}
