package dev.relaygate.plugins.telegram;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

import dev.relaygate.api.Rejection;
import dev.relaygate.api.Secret;
import dev.relaygate.api.Verdict;
import dev.relaygate.api.WebhookRequest;
import dev.relaygate.api.spi.Verifier;

/**
 * Telegram's check: {@code X-Telegram-Bot-Api-Secret-Token} equals the configured {@code secret_token}, compared in
 * constant time (length included). It needs no body, so the precheck is the whole check and a request without the
 * right token is refused before its body is read.
 */
final class TelegramVerifier implements Verifier {
    static final Rejection MISSING_TOKEN = Rejection.unauthorized("missing secret token");
    static final Rejection INVALID_TOKEN = Rejection.unauthorized("invalid secret token");

    private final Secret token;

    TelegramVerifier(Secret token) {
        this.token = token;
    }

    @Override
    public Verdict verify(WebhookRequest request) {
        Optional<Rejection> rejection = precheck(request);
        return rejection.isPresent() ? rejection.get() : Verdict.ACCEPTED;
    }

    @Override
    public Optional<Rejection> precheck(WebhookRequest request) {
        Optional<String> presented = request.visibleHeader("X-Telegram-Bot-Api-Secret-Token");
        if (presented.isEmpty()) {
            return Optional.of(MISSING_TOKEN);
        }
        return token.matches(presented.get().getBytes(StandardCharsets.UTF_8)) ? Optional.empty() : Optional.of(INVALID_TOKEN);
    }
}
