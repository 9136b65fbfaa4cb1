package dev.relaygate.plugins.slackrelay;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Pattern;

import dev.relaygate.api.Secret;
import dev.relaygate.api.SettingsException;
import dev.relaygate.api.spi.Settings;

/**
 * The validated settings of one slack-relay channel. Every problem is a {@link SettingsException} naming the key;
 * secrets are never echoed. All keys are read before anything is thrown, so one exception lists every bad key.
 *
 * @param path           the webhook path
 * @param callbackPath   the path of the OAuth callback
 * @param relayUrl       the relay's base URL without a trailing slash, if configured
 * @param apiKey         the bearer token for the relay, present exactly when the URL is
 * @param teamId         a workspace already connected, if configured
 * @param signingSecret  the 32-byte webhook key, if configured (otherwise fetched from the relay)
 * @param requestTimeout the per-request timeout of relay calls
 * @param tolerance      the timestamp window half-width
 * @param instanceId     the id sent to {@code GET /connections}
 */
record RelaySettings(String path,
                     String callbackPath,
                     Optional<URI> relayUrl,
                     Optional<Secret> apiKey,
                     Optional<String> teamId,
                     Optional<Secret> signingSecret,
                     Duration requestTimeout,
                     Duration tolerance,
                     String instanceId) {
    static final String DEFAULT_PATH = "/relay/events";
    static final String DEFAULT_CALLBACK_PATH = "/oauth/slack/callback";
    // relay-protocol.md 4.7: UUIDv5(DNS namespace, owner id "default"), what IronClaw sends when nothing is set.
    static final String DEFAULT_INSTANCE_ID = "916180a7-0b43-5c08-b3c8-c738826880bb";
    // relay-protocol.md 5.2: "T" followed by up to 20 ASCII letters or digits.
    static final Pattern TEAM_ID = Pattern.compile("T[A-Za-z0-9]{0,20}");
    private static final Pattern LOOPBACK_IPV4 = Pattern.compile("127(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}");

    static RelaySettings from(Settings settings) {
        // Each read is empty when its key had a problem; an inner Optional is the key's own "absent".
        SettingsException.Collector problems = SettingsException.collector();
        Optional<String> path = problems.read(() -> settings.path("path", DEFAULT_PATH));
        Optional<String> callbackPath = problems.read(() -> settings.path("callback-path", DEFAULT_CALLBACK_PATH));
        Optional<Optional<URI>> relayUrl = problems.read(() -> settings.text("relay-url").map(url -> relayUrl(settings, url)));
        Optional<Optional<Secret>> apiKey = problems.read(() -> settings.secret("api-key"));
        Optional<Optional<String>> teamId = problems.read(() -> teamId(settings));
        Optional<Optional<Secret>> signingSecret = problems.read(
                () -> settings.text("signing-secret").map(hex -> signingSecret(settings, hex)));
        Optional<Duration> requestTimeout = problems.read(() -> settings.duration("request-timeout", Duration.ofSeconds(30)));
        Optional<Duration> tolerance = problems.read(() -> settings.duration("tolerance", Duration.ofMinutes(5)));
        Optional<String> instanceId = problems.read(() -> settings.text("instance-id").orElse(DEFAULT_INSTANCE_ID));

        // Checks across keys only when each key involved could be read: a bad key is reported once, not again here.
        if (path.isPresent() && path.equals(callbackPath)) {
            problems.add(settings.prefix() + ".callback-path", "must differ from path, both are '" + path.get() + "'");
        }
        if (relayUrl.isPresent() && apiKey.isPresent()) {
            if (relayUrl.get().isPresent() && apiKey.get().isEmpty()) {
                problems.add(settings.prefix() + ".api-key", "required when relay-url is set");
            }
            if (relayUrl.get().isEmpty() && apiKey.get().isPresent()) {
                problems.add(settings.prefix() + ".relay-url", "required when api-key is set");
            }
            if (relayUrl.get().isEmpty() && apiKey.get().isEmpty() && signingSecret.isPresent()
                    && signingSecret.get().isEmpty()) {
                // Nothing could ever give this channel a secret: every webhook would be refused.
                problems.add(settings.prefix() + ".relay-url", "required unless signing-secret is set (env CHANNEL_RELAY_URL)");
            }
        }
        problems.throwIfAny();
        return new RelaySettings(path.orElseThrow(),
                                 callbackPath.orElseThrow(),
                                 relayUrl.orElseThrow(),
                                 apiKey.orElseThrow(),
                                 teamId.orElseThrow(),
                                 signingSecret.orElseThrow(),
                                 requestTimeout.orElseThrow(),
                                 tolerance.orElseThrow(),
                                 instanceId.orElseThrow());
    }

    private static Optional<String> teamId(Settings settings) {
        Optional<String> teamId = settings.text("team-id");
        if (teamId.isPresent() && !TEAM_ID.matcher(teamId.get()).matches()) {
            throw new SettingsException(settings.prefix() + ".team-id",
                                        "expected 'T' and up to 20 letters or digits, got '" + teamId.get() + "'");
        }
        return teamId;
    }

    private static URI relayUrl(Settings settings, String url) {
        URI uri;
        try {
            uri = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
        } catch (IllegalArgumentException e) {
            uri = null;
        }
        String key = settings.prefix() + ".relay-url";
        if (uri == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
            throw new SettingsException(key, "expected an http or https URL, got '" + url + "'");
        }
        if ("http".equals(uri.getScheme()) && !isLoopback(uri.getHost())) {
            // The API key travels in every request: in clear text only to this machine.
            throw new SettingsException(key, "must be https unless the host is loopback (localhost, 127.0.0.0/8, [::1])");
        }
        return uri;
    }

    /**
     * Whether a URL's host is this machine, decided from the text alone (no name is ever looked up).
     */
    static boolean isLoopback(String host) {
        if (host.equalsIgnoreCase("localhost") || LOOPBACK_IPV4.matcher(host).matches()) {
            return true;
        }
        try {
            // A bracketed host is an IPv6 literal: parsed, never resolved.
            return host.startsWith("[") && InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
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
