package dev.relaygate.plugins.slack;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import dev.relaygate.api.HmacSignature;
import dev.relaygate.api.Secret;
import dev.relaygate.api.SettingsException;
import dev.relaygate.api.SignedRequestVerifier;
import dev.relaygate.api.TimestampWindow;
import dev.relaygate.api.spi.Channel;
import dev.relaygate.api.spi.ChannelContext;
import dev.relaygate.api.spi.ChannelProvider;
import dev.relaygate.api.spi.Settings;

/**
 * Provides channels of type {@code slack}: Slack's Events API, interactivity and slash commands without a relay.
 * {@code X-Slack-Signature: v0=<hex>} is HMAC-SHA256 over {@code v0:<X-Slack-Request-Timestamp>:<raw body>}, checked
 * over the bytes received before anything is decoded (form bodies included), with a two-sided window: Slack's rule is
 * five minutes either way, and unlike Bolt for Java a timestamp from the future is refused too.
 */
public final class SlackProvider implements ChannelProvider {
    /**
     * Required by {@link java.util.ServiceLoader}.
     */
    public SlackProvider() {
    }

    @Override
    public String type() {
        return "slack";
    }

    @Override
    public Channel create(ChannelContext context) {
        Settings settings = context.settings();
        // Every key is read before any fails, so that check-config names all bad keys of the channel at once.
        SettingsException.Collector problems = SettingsException.collector();
        Optional<String> path = problems.read(() -> settings.path("path", "/slack/events"));
        Optional<Secret> secret = problems.read(() -> settings.requiredSecret("signing-secret"));
        Optional<Duration> tolerance = problems.read(() -> settings.duration("tolerance", Duration.ofMinutes(5)));
        Optional<Secret> botToken = problems.read(() -> settings.secret("bot-token")).flatMap(token -> token);
        Optional<URI> api = problems.read(() -> settings.url("api-url", "https://slack.com/api"));
        problems.throwIfAny();
        List<Secret> keys = List.of(secret.orElseThrow());
        SignedRequestVerifier verifier = SignedRequestVerifier.builder()
                .signatureHeader("X-Slack-Signature")
                .timestamp("X-Slack-Request-Timestamp", TimestampWindow.create(tolerance.orElseThrow(), context.clock()))
                .signature(HmacSignature.hex("v0="))
                .payload((timestamp, request) -> new byte[][] {("v0:" + timestamp + ":").getBytes(StandardCharsets.UTF_8),
                        request.body()})
                .keys(() -> keys)
                .build();
        SlackApi client = new SlackApi(api.orElseThrow(), botToken, context.clock(), context.counters());
        return new SlackChannel(context.name(), path.orElseThrow(), verifier, client, context.state(), context.logger());
    }
}
