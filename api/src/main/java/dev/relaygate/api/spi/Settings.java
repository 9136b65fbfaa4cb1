package dev.relaygate.api.spi;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import dev.relaygate.api.Secret;
import dev.relaygate.api.SettingsException;

/**
 * Typed read access to one configuration subtree. An empty string counts as absent, so {@code api-key: ""} in YAML
 * means "not set". Every failure is a {@link dev.relaygate.api.SettingsException} that names the full key and never
 * shows a secret's value.
 */
public interface Settings {
    /**
     * The full key of this subtree, for example {@code relaygate.channels.slack}.
     *
     * @return the key prefix
     */
    String prefix();

    /**
     * A text value.
     *
     * @param key the key relative to this subtree
     * @return the value, empty when absent or empty
     */
    Optional<String> text(String key);

    /**
     * A text value that must be present.
     *
     * @param key the key relative to this subtree
     * @return the value
     * @throws dev.relaygate.api.SettingsException when absent or empty
     */
    String required(String key);

    /**
     * An ISO-8601 duration such as {@code PT30S}.
     *
     * @param key          the key relative to this subtree
     * @param defaultValue the value when absent
     * @return the duration
     * @throws dev.relaygate.api.SettingsException when present but not a non-negative duration
     */
    Duration duration(String key, Duration defaultValue);

    /**
     * A whole number.
     *
     * @param key          the key relative to this subtree
     * @param defaultValue the value when absent
     * @return the number
     * @throws dev.relaygate.api.SettingsException when present but not an integer
     */
    int integer(String key, int defaultValue);

    /**
     * A secret given as text; the value never appears in errors or {@code toString()}.
     *
     * @param key the key relative to this subtree
     * @return the secret, empty when absent or empty
     */
    Optional<Secret> secret(String key);

    /**
     * A secret that must be present.
     *
     * @param key the key relative to this subtree
     * @return the secret
     * @throws dev.relaygate.api.SettingsException when absent or empty
     */
    default Secret requiredSecret(String key) {
        return secret(key).orElseThrow(() -> new SettingsException(prefix() + "." + key, "required"));
    }

    /**
     * A route path, which must start with {@code /}.
     *
     * @param key         the key relative to this subtree, for example {@code path}
     * @param defaultPath the path when absent
     * @return the path
     * @throws dev.relaygate.api.SettingsException when it does not start with {@code /}
     */
    default String path(String key, String defaultPath) {
        String path = text(key).orElse(defaultPath);
        if (!path.startsWith("/")) {
            throw new SettingsException(prefix() + "." + key, "must start with '/', got '" + path + "'");
        }
        return path;
    }

    /**
     * An http or https base URL, for a provider's API; a trailing {@code /} is dropped.
     *
     * @param key        the key relative to this subtree, for example {@code api-url}
     * @param defaultUrl the URL when absent
     * @return the URL
     * @throws dev.relaygate.api.SettingsException when it is not an http or https URL with a host
     */
    default URI url(String key, String defaultUrl) {
        String text = text(key).orElse(defaultUrl);
        try {
            URI uri = new URI(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
            if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null
                    && uri.getRawQuery() == null && uri.getRawFragment() == null) {
                return uri;
            }
        } catch (URISyntaxException e) {
            // reported below
        }
        throw new SettingsException(prefix() + "." + key, "expected an http or https URL, got '" + text + "'");
    }

    /**
     * A list of texts (a YAML sequence).
     *
     * @param key the key relative to this subtree
     * @return the values, empty when absent
     */
    List<String> list(String key);
}
