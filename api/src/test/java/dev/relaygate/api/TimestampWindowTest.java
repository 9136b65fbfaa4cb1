package dev.relaygate.api;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import dev.relaygate.api.TimestampWindow.Freshness;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

class TimestampWindowTest {
    private static final long NOW = 1_773_946_426L;
    private static final TimestampWindow WINDOW = TimestampWindow.create(
            Duration.ofMinutes(5), Clock.fixed(Instant.ofEpochSecond(NOW), ZoneOffset.UTC));

    @ParameterizedTest
    @CsvSource({
            "0, FRESH",
            "300, FRESH",
            "-300, FRESH",
            "301, STALE",
            "-301, STALE"})
    void inclusiveTwoSidedBoundaries(long offset, Freshness expected) {
        assertThat(WINDOW.check(Long.toString(NOW + offset)), is(expected));
        assertThat(WINDOW.check(NOW + offset), is(expected));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "abc", "1.5", " 1773946426", "1773946426 ", "1e9", "+", "-", "0x10", "1_000",
            "99999999999999999999", "١٧٧٣٩٤٦٤٢٦"})
    void malformed(String value) {
        assertThat(WINDOW.check(value), is(Freshness.MALFORMED));
    }

    @ParameterizedTest
    @ValueSource(strings = {"+1773946426", "01773946426", "-0"})
    void signsAndLeadingZerosParse(String value) {
        assertThat(WINDOW.check(value), is(value.equals("-0") ? Freshness.STALE : Freshness.FRESH));
    }

    @ParameterizedTest
    @ValueSource(longs = {Long.MIN_VALUE, Long.MAX_VALUE, Long.MIN_VALUE + 1, 1_773_946_426_000L})
    void extremesAndMillisecondsAreStale(long value) {
        assertThat(WINDOW.check(value), is(Freshness.STALE));
    }

    @ParameterizedTest
    @ValueSource(longs = {Long.MIN_VALUE, Long.MAX_VALUE})
    void overflowWithExtremeClockIsStale(long now) {
        TimestampWindow window = TimestampWindow.create(Duration.ofMinutes(5),
                                                        Clock.fixed(Instant.ofEpochSecond(now / 1_000_000_000L),
                                                                    ZoneOffset.UTC));
        assertThat(window.check(now == Long.MIN_VALUE ? Long.MAX_VALUE : Long.MIN_VALUE), is(Freshness.STALE));
    }
}
