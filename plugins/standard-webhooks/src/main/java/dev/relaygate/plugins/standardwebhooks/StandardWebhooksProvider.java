package dev.relaygate.plugins.standardwebhooks;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import dev.relaygate.api.HmacSignature;
import dev.relaygate.api.ProviderClient;
import dev.relaygate.api.Secret;
import dev.relaygate.api.SettingsException;
import dev.relaygate.api.SignedRequestVerifier;
import dev.relaygate.api.TimestampWindow;
import dev.relaygate.api.spi.Channel;
import dev.relaygate.api.spi.ChannelContext;
import dev.relaygate.api.spi.ChannelProvider;
import dev.relaygate.api.spi.Settings;

/**
 * Provides channels of type {@code standard-webhooks} (standardwebhooks.com): {@code webhook-signature} is a
 * space-separated list of {@code v1,<base64>} over {@code <webhook-id>.<webhook-timestamp>.<body>}, entries of other
 * versions are skipped, any of the configured {@code whsec_} keys may verify (rotation), and the timestamp must be
 * within {@code tolerance} (5 minutes) either way. Replies are signed the same way with {@code reply-secret} and posted
 * to {@code reply-url}.
 */
public final class StandardWebhooksProvider implements ChannelProvider {
    /**
     * Required by {@link java.util.ServiceLoader}.
     */
    public StandardWebhooksProvider() {
    }

    @Override
    public String type() {
        return "standard-webhooks";
    }

    @Override
    public Channel create(ChannelContext context) {
        Settings settings = context.settings();
        // Every key is read before any fails, so that check-config names all bad keys of the channel at once.
        SettingsException.Collector problems = SettingsException.collector();
        Optional<String> path = problems.read(() -> settings.path("path", "/hooks/events"));
        Optional<List<Secret>> keys = problems.read(() -> keys(settings));
        Optional<Duration> tolerance = problems.read(() -> settings.duration("tolerance", Duration.ofMinutes(5)));
        Optional<Optional<ReplySender>> replies = problems.read(() -> replies(settings, context));
        problems.throwIfAny();
        List<Secret> active = keys.orElseThrow();
        SignedRequestVerifier verifier = SignedRequestVerifier.builder()
                .signatureHeader("webhook-signature")
                .signatureList(" ")
                .timestamp("webhook-timestamp", TimestampWindow.create(tolerance.orElseThrow(), context.clock()))
                .signature(HmacSignature.base64("v1,"))
                .payload((timestamp, request) -> new byte[][] {
                        (request.visibleHeader("webhook-id").orElse("") + "." + timestamp + ".")
                                .getBytes(StandardCharsets.UTF_8),
                        request.body()})
                .keys(() -> active)
                .build();
        if (replies.orElseThrow().isEmpty()) {
            context.logger().log(System.Logger.Level.WARNING, "No " + settings.prefix() + ".reply-url: replies on this channel "
                    + "are refused (422)");
        }
        return new StandardWebhooksChannel(context.name(), path.orElseThrow(), verifier, replies.orElseThrow());
    }

    /**
     * The reply sender: {@code reply-url} and {@code reply-secret} come together or not at all.
     */
    private static Optional<ReplySender> replies(Settings settings, ChannelContext context) {
        Optional<String> url = settings.text("reply-url").filter(text -> !text.isEmpty());
        Optional<String> secret = settings.text("reply-secret").filter(text -> !text.isEmpty());
        if (url.isEmpty() && secret.isEmpty()) {
            return Optional.empty();
        }
        if (url.isEmpty()) {
            throw new SettingsException(settings.prefix() + ".reply-url", "required when reply-secret is set");
        }
        SettingsException.Collector problems = SettingsException.collector();
        Optional<URI> target = problems.read(() -> settings.url("reply-url", ""));
        Optional<Secret> key = problems.read(() -> replySecret(settings));
        problems.throwIfAny();
        return Optional.of(new ReplySender(target.orElseThrow(), key.orElseThrow(), context.clock(),
                                           ProviderClient.builder("Reply URL").counters(context.counters())
                                                   .clock(context.clock())));
    }

    private static Secret replySecret(Settings settings) {
        String text = settings.text("reply-secret").filter(t -> !t.isEmpty()).orElseThrow(
                () -> new SettingsException(settings.prefix() + ".reply-secret", "required when reply-url is set: a whsec_ key"));
        try {
            return Secret.ofStandardWebhooks(text);
        } catch (IllegalArgumentException e) {
            throw new SettingsException(settings.prefix() + ".reply-secret", "expected a whsec_ key: " + e.getMessage());
        }
    }

    /**
     * The keys; every bad entry is named, not only the first.
     */
    private static List<Secret> keys(Settings settings) {
        List<String> texts = settings.list("secrets");
        if (texts.isEmpty()) {
            throw new SettingsException(settings.prefix() + ".secrets", "required: a list of whsec_ keys");
        }
        SettingsException.Collector problems = SettingsException.collector();
        List<Secret> keys = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            try {
                keys.add(Secret.ofStandardWebhooks(texts.get(i)));
            } catch (IllegalArgumentException e) {
                problems.add(settings.prefix() + ".secrets." + i, "expected a whsec_ key: " + e.getMessage());
            }
        }
        problems.throwIfAny();
        return List.copyOf(keys);
    }
}
