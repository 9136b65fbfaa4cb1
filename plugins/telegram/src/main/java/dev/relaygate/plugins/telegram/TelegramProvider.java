package dev.relaygate.plugins.telegram;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

import dev.relaygate.api.Rejection;
import dev.relaygate.api.Secret;
import dev.relaygate.api.SettingsException;
import dev.relaygate.api.Verdict;
import dev.relaygate.api.spi.Channel;
import dev.relaygate.api.spi.ChannelContext;
import dev.relaygate.api.spi.ChannelProvider;
import dev.relaygate.api.spi.Verifier;

/**
 * Provides channels of type {@code telegram}: Bot API updates pushed by {@code setWebhook}, which sends the
 * configured {@code secret_token} back in {@code X-Telegram-Bot-Api-Secret-Token}; it is compared in constant time
 * (length included).
 */
public final class TelegramProvider implements ChannelProvider {
    static final Rejection MISSING_TOKEN = Rejection.unauthorized("missing secret token");
    static final Rejection INVALID_TOKEN = Rejection.unauthorized("invalid secret token");

    /**
     * Required by {@link java.util.ServiceLoader}.
     */
    public TelegramProvider() {
    }

    @Override
    public String type() {
        return "telegram";
    }

    @Override
    public Channel create(ChannelContext context) {
        Secret token = context.settings().secret("secret-token")
                .orElseThrow(() -> new SettingsException(context.settings().prefix() + ".secret-token", "required"));
        Verifier verifier = request -> {
            Optional<String> presented = request.visibleHeader("X-Telegram-Bot-Api-Secret-Token");
            if (presented.isEmpty()) {
                return MISSING_TOKEN;
            }
            return token.matches(presented.get().getBytes(StandardCharsets.UTF_8)) ? Verdict.ACCEPTED : INVALID_TOKEN;
        };
        return new TelegramChannel(context.name(), context.settings().text("path").orElse("/telegram/updates"), verifier);
    }
}
