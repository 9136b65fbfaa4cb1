package dev.relaygate.plugins.slackrelay;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Pattern;

import dev.relaygate.api.Secret;
import dev.relaygate.api.SettingsException;
import dev.relaygate.api.spi.Settings;

/**
 * The validated settings of one slack-relay channel. Every problem is a {@link SettingsException} naming the key;
 * secrets are never echoed.
 *
 * @param path           the webhook path
 * @param relayUrl       the relay's base URL without a trailing slash, if configured
 * @param apiKey         the bearer token for the relay, present exactly when the URL is
 * @param teamId         a workspace already connected, if configured
 * @param signingSecret  the 32-byte webhook key, if configured (otherwise fetched from the relay)
 * @param requestTimeout the per-request timeout of relay calls
 * @param tolerance      the timestamp window half-width
 * @param instanceId     the id sent to {@code GET /connections}
 */
record RelaySettings(String path,
                     Optional<URI> relayUrl,
                     Optional<Secret> apiKey,
                     Optional<String> teamId,
                     Optional<Secret> signingSecret,
                     Duration requestTimeout,
                     Duration tolerance,
                     String instanceId) {
    static final String DEFAULT_PATH = "/relay/events";
    // relay-protocol.md 4.7: UUIDv5(DNS namespace, owner id "default"), what IronClaw sends when nothing is set.
    static final String DEFAULT_INSTANCE_ID = "916180a7-0b43-5c08-b3c8-c738826880bb";
    // relay-protocol.md 5.2: "T" followed by up to 20 ASCII letters or digits.
    static final Pattern TEAM_ID = Pattern.compile("T[A-Za-z0-9]{0,20}");

    static RelaySettings from(Settings settings) {
        String path = settings.text("path").orElse(DEFAULT_PATH);
        if (!path.startsWith("/")) {
            throw new SettingsException(settings.prefix() + ".path", "must start with '/', got '" + path + "'");
        }
        Optional<URI> relayUrl = settings.text("relay-url").map(url -> relayUrl(settings, url));
        Optional<Secret> apiKey = settings.secret("api-key");
        if (relayUrl.isPresent() && apiKey.isEmpty()) {
            throw new SettingsException(settings.prefix() + ".api-key", "required when relay-url is set");
        }
        if (relayUrl.isEmpty() && apiKey.isPresent()) {
            throw new SettingsException(settings.prefix() + ".relay-url", "required when api-key is set");
        }
        Optional<String> teamId = settings.text("team-id");
        if (teamId.isPresent() && !TEAM_ID.matcher(teamId.get()).matches()) {
            throw new SettingsException(settings.prefix() + ".team-id",
                                        "expected 'T' and up to 20 letters or digits, got '" + teamId.get() + "'");
        }
        Optional<Secret> signingSecret = settings.text("signing-secret").map(hex -> signingSecret(settings, hex));
        if (relayUrl.isEmpty() && signingSecret.isEmpty()) {
            // Nothing could ever give this channel a secret: every webhook would be refused.
            throw new SettingsException(settings.prefix() + ".relay-url",
                                        "required unless signing-secret is set (env CHANNEL_RELAY_URL)");
        }
        return new RelaySettings(path,
                                 relayUrl,
                                 apiKey,
                                 teamId,
                                 signingSecret,
                                 settings.duration("request-timeout", Duration.ofSeconds(30)),
                                 settings.duration("tolerance", Duration.ofMinutes(5)),
                                 settings.text("instance-id").orElse(DEFAULT_INSTANCE_ID));
    }

    private static URI relayUrl(Settings settings, String url) {
        URI uri;
        try {
            uri = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
        } catch (IllegalArgumentException e) {
            uri = null;
        }
        if (uri == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
            throw new SettingsException(settings.prefix() + ".relay-url", "expected an http or https URL, got '" + url + "'");
        }
        return uri;
    }

    private static Secret signingSecret(Settings settings, String hex) {
        String key = settings.prefix() + ".signing-secret";
        if (hex.length() != 64) {
            throw new SettingsException(key, "expected 64 hex characters (32 bytes), got " + hex.length() + " characters");
        }
        try {
            return Secret.ofHex(hex);
        } catch (IllegalArgumentException e) {
            throw new SettingsException(key, "expected 64 hex characters (32 bytes): " + e.getMessage());
        }
    }
}
