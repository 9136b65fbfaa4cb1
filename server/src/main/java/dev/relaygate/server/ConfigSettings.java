package dev.relaygate.server;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.helidon.config.Config;
import io.helidon.config.ConfigException;

import dev.relaygate.api.Secret;
import dev.relaygate.api.SettingsException;
import dev.relaygate.api.spi.Settings;

/**
 * {@link Settings} over one Helidon config node, so plugins never see Helidon types. Remembers every key read (shared
 * with the sections made by {@link #child}), so that keys nobody reads can be reported as unknown.
 */
final class ConfigSettings implements Settings {
    private final Config node;
    private final Set<String> read;

    ConfigSettings(Config node) {
        this(node, ConcurrentHashMap.newKeySet());
    }

    private ConfigSettings(Config node, Set<String> read) {
        this.node = node;
        this.read = read;
    }

    /**
     * A section below this one, sharing the record of keys read.
     */
    ConfigSettings child(Config section) {
        return new ConfigSettings(section, read);
    }

    /**
     * Marks a whole section as known, for example a channel that is switched off.
     */
    void ignore(Config section) {
        read.add(section.key().toString());
    }

    /**
     * Marks the section around a key as known: after a problem there, the keys read after it never were.
     */
    void ignoreAround(String fullKey) {
        read.add(fullKey.contains(".") ? fullKey.substring(0, fullKey.lastIndexOf('.')) : fullKey);
    }

    /**
     * The keys under this section that nothing has read: typos, or settings of another version.
     */
    List<String> unread() {
        return node.traverse()
                .filter(Config::isLeaf)
                .map(leaf -> leaf.key().toString())
                .filter(key -> !readOrBelowRead(key))
                .sorted()
                .toList();
    }

    private boolean readOrBelowRead(String key) {
        for (String k = key; !k.isEmpty(); k = k.contains(".") ? k.substring(0, k.lastIndexOf('.')) : "") {
            if (read.contains(k)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String prefix() {
        return node.key().toString();
    }

    @Override
    public Optional<String> text(String key) {
        Config value = node.get(key);
        read.add(value.key().toString());
        if (!value.exists()) {
            return Optional.empty();
        }
        if (!value.isLeaf()) {
            throw new SettingsException(value.key().toString(), "expected a single value, not a list or a section");
        }
        return value.asString().asOptional().filter(s -> !s.isEmpty());
    }

    @Override
    public String required(String key) {
        return text(key).orElseThrow(() -> new SettingsException(fullKey(key), "required"));
    }

    @Override
    public Duration duration(String key, Duration defaultValue) {
        return text(key).map(value -> parseDuration(fullKey(key), value)).orElse(defaultValue);
    }

    /**
     * A list of durations, empty when the key is absent.
     */
    List<Duration> durations(String key) {
        List<String> texts = list(key);
        List<Duration> durations = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            durations.add(parseDuration(fullKey(key) + "." + i, texts.get(i)));
        }
        return durations;
    }

    private static Duration parseDuration(String fullKey, String value) {
        try {
            Duration duration = Duration.parse(value);
            if (duration.isNegative()) {
                throw new SettingsException(fullKey, "must not be negative, got '" + value + "'");
            }
            return duration;
        } catch (DateTimeParseException e) {
            throw new SettingsException(fullKey, "expected an ISO-8601 duration such as PT30S, got '" + value + "'");
        }
    }

    @Override
    public int integer(String key, int defaultValue) {
        Optional<String> value = text(key);
        if (value.isEmpty()) {
            return defaultValue;
        }
        try {
            return Integer.parseInt(value.get().strip());
        } catch (NumberFormatException e) {
            throw new SettingsException(fullKey(key), "expected a whole number, got '" + value.get() + "'");
        }
    }

    /**
     * A number of bytes (a whole number, at least 1).
     */
    long bytes(String key, long defaultValue) {
        Optional<String> value = text(key);
        if (value.isEmpty()) {
            return defaultValue;
        }
        try {
            long bytes = Long.parseLong(value.get().strip());
            if (bytes >= 1) {
                return bytes;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new SettingsException(fullKey(key), "expected a whole number of bytes (at least 1), got '" + value.get() + "'");
    }

    /**
     * A host-level switch such as {@code relaygate.channels.<name>.enabled}.
     */
    boolean flag(String key, boolean defaultValue) {
        Optional<String> value = text(key);
        if (value.isEmpty()) {
            return defaultValue;
        }
        return switch (value.get()) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new SettingsException(fullKey(key), "expected true or false, got '" + value.get() + "'");
        };
    }

    @Override
    public Optional<Secret> secret(String key) {
        // Secrets are read as text without ever being echoed: errors from text() name the key only.
        return text(key).map(Secret::ofText);
    }

    @Override
    public List<String> list(String key) {
        Config value = node.get(key);
        read.add(value.key().toString());
        if (!value.exists()) {
            return List.of();
        }
        try {
            return value.asList(String.class).get();
        } catch (ConfigException e) {
            throw new SettingsException(value.key().toString(), "expected a list of texts");
        }
    }

    /**
     * The child sections of a key, for maps such as {@code relaygate.channels}.
     */
    List<Config> children(String key) {
        Config value = node.get(key);
        if (!value.exists()) {
            return List.of();
        }
        if (value.type() != Config.Type.OBJECT) {
            throw new SettingsException(value.key().toString(), "expected a map of names to sections");
        }
        return value.asNodeList().get();
    }

    Config node(String key) {
        return node.get(key);
    }

    String fullKey(String key) {
        return node.get(key).key().toString();
    }

    @Override
    public String toString() {
        return "Settings[" + prefix() + "]";
    }
}
