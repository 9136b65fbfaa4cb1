package dev.relaygate.api;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

class RetryAfterTest {
    private static final Instant NOW = Instant.parse("2026-11-29T10:00:00Z");

    @Test
    void secondsAndDates() {
        assertThat(RetryAfter.parse("7", NOW), is(Optional.of(Duration.ofSeconds(7))));
        assertThat(RetryAfter.parse(" 0 ", NOW), is(Optional.of(Duration.ZERO)));
        assertThat(RetryAfter.parse("Sun, 29 Nov 2026 10:01:30 GMT", NOW), is(Optional.of(Duration.ofSeconds(90))));
        assertThat("a date in the past means now", RetryAfter.parse("Sun, 29 Nov 2026 09:00:00 GMT", NOW),
                   is(Optional.of(Duration.ZERO)));
    }

    @Test
    void nonsenseIsIgnored() {
        assertThat(RetryAfter.parse("-5", NOW), is(Optional.empty()));
        assertThat(RetryAfter.parse("1.5", NOW), is(Optional.empty()));
        assertThat(RetryAfter.parse("9999999999", NOW), is(Optional.empty()));
        assertThat(RetryAfter.parse("soon", NOW), is(Optional.empty()));
    }

    @Test
    void secondsAsNumbersAreBoundedBeforeTheyAreConverted() {
        assertThat(RetryAfter.seconds("0.6"), is(Optional.of(Duration.ofMillis(600))));
        assertThat(RetryAfter.seconds(new BigDecimal("3")), is(Optional.of(Duration.ofSeconds(3))));
        assertThat("never expanded", RetryAfter.seconds(new BigDecimal("1e999999999")),
                   is(Optional.of(Duration.ofDays(1))));
        assertThat(RetryAfter.seconds("-1"), is(Optional.empty()));
        assertThat(RetryAfter.seconds("soon"), is(Optional.empty()));
    }
}
