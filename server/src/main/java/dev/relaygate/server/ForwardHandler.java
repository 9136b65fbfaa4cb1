package dev.relaygate.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webclient.api.WebClient;

import dev.relaygate.api.Attempt;
import dev.relaygate.api.ChannelEvent;
import dev.relaygate.api.HandlerException;
import dev.relaygate.api.OutboundMessage;
import dev.relaygate.api.RetryAfter;
import dev.relaygate.api.Secret;
import dev.relaygate.api.StandardWebhooks;
import dev.relaygate.api.spi.EventHandler;
import dev.relaygate.api.spi.Replies;

import jakarta.json.Json;
import jakarta.json.JsonException;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;

/**
 * Posts each event to the agent's URL, signed the Standard Webhooks way: {@code webhook-id} (the delivery id, the
 * same on every try), {@code webhook-timestamp}, {@code webhook-signature: v1,<base64>} over
 * {@code <id>.<timestamp>.<body>}. A 2xx is done, and a {@code {"reply":{"text":…,"thread":…}}} answer is sent back
 * through the channel. 410 gives up at once; 429 and 503 honour {@code Retry-After}; everything else that fails is
 * retried on the dispatcher's schedule.
 */
final class ForwardHandler implements EventHandler {
    private static final int MAX_ERROR_BODY = 200;
    private static final int MAX_ANSWER = 1 << 20;

    private final URI url;
    private final Secret key;
    private final Clock clock;
    private final System.Logger logger;
    private final WebClient client;

    ForwardHandler(URI url, Secret key, Duration timeout, Clock clock, System.Logger logger) {
        this.url = url;
        this.key = key;
        this.clock = clock;
        this.logger = logger;
        this.client = WebClient.builder()
                .followRedirects(false)
                .connectTimeout(timeout)
                .readTimeout(timeout)
                .build();
    }

    @Override
    public void handle(ChannelEvent event, Attempt attempt, Replies replies) throws HandlerException {
        byte[] body = EventJson.of(event, attempt).toString().getBytes(StandardCharsets.UTF_8);
        var post = client.post().uri(url).header(HeaderValues.CONTENT_TYPE_JSON);
        StandardWebhooks.headers(key, attempt.deliveryId(), clock.instant().getEpochSecond(), body)
                .forEach((name, value) -> post.header(HeaderNames.create(name), value));
        String answer;
        try (HttpClientResponse response = post.submit(body)) {
            int status = response.status().code();
            answer = read(response);
            if (status < 200 || status >= 300) {
                throw failure(status, answer, response);
            }
        } catch (HandlerException e) {
            throw e;
        } catch (RuntimeException e) {
            // Connection refused, timeouts, a closed connection: the agent may or may not have seen it; the same
            // webhook-id on the next try lets it tell.
            throw HandlerException.retry("agent unreachable at " + url.getHost() + ":" + url.getPort() + ": " + rootCause(e));
        }
        // Outside the try: a channel that refuses the reply fails with its own error (and its own retryable flag), not
        // as an unreachable agent.
        reply(answer).ifPresent(reply -> replies.send(reply.apply(event)));
    }

    private HandlerException failure(int status, String answer, HttpClientResponse response) {
        // The agent's body may quote the event: it goes with the dead letter, not into the logs.
        String error = "agent answered HTTP " + status;
        HandlerException failure;
        if (status == 410) {
            failure = HandlerException.giveUp(error + " (410 Gone: not retried)");
        } else {
            Optional<Duration> retryAfter = status == 429 || status == 503
                    ? response.headers().first(HeaderNames.RETRY_AFTER).flatMap(v -> RetryAfter.parse(v, clock.instant()))
                    : Optional.empty();
            failure = retryAfter.map(pause -> HandlerException.retryAfter(error, pause))
                    .orElseGet(() -> HandlerException.retry(error));
        }
        return answer.isBlank() ? failure : failure.withDetail(abbreviate(answer));
    }

    /**
     * The answer's body, up to {@link #MAX_ANSWER} bytes: an agent cannot make the gateway buffer without bound.
     */
    private static String read(HttpClientResponse response) {
        if (!response.entity().hasEntity()) {
            return "";
        }
        try (InputStream in = response.entity().inputStream()) {
            return new String(in.readNBytes(MAX_ANSWER), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The reply an agent put in its 2xx answer, if any. A malformed one is logged and dropped: the agent has handled
     * the event, and sending it again would not mend the answer.
     */
    private Optional<Reply> reply(String answer) {
        if (answer.isBlank()) {
            return Optional.empty();
        }
        JsonValue value;
        try (JsonReader reader = Json.createReader(new StringReader(answer))) {
            value = reader.readValue();
        } catch (JsonException e) {
            return Optional.empty();
        }
        if (!(value instanceof JsonObject object) || !object.containsKey("reply") || object.isNull("reply")) {
            return Optional.empty();
        }
        if (object.get("reply") instanceof JsonObject reply && reply.get("text") instanceof JsonString text) {
            Optional<String> thread = reply.get("thread") instanceof JsonString t ? Optional.of(t.getString()) : Optional.empty();
            return Optional.of(new Reply(text.getString(), thread));
        }
        logger.log(Level.WARNING, "Ignored the agent's reply: expected {\"reply\":{\"text\":\"...\",\"thread\":\"...\"}}");
        return Optional.empty();
    }

    private static String abbreviate(String text) {
        String oneLine = text.strip().replaceAll("\\s+", " ");
        return oneLine.length() <= MAX_ERROR_BODY ? oneLine : oneLine.substring(0, MAX_ERROR_BODY) + "...";
    }

    private static String rootCause(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }

    private record Reply(String text, Optional<String> thread) {
        OutboundMessage apply(ChannelEvent event) {
            OutboundMessage message = OutboundMessage.reply(event, text);
            return thread.map(message::inThread).orElse(message);
        }
    }
}
