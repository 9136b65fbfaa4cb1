package dev.relaygate.plugins.slack;

import java.io.StringReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webclient.api.WebClient;

import dev.relaygate.api.ChannelException;
import dev.relaygate.api.RetryAfter;
import dev.relaygate.api.Secret;

import jakarta.json.Json;
import jakarta.json.JsonException;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonString;

/**
 * {@code chat.postMessage} with the bot token on the Helidon WebClient: about one message per second per conversation
 * (Slack's rule), {@code 429} honoured with its {@code Retry-After} (up to {@link #MAX_RETRY_AFTER}, at most
 * {@link #ATTEMPTS} tries), and a {@code {"ok":false}} answer reported as {@code Slack API error: <error>}.
 */
final class SlackApi {
    static final int ATTEMPTS = 3;
    static final Duration MAX_RETRY_AFTER = Duration.ofSeconds(30);
    private static final Duration PER_CONVERSATION = Duration.ofSeconds(1);

    /** Waits; tests record instead of sleeping. */
    @FunctionalInterface
    interface Pause {
        void pause(Duration duration) throws InterruptedException;
    }

    private final URI base;
    private final Optional<Secret> token;
    private final Clock clock;
    private final WebClient client;
    private final Map<String, Instant> nextSlot = new HashMap<>();
    private Pause pause = Thread::sleep;

    SlackApi(URI base, Optional<Secret> token, Clock clock) {
        this.base = base;
        this.token = token;
        this.clock = clock;
        this.client = WebClient.builder().followRedirects(false).connectTimeout(Duration.ofSeconds(10))
                .readTimeout(Duration.ofSeconds(30)).build();
    }

    SlackApi pause(Pause pause) {
        this.pause = pause;
        return this;
    }

    /**
     * Posts a message; returns Slack's answer (its {@code ts} is the new message's id).
     */
    JsonObject postMessage(String conversation, JsonObject body) {
        Secret bot = token.orElseThrow(() -> new ChannelException("cannot send: bot-token is not set", false));
        waitForSlot(conversation);
        for (int attempt = 1; ; attempt++) {
            try (HttpClientResponse response = client.post()
                    .uri(URI.create(base + "/chat.postMessage"))
                    .header(HeaderNames.AUTHORIZATION, "Bearer " + bot.text())
                    .header(HeaderValues.CONTENT_TYPE_JSON)
                    .submit(body.toString().getBytes(StandardCharsets.UTF_8))) {
                int status = response.status().code();
                String text = response.entity().hasEntity() ? response.as(String.class) : "";
                if (status == 429) {
                    Duration wait = response.headers().first(HeaderNames.RETRY_AFTER)
                            .flatMap(v -> RetryAfter.parse(v, clock.instant())).orElse(PER_CONVERSATION);
                    if (attempt < ATTEMPTS && wait.compareTo(MAX_RETRY_AFTER) <= 0) {
                        sleep(wait);
                        continue;
                    }
                    throw new ChannelException("Slack rate limit: retry after " + wait.toSeconds() + " s", true);
                }
                if (status < 200 || status >= 300) {
                    throw new ChannelException("Slack answered HTTP " + status, status >= 500);
                }
                JsonObject answer = parse(text);
                if (!answer.getBoolean("ok", false)) {
                    String error = answer.get("error") instanceof JsonString e ? e.getString() : "unknown";
                    throw new ChannelException("Slack API error: " + error, error.equals("ratelimited"));
                }
                return answer;
            } catch (ChannelException e) {
                throw e;
            } catch (RuntimeException e) {
                // Not retried: Slack may have posted the message and lost only the answer.
                throw new ChannelException("cannot reach Slack: " + e.getClass().getSimpleName(), true, e);
            }
        }
    }

    private void waitForSlot(String conversation) {
        Duration wait;
        synchronized (nextSlot) {
            Instant now = clock.instant();
            Instant slot = nextSlot.getOrDefault(conversation, now);
            Instant start = slot.isAfter(now) ? slot : now;
            nextSlot.put(conversation, start.plus(PER_CONVERSATION));
            wait = Duration.between(now, start);
        }
        if (wait.isPositive()) {
            sleep(wait);
        }
    }

    private void sleep(Duration duration) {
        try {
            pause.pause(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChannelException("interrupted while waiting to post", true);
        }
    }

    private static JsonObject parse(String text) {
        try (JsonReader reader = Json.createReader(new StringReader(text))) {
            return reader.readObject();
        } catch (JsonException | IllegalStateException e) {
            throw new ChannelException("Slack answered something other than a JSON object", false);
        }
    }
}
