package dev.relaygate.plugins.slack;

import java.io.IOException;
import java.io.UncheckedIOException;
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
import dev.relaygate.api.JsonBodies;
import dev.relaygate.api.RetryAfter;
import dev.relaygate.api.Secret;
import dev.relaygate.api.spi.Counters;

import jakarta.json.JsonObject;
import jakarta.json.JsonString;

/**
 * Slack Web API calls with the bot token on the Helidon WebClient: {@code chat.postMessage} at about one message per
 * second per conversation (Slack's rule) and {@code chat.update}; {@code 429} honoured with its {@code Retry-After}
 * (up to {@link #MAX_RETRY_AFTER}, at most {@link #ATTEMPTS} tries), and a {@code {"ok":false}} answer reported as
 * {@code Slack API error: <error>}. Answers are read up to {@link #MAX_ANSWER_BYTES}. Each call is counted as
 * {@code relaygate_sends_total{channel,call,status}}, like every channel's.
 */
final class SlackApi {
    static final int ATTEMPTS = 3;
    static final Duration MAX_RETRY_AFTER = Duration.ofSeconds(30);
    /** Slack's answers are a few KiB; a longer one is refused, not buffered. */
    static final int MAX_ANSWER_BYTES = 1 << 20;
    /** Conversations whose next slot is remembered; past slots are forgotten first. */
    static final int MAX_PACED = 4096;
    private static final int MAX_ERROR_CHARS = 64;
    private static final Duration PER_CONVERSATION = Duration.ofSeconds(1);

    /** Waits; tests record instead of sleeping. */
    @FunctionalInterface
    interface Pause {
        void pause(Duration duration) throws InterruptedException;
    }

    // Package-private for tests, which check that it stays bounded; guarded by itself.
    final Map<String, Instant> nextSlot = new HashMap<>();
    private final URI base;
    private final Optional<Secret> token;
    private final Clock clock;
    private final Counters counters;
    private final WebClient client;
    private Pause pause = Thread::sleep;

    SlackApi(URI base, Optional<Secret> token, Clock clock, Counters counters) {
        this.base = base;
        this.token = token;
        this.clock = clock;
        this.counters = counters;
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
        Secret bot = bot();
        waitForSlot(conversation);
        return call("chat.postMessage", bot, body);
    }

    /**
     * Replaces a message ({@code channel} and {@code ts} in the body). Not paced: Slack limits it per app, not per
     * conversation.
     */
    JsonObject update(JsonObject body) {
        return call("chat.update", bot(), body);
    }

    private Secret bot() {
        return token.orElseThrow(() -> new ChannelException("cannot send: bot-token is not set", false));
    }

    private JsonObject call(String method, Secret bot, JsonObject body) {
        for (int attempt = 1; ; attempt++) {
            try (HttpClientResponse response = client.post()
                    .uri(URI.create(base + "/" + method))
                    .header(HeaderNames.AUTHORIZATION, "Bearer " + bot.text())
                    .header(HeaderValues.CONTENT_TYPE_JSON)
                    .submit(body.toString().getBytes(StandardCharsets.UTF_8))) {
                int status = response.status().code();
                counters.increment("sends", "call", method, "status", Integer.toString(status));
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
                JsonObject answer = JsonBodies.object(read(response)).orElseThrow(
                        () -> new ChannelException("Slack answered something other than a JSON object", false));
                if (!answer.getBoolean("ok", false)) {
                    String error = answer.get("error") instanceof JsonString e ? brief(e.getString()) : "unknown";
                    throw new ChannelException("Slack API error: " + error, error.equals("ratelimited"));
                }
                return answer;
            } catch (ChannelException e) {
                throw e;
            } catch (RuntimeException e) {
                counters.increment("sends", "call", method, "status", "unreachable");
                // Not retried: Slack may have done it and lost only the answer.
                throw new ChannelException("cannot reach Slack: " + e.getClass().getSimpleName(), true, e);
            }
        }
    }

    /**
     * The answer's bytes, at most {@link #MAX_ANSWER_BYTES}; closing the response unread drops the connection.
     */
    private static byte[] read(HttpClientResponse response) {
        if (!response.entity().hasEntity()) {
            return new byte[0];
        }
        try {
            byte[] bytes = response.inputStream().readNBytes(MAX_ANSWER_BYTES + 1);
            if (bytes.length > MAX_ANSWER_BYTES) {
                throw new ChannelException("Slack answered more than " + MAX_ANSWER_BYTES + " bytes", false);
            }
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // Slack's error codes are short snake_case words; anything else is cut and kept printable for logs.
    private static String brief(String error) {
        String cut = error.length() > MAX_ERROR_CHARS ? error.substring(0, MAX_ERROR_CHARS) + "..." : error;
        return cut.replaceAll("[^\\x20-\\x7E]", "?");
    }

    void waitForSlot(String conversation) {
        Duration wait;
        synchronized (nextSlot) {
            Instant now = clock.instant();
            if (nextSlot.size() >= MAX_PACED) {
                // A slot in the past paces nothing.
                nextSlot.values().removeIf(slot -> !slot.isAfter(now));
            }
            Instant slot = nextSlot.getOrDefault(conversation, now);
            Instant start = slot.isAfter(now) ? slot : now;
            // When MAX_PACED conversations all have a slot to come, a new one goes unpaced: Slack's 429 still holds it.
            if (nextSlot.containsKey(conversation) || nextSlot.size() < MAX_PACED) {
                nextSlot.put(conversation, start.plus(PER_CONVERSATION));
            }
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
}
