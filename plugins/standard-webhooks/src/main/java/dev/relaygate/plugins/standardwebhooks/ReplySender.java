package dev.relaygate.plugins.standardwebhooks;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import dev.relaygate.api.ChannelException;
import dev.relaygate.api.ProviderClient;
import dev.relaygate.api.ProviderClient.Answer;
import dev.relaygate.api.ProviderClient.Request;
import dev.relaygate.api.RetryAfter;
import dev.relaygate.api.Secret;
import dev.relaygate.api.StandardWebhooks;

import jakarta.json.JsonObject;

/**
 * Posts replies to the configured reply URL, signed the Standard Webhooks way with the reply secret (the same code as
 * the {@code forward} handler). A 429 or 5xx is tried again in place, after its {@code Retry-After} (a second when it
 * gives none), with the same {@code webhook-id}, so the receiver can tell a repeat; other refusals give up.
 */
final class ReplySender {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final URI url;
    private final Secret secret;
    private final Clock clock;
    private final ProviderClient client;

    ReplySender(URI url, Secret secret, Clock clock, ProviderClient.Builder client) {
        this.url = url;
        this.secret = secret;
        this.clock = clock;
        this.client = client.rateLimit(answer -> retryAfter(answer, clock)).build();
    }

    /**
     * Sends one reply; returns its {@code webhook-id}.
     */
    String send(JsonObject reply) {
        byte[] body = reply.toString().getBytes(StandardCharsets.UTF_8);
        byte[] random = new byte[12];
        RANDOM.nextBytes(random);
        String id = "msg_" + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        Map<String, String> headers = new LinkedHashMap<>(StandardWebhooks.headers(secret, id, clock.instant().getEpochSecond(), body));
        headers.put("Content-Type", "application/json");
        Request request = new Request("reply", "reply", "POST", url, headers, body);
        Answer answer = client.call(request);
        if (!answer.ok()) {
            throw new ChannelException(client.failure(request, answer, Optional.empty()), false);
        }
        return id;
    }

    void close() {
        client.close();
    }

    static Optional<Duration> retryAfter(Answer answer, Clock clock) {
        if (answer.status() != 429 && answer.status() < 500) {
            return Optional.empty();
        }
        return answer.header("Retry-After").flatMap(v -> RetryAfter.parse(v, clock.instant()))
                .or(() -> Optional.of(Duration.ofSeconds(1)));
    }
}
