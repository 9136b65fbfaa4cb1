package dev.relaygate.plugins.discord;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import dev.relaygate.api.ProviderClient;
import dev.relaygate.api.ProviderClient.Answer;
import dev.relaygate.api.ProviderClient.Request;
import dev.relaygate.api.RetryAfter;
import dev.relaygate.api.Secret;

import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;

/**
 * Discord REST calls. A {@code 429} is waited out with its JSON {@code retry_after} (seconds, fractional); a route
 * whose {@code X-RateLimit-Remaining} reached 0 rests for {@code X-RateLimit-Reset-After} before its next call. Any
 * other failure fails with Discord's {@code message}, retryable only for a 5xx. Interaction webhooks need no
 * authorization (the interaction token in their path is the credential, and never shown); channel messages take
 * {@code Authorization: Bot <bot-token>}.
 */
final class DiscordApi {
    private static final String USER_AGENT = "DiscordBot (https://github.com/relaygate, 0.1)";

    private final URI base;
    private final Optional<Secret> botToken;
    private final ProviderClient client;

    DiscordApi(URI base, Optional<Secret> botToken, ProviderClient.Builder client) {
        this.base = base;
        this.botToken = botToken;
        this.client = client.rateLimit(DiscordApi::retryAfter).cooldown(DiscordApi::resetAfter).build();
    }

    boolean hasBotToken() {
        return botToken.isPresent();
    }

    /**
     * Calls an interaction webhook ({@code path} after {@code /webhooks/}); {@code route} names its rate-limit bucket.
     */
    JsonObject webhook(String call, String route, String method, String path, JsonObject body) {
        return call(Request.json(call, route, method, URI.create(base + "/webhooks/" + path), headers(), body));
    }

    /**
     * Posts a message to a channel (or thread) with the bot token.
     */
    JsonObject createMessage(String channel, JsonObject body) {
        Map<String, String> headers = headers();
        headers.put("Authorization", "Bot " + botToken.orElseThrow().text());
        return call(Request.json("create-message", "channel:" + channel, "POST",
                                 URI.create(base + "/channels/" + channel + "/messages"), headers, body));
    }

    void close() {
        client.close();
    }

    private JsonObject call(Request request) {
        return client.callForObject(request, "message");
    }

    private static Map<String, String> headers() {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("User-Agent", USER_AGENT);
        return headers;
    }

    /**
     * A 429's wait: the body's {@code retry_after} (fractional seconds), else {@code Retry-After}, else a second.
     */
    static Optional<Duration> retryAfter(Answer answer) {
        if (answer.status() != 429) {
            return Optional.empty();
        }
        Optional<Duration> body = answer.json().flatMap(json -> json.get("retry_after") instanceof JsonNumber n
                ? RetryAfter.seconds(n.bigDecimalValue()) : Optional.empty());
        return body.or(() -> answer.header("Retry-After").flatMap(RetryAfter::seconds))
                .or(() -> Optional.of(Duration.ofSeconds(1)));
    }

    /**
     * The rest a route needs after an answer that used its last request: {@code X-RateLimit-Reset-After}.
     */
    static Optional<Duration> resetAfter(Answer answer) {
        return answer.header("X-RateLimit-Remaining").filter("0"::equals)
                .flatMap(zero -> answer.header("X-RateLimit-Reset-After")).flatMap(RetryAfter::seconds);
    }
}
