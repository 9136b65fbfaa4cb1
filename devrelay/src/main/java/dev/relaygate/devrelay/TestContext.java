package dev.relaygate.devrelay;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import dev.relaygate.api.Secret;
import dev.relaygate.api.SettingsException;
import dev.relaygate.api.spi.ChannelContext;
import dev.relaygate.api.spi.Counters;
import dev.relaygate.api.spi.Settings;
import dev.relaygate.api.spi.StateStore;

/**
 * A channel context over a plain map of settings, an in-memory state store and a frozen clock, for tests of a plugin on
 * its own (the server's tests cover the real host).
 *
 * @param name     the channel name
 * @param settings the settings
 * @param clock    the clock
 * @param state    the plugin state
 * @param logger   the logger
 */
public record TestContext(String name, Settings settings, Clock clock, StateStore state, System.Logger logger)
        implements ChannelContext {
    /** The frozen now: the relay protocol's worked example. */
    public static final long NOW = 1_773_946_426L;
    /** A clock frozen at {@link #NOW}. */
    public static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(NOW), ZoneOffset.UTC);

    /**
     * A channel {@code slack} at the frozen clock.
     *
     * @param settings the settings
     * @return the context
     */
    public static TestContext of(Map<String, String> settings) {
        return of(settings, CLOCK);
    }

    /**
     * A channel of the given name.
     *
     * @param name     the channel name
     * @param settings the settings
     * @param clock    the clock
     * @return the context
     */
    public static TestContext of(String name, Map<String, String> settings, Clock clock) {
        return new TestContext(name, new MapSettings("relaygate.channels." + name, settings), clock, new MapState(),
                               System.getLogger("test"));
    }

    @Override
    public Counters counters() {
        return Counters.NONE;
    }

    /**
     * A channel {@code slack}.
     *
     * @param settings the settings
     * @param clock    the clock
     * @return the context
     */
    public static TestContext of(Map<String, String> settings, Clock clock) {
        return of("slack", settings, clock);
    }

    /** A clock that stands still until a test moves it. */
    public static final class TestClock extends Clock {
        private volatile Instant now;

        /**
         * A clock at {@link #NOW}.
         */
        public TestClock() {
            this(Instant.ofEpochSecond(NOW));
        }

        /**
         * A clock at the given instant.
         *
         * @param start where it stands
         */
        public TestClock(Instant start) {
            this.now = start;
        }

        /**
         * Moves the clock.
         *
         * @param duration how far
         */
        public void advance(Duration duration) {
            now = now.plus(duration);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    /**
     * Settings over a map; lists are comma-separated.
     *
     * @param prefix the full key of the section
     * @param values the values
     */
    public record MapSettings(String prefix, Map<String, String> values) implements Settings {
        @Override
        public Optional<String> text(String key) {
            return Optional.ofNullable(values.get(key)).filter(v -> !v.isEmpty());
        }

        @Override
        public String required(String key) {
            return text(key).orElseThrow(() -> new SettingsException(prefix + "." + key, "required"));
        }

        // The host's rules and texts: a bad value is a SettingsException naming the key, never a parse exception.
        @Override
        public Duration duration(String key, Duration defaultValue) {
            return text(key).map(value -> {
                try {
                    Duration duration = Duration.parse(value);
                    if (duration.isNegative()) {
                        throw new SettingsException(prefix + "." + key, "must not be negative, got '" + value + "'");
                    }
                    return duration;
                } catch (DateTimeParseException e) {
                    throw new SettingsException(prefix + "." + key,
                                                "expected an ISO-8601 duration such as PT30S, got '" + value + "'");
                }
            }).orElse(defaultValue);
        }

        @Override
        public int integer(String key, int defaultValue) {
            return text(key).map(value -> {
                try {
                    return Integer.parseInt(value.strip());
                } catch (NumberFormatException e) {
                    throw new SettingsException(prefix + "." + key, "expected a whole number, got '" + value + "'");
                }
            }).orElse(defaultValue);
        }

        @Override
        public Optional<Secret> secret(String key) {
            return text(key).map(Secret::ofText);
        }

        @Override
        public List<String> list(String key) {
            return text(key).map(v -> List.of(v.split(","))).orElse(List.of());
        }
    }

    /** Plugin state in a map. */
    public static final class MapState implements StateStore {
        private final Map<String, String> values = new ConcurrentHashMap<>();

        @Override
        public Optional<String> get(String key) {
            return Optional.ofNullable(values.get(key));
        }

        @Override
        public void put(String key, String value) {
            values.put(key, value);
        }

        @Override
        public Optional<String> take(String key) {
            return Optional.ofNullable(values.remove(key));
        }
    }
}
