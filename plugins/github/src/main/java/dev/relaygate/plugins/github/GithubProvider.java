package dev.relaygate.plugins.github;

import java.net.URI;
import java.util.List;
import java.util.Optional;

import dev.relaygate.api.HmacSignature;
import dev.relaygate.api.ProviderClient;
import dev.relaygate.api.Secret;
import dev.relaygate.api.SettingsException;
import dev.relaygate.api.SignedRequestVerifier;
import dev.relaygate.api.spi.Channel;
import dev.relaygate.api.spi.ChannelContext;
import dev.relaygate.api.spi.ChannelProvider;
import dev.relaygate.api.spi.Settings;

/**
 * Provides channels of type {@code github}: repository and organization webhooks, verified with
 * {@code X-Hub-Signature-256: sha256=<hex>} over the raw body. GitHub signs nothing else (no timestamp, not the
 * delivery id), which is why the channel's event id is the body's SHA-256. With {@code token}, replies are issue and
 * pull request comments through the REST API at {@code api-url} (GitHub Enterprise Server: its API URL).
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
        Settings settings = context.settings();
        // Every key is read before any fails, so that check-config names all bad keys of the channel at once.
        SettingsException.Collector problems = SettingsException.collector();
        Optional<String> path = problems.read(() -> settings.path("path", "/github/events"));
        Optional<Secret> secret = problems.read(() -> settings.requiredSecret("secret"));
        Optional<Secret> token = problems.read(() -> settings.secret("token")).flatMap(t -> t);
        Optional<URI> api = problems.read(() -> settings.url("api-url", "https://api.github.com"));
        problems.throwIfAny();
        List<Secret> keys = List.of(secret.orElseThrow());
        SignedRequestVerifier verifier = SignedRequestVerifier.builder()
                .signatureHeader("X-Hub-Signature-256")
                .signature(HmacSignature.hex("sha256="))
                .payload((timestamp, request) -> new byte[][] {request.body()})
                .keys(() -> keys)
                .build();
        GithubApi client = new GithubApi(api.orElseThrow(), token, context.name(), context.clock(),
                                         ProviderClient.builder("GitHub").counters(context.counters()).clock(context.clock()));
        return new GithubChannel(context.name(), path.orElseThrow(), verifier, client, context.state());
    }
}
