package dev.relaygate.plugins.telegram;

import java.net.URI;
import java.util.Optional;

import dev.relaygate.api.ApprovalPrompts;
import dev.relaygate.api.ProviderClient;
import dev.relaygate.api.Secret;
import dev.relaygate.api.SettingsException;
import dev.relaygate.api.spi.Channel;
import dev.relaygate.api.spi.ChannelContext;
import dev.relaygate.api.spi.ChannelProvider;
import dev.relaygate.api.spi.Settings;

/**
 * Provides channels of type {@code telegram}: Bot API updates pushed by {@code setWebhook}, which sends the
 * configured {@code secret_token} back in {@code X-Telegram-Bot-Api-Secret-Token}; it is compared in constant time
 * (length included), before the body is read ({@link TelegramVerifier}). With {@code bot-token}, replies and approval
 * prompts go out through the Bot API at {@code api-url}.
 */
public final class TelegramProvider implements ChannelProvider {
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
        Settings settings = context.settings();
        // Every key is read before any fails, so that check-config names all bad keys of the channel at once.
        SettingsException.Collector problems = SettingsException.collector();
        Optional<String> path = problems.read(() -> settings.path("path", "/telegram/updates"));
        Optional<Secret> token = problems.read(() -> settings.requiredSecret("secret-token"));
        Optional<Secret> botToken = problems.read(() -> settings.secret("bot-token")).flatMap(t -> t);
        Optional<URI> api = problems.read(() -> settings.url("api-url", "https://api.telegram.org"));
        problems.throwIfAny();
        TelegramApi client = new TelegramApi(api.orElseThrow(), botToken, context.name(), ProviderClient.builder("Telegram")
                .counters(context.counters()).clock(context.clock()));
        return new TelegramChannel(context.name(), path.orElseThrow(), new TelegramVerifier(token.orElseThrow()), client,
                                   new ApprovalPrompts(context.state()), context.logger());
    }
}
