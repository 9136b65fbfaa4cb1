package dev.relaygate.plugins.discord;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

import dev.relaygate.api.Ed25519;
import dev.relaygate.api.Rejection;
import dev.relaygate.api.SettingsException;
import dev.relaygate.api.TimestampWindow;
import dev.relaygate.api.Verdict;
import dev.relaygate.api.spi.Channel;
import dev.relaygate.api.spi.ChannelContext;
import dev.relaygate.api.spi.ChannelProvider;
import dev.relaygate.api.spi.Settings;
import dev.relaygate.api.spi.Verifier;

/**
 * Provides channels of type {@code discord}: interactions signed with Ed25519 ({@code X-Signature-Ed25519} over
 * {@code X-Signature-Timestamp} followed by the body) under the application's public key. Discord probes endpoints
 * with bad signatures and expects 401 for every one of them, so every failure, a stale timestamp included, is
 * {@code 401 invalid request signature}.
 */
public final class DiscordProvider implements ChannelProvider {
    static final Rejection INVALID = Rejection.unauthorized("invalid request signature");

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
        Ed25519 key;
        try {
            key = Ed25519.publicKeyHex(settings.required("public-key"));
        } catch (IllegalArgumentException e) {
            throw new SettingsException(settings.prefix() + ".public-key", e.getMessage());
        }
        TimestampWindow window = TimestampWindow.create(settings.duration("tolerance", Duration.ofMinutes(5)), context.clock());
        Verifier verifier = request -> {
            Optional<String> signature = request.visibleHeader("X-Signature-Ed25519");
            Optional<String> timestamp = request.visibleHeader("X-Signature-Timestamp");
            if (signature.isEmpty() || timestamp.isEmpty() || window.check(timestamp.get()) != TimestampWindow.Freshness.FRESH) {
                return INVALID;
            }
            return key.verify(signature.get(), timestamp.get().getBytes(StandardCharsets.UTF_8), request.body())
                    ? Verdict.ACCEPTED : INVALID;
        };
        return new DiscordChannel(context.name(), settings.text("path").orElse("/discord/interactions"), verifier);
    }
}
