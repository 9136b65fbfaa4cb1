package dev.relaygate.plugins.telegram;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import dev.relaygate.api.ChannelException;
import dev.relaygate.api.ProviderClient;
import dev.relaygate.api.ProviderClient.Answer;
import dev.relaygate.api.ProviderClient.Request;
import dev.relaygate.api.RetryAfter;
import dev.relaygate.api.Secret;

import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;

/**
 * Bot API calls: {@code POST {api-url}/bot{token}/{method}} with a JSON body. The token is in the URL path, so no
 * URL is ever part of a message (see {@link ProviderClient}). {@code 429} is waited out with
 * {@code parameters.retry_after}; any other {@code {"ok":false}} answer fails with Telegram's {@code description},
 * retryable only for a 5xx (403, a bot blocked or kicked, and 400 give up at once).
 */
final class TelegramApi {
    private final URI base;
    private final Optional<Secret> token;
    private final String channel;
    private final ProviderClient client;

    TelegramApi(URI base, Optional<Secret> token, String channel, ProviderClient.Builder client) {
        this.base = base;
        this.token = token;
        this.channel = channel;
        this.client = client.rateLimit(TelegramApi::retryAfter).build();
    }

    /**
     * Calls a method; returns its {@code result}.
     */
    JsonValue call(String method, JsonObject body) {
        Secret bot = token.orElseThrow(() -> new ChannelException(
                "the telegram channel " + channel + " cannot send: set relaygate.channels." + channel + ".bot-token", false));
        Request request = Request.json(method, method, "POST", URI.create(base + "/bot" + bot.text() + "/" + method),
                                       Map.of(), body);
        JsonObject json = client.callForObject(request, "description");
        if (!json.getBoolean("ok", false)) {
            throw new ChannelException("Telegram " + method + " answered without \"ok\":true", false);
        }
        return json.getOrDefault("result", JsonValue.TRUE);
    }

    void close() {
        client.close();
    }

    /**
     * Telegram's rate limit: 429 with {@code parameters.retry_after} in seconds.
     */
    static Optional<Duration> retryAfter(Answer answer) {
        if (answer.status() != 429) {
            return Optional.empty();
        }
        Optional<JsonNumber> given = answer.json().flatMap(json -> json.get("parameters") instanceof JsonObject p
                && p.get("retry_after") instanceof JsonNumber n ? Optional.of(n) : Optional.empty());
        // Missing, it still means "wait": a second, and the provider's next 429 says more. Negative: no wait.
        return Optional.of(given.map(n -> RetryAfter.seconds(n.bigDecimalValue()).orElse(Duration.ZERO))
                                   .orElse(Duration.ofSeconds(1)));
    }
}
