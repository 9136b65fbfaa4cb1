package dev.relaygate.plugins.github;

import java.util.List;

import dev.relaygate.api.HmacSignature;
import dev.relaygate.api.Secret;
import dev.relaygate.api.SettingsException;
import dev.relaygate.api.SignedRequestVerifier;
import dev.relaygate.api.spi.Channel;
import dev.relaygate.api.spi.ChannelContext;
import dev.relaygate.api.spi.ChannelProvider;

/**
 * Provides channels of type {@code github}: repository and organization webhooks, verified with
 * {@code X-Hub-Signature-256: sha256=<hex>} over the raw body.
 */
public final class GithubProvider implements ChannelProvider {
    /**
     * Required by {@link java.util.ServiceLoader}.
     */
    public GithubProvider() {
    }

    @Override
    public String type() {
        return "github";
    }

    @Override
    public Channel create(ChannelContext context) {
        String path = context.settings().text("path").orElse("/github/events");
        Secret secret = context.settings().secret("secret")
                .orElseThrow(() -> new SettingsException(context.settings().prefix() + ".secret", "required"));
        SignedRequestVerifier verifier = SignedRequestVerifier.builder()
                .signatureHeader("X-Hub-Signature-256")
                .signature(HmacSignature.hex("sha256="))
                .payload((timestamp, request) -> new byte[][] {request.body()})
                .keys(() -> List.of(secret))
                .build();
        return new GithubChannel(context.name(), path, verifier);
    }
}
