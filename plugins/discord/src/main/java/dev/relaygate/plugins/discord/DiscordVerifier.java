package dev.relaygate.plugins.discord;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

import dev.relaygate.api.Ed25519;
import dev.relaygate.api.Rejection;
import dev.relaygate.api.TimestampWindow;
import dev.relaygate.api.Verdict;
import dev.relaygate.api.WebhookRequest;
import dev.relaygate.api.spi.Verifier;

/**
 * Discord's check: {@code X-Signature-Ed25519} over {@code X-Signature-Timestamp} followed by the body, under the
 * application's public key, with the timestamp inside the window. Every failure is {@code 401 invalid request
 * signature}. The precheck refuses what needs no body (a missing header, a timestamp outside the window) with that same
 * rejection, before the host reads the body.
 */
final class DiscordVerifier implements Verifier {
    static final Rejection INVALID = Rejection.unauthorized("invalid request signature");

    private final Ed25519 key;
    private final TimestampWindow window;

    DiscordVerifier(Ed25519 key, TimestampWindow window) {
        this.key = key;
        this.window = window;
    }

    @Override
    public Verdict verify(WebhookRequest request) {
        if (precheck(request).isPresent()) {
            return INVALID;
        }
        String signature = request.visibleHeader("X-Signature-Ed25519").orElseThrow();
        String timestamp = request.visibleHeader("X-Signature-Timestamp").orElseThrow();
        return key.verify(signature, timestamp.getBytes(StandardCharsets.UTF_8), request.body()) ? Verdict.ACCEPTED : INVALID;
    }

    @Override
    public Optional<Rejection> precheck(WebhookRequest request) {
        boolean fresh = request.visibleHeader("X-Signature-Ed25519").isPresent()
                && request.visibleHeader("X-Signature-Timestamp")
                        .map(timestamp -> window.check(timestamp) == TimestampWindow.Freshness.FRESH).orElse(false);
        return fresh ? Optional.empty() : Optional.of(INVALID);
    }
}
