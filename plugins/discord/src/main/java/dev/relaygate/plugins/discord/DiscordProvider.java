package dev.relaygate.plugins.discord;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

import dev.relaygate.api.Ed25519;
import dev.relaygate.api.ProviderClient;
import dev.relaygate.api.Secret;
import dev.relaygate.api.SettingsException;
import dev.relaygate.api.TimestampWindow;
import dev.relaygate.api.spi.Channel;
import dev.relaygate.api.spi.ChannelContext;
import dev.relaygate.api.spi.ChannelProvider;
import dev.relaygate.api.spi.Settings;
import dev.relaygate.api.spi.Verifier;

/**
 * Provides channels of type {@code discord}: interactions signed with Ed25519 ({@code X-Signature-Ed25519} over
 * {@code X-Signature-Timestamp} followed by the body) under the application's public key. Discord probes endpoints
 * with bad signatures and expects 401 for every one of them, so every failure, a stale timestamp included, is
 * {@code 401 invalid request signature} ({@link DiscordVerifier}). Replies need {@code application-id} (interaction
 * follow-ups) and, outside an interaction's 15 minutes, {@code bot-token}.
 */
public final class DiscordProvider implements ChannelProvider {
    /**
     * Required by {@link java.util.ServiceLoader}.
     */
    public DiscordProvider() {
    }

    @Override
    public String type() {
        return "discord";
    }

    @Override
    public Channel create(ChannelContext context) {
        Settings settings = context.settings();
        // Every key is read before any fails, so that check-config names all bad keys of the channel at once.
        SettingsException.Collector problems = SettingsException.collector();
        Optional<String> path = problems.read(() -> settings.path("path", "/discord/interactions"));
        Optional<Ed25519> key = problems.read(() -> publicKey(settings));
        Optional<Duration> tolerance = problems.read(() -> settings.duration("tolerance", Duration.ofMinutes(5)));
        Optional<String> applicationId = problems.read(() -> applicationId(settings)).flatMap(id -> id);
        Optional<Secret> botToken = problems.read(() -> settings.secret("bot-token")).flatMap(token -> token);
        Optional<URI> api = problems.read(() -> settings.url("api-url", "https://discord.com/api/v10"));
        problems.throwIfAny();
        Verifier verifier = new DiscordVerifier(key.orElseThrow(), TimestampWindow.create(tolerance.orElseThrow(),
                                                                                          context.clock()));
        DiscordApi client = new DiscordApi(api.orElseThrow(), botToken, ProviderClient.builder("Discord")
                .counters(context.counters()).clock(context.clock()));
        return new DiscordChannel(context.name(), path.orElseThrow(), verifier, applicationId, client, context.state(),
                                  context.clock(), context.logger());
    }

    // A snowflake: it becomes part of a URL path.
    private static Optional<String> applicationId(Settings settings) {
        Optional<String> id = settings.text("application-id").filter(text -> !text.isEmpty());
        if (id.isPresent() && !id.get().matches("[0-9]{1,20}")) {
            throw new SettingsException(settings.prefix() + ".application-id", "expected a Discord application id (digits)");
        }
        return id;
    }

    private static Ed25519 publicKey(Settings settings) {
        String hex = settings.required("public-key");
        try {
            return Ed25519.publicKeyHex(hex);
        } catch (IllegalArgumentException e) {
            throw new SettingsException(settings.prefix() + ".public-key", e.getMessage());
        }
    }
}
