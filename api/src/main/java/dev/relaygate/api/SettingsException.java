package dev.relaygate.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * A configuration value is missing or cannot be used. The message starts with the full key, for example
 * {@code relaygate.channels.slack.signing-secret: expected 64 hex characters}, and never contains the value of a secret.
 *
 * <p>One exception may carry several problems ({@link #problems()}), so that {@code check-config} can name every bad
 * key of a channel at once: a provider reads its settings through a {@link Collector} and throws once at the end.
 */
public class SettingsException extends IllegalArgumentException {
    private final String key;
    private final List<SettingsException> problems;

    /**
     * A problem with one key.
     *
     * @param key     the full configuration key
     * @param problem what is wrong with it
     */
    public SettingsException(String key, String problem) {
        super(key + ": " + problem);
        this.key = key;
        this.problems = List.of();
    }

    private SettingsException(List<SettingsException> problems) {
        super(String.join("; ", problems.stream().map(Throwable::getMessage).toList()));
        this.key = problems.getFirst().key();
        this.problems = List.copyOf(problems);
    }

    /**
     * A collector for reading several settings and reporting all their problems together.
     *
     * @return a new collector
     */
    public static Collector collector() {
        return new Collector();
    }

    /**
     * The full configuration key at fault (the first one, when there are several).
     *
     * @return the key
     */
    public String key() {
        return key;
    }

    /**
     * Every problem this exception stands for, one per key, in the order they were found.
     *
     * @return the problems; this exception alone when it has one
     */
    public List<SettingsException> problems() {
        return problems.isEmpty() ? List.of(this) : problems;
    }

    /**
     * Gathers the problems of several settings, so that one bad key does not hide the next.
     *
     * <pre>{@code
     * SettingsException.Collector problems = SettingsException.collector();
     * Optional<Duration> timeout = problems.read(() -> settings.duration("request-timeout", Duration.ofSeconds(30)));
     * Optional<Secret> secret = problems.read(() -> secret(settings));
     * problems.throwIfAny();
     * }</pre>
     */
    public static final class Collector {
        private final List<SettingsException> found = new ArrayList<>();

        private Collector() {
        }

        /**
         * Reads one setting; a {@link SettingsException} is recorded instead of thrown.
         *
         * @param reader reads and validates the setting
         * @param <T>    the value type
         * @return the value, empty when it had a problem (or was {@code null})
         */
        public <T> Optional<T> read(Supplier<T> reader) {
            try {
                return Optional.ofNullable(reader.get());
            } catch (SettingsException e) {
                found.addAll(e.problems());
                return Optional.empty();
            }
        }

        /**
         * Records a problem found by a check across settings.
         *
         * @param key     the full configuration key
         * @param problem what is wrong with it
         */
        public void add(String key, String problem) {
            found.add(new SettingsException(key, problem));
        }

        /**
         * Whether any problem was recorded.
         *
         * @return true when there is at least one
         */
        public boolean any() {
            return !found.isEmpty();
        }

        /**
         * Throws one exception carrying every problem recorded, if any.
         *
         * @throws SettingsException with all problems
         */
        public void throwIfAny() {
            if (found.size() == 1) {
                throw found.getFirst();
            }
            if (!found.isEmpty()) {
                throw new SettingsException(found);
            }
        }
    }
}
