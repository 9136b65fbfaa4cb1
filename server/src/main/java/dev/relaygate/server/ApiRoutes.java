package dev.relaygate.server;

import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.http.sse.SseEvent;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.helidon.webserver.sse.SseSink;

import dev.relaygate.api.ApprovalRequest;
import dev.relaygate.api.ChannelException;
import dev.relaygate.api.Delivery;
import dev.relaygate.api.Health;
import dev.relaygate.api.JsonBodies;
import dev.relaygate.api.OutboundMessage;
import dev.relaygate.api.Secret;
import dev.relaygate.api.spi.Channel;

import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;

import dev.relaygate.server.store.Inbox;

/**
 * {@code /api/v1}: send messages and approval requests through a channel, list channels, list, replay and delete dead
 * letters. Every route needs {@code Authorization: Bearer <relaygate.api-token>} (compared in constant time); with no
 * token configured every call is refused. Answers are JSON; errors are {@code {"ok":false,"error":…}}.
 */
final class ApiRoutes {
    /** Dead letters per page, by default and at most. */
    static final int PAGE = 50;
    static final int MAX_PAGE = 500;
    private static final String BEARER = "Bearer ";
    private static final Duration KEEP_ALIVE = Duration.ofSeconds(15);

    private final Map<String, Channel> channels;
    private final List<ChannelReadiness> readiness;
    private final Inbox inbox;
    private final Optional<Secret> token;
    private final GatewayMetrics metrics;
    private final EventFeed feed;

    ApiRoutes(Map<String, Channel> channels, List<ChannelReadiness> readiness, Inbox inbox, Optional<Secret> token,
              GatewayMetrics metrics, EventFeed feed) {
        this.channels = channels;
        this.readiness = readiness;
        this.inbox = inbox;
        this.token = token;
        this.metrics = metrics;
        this.feed = feed;
    }

    void register(HttpRouting.Builder routing) {
        routing.get("/api/v1/channels", guarded(this::listChannels))
                .post("/api/v1/channels/{name}/messages", guarded(req -> send(req, this::message)))
                .post("/api/v1/channels/{name}/approvals", guarded(req -> send(req, this::approval)))
                .get("/api/v1/dead-letters", guarded(this::listDeadLetters))
                .post("/api/v1/dead-letters/replay", guarded(this::replayAll))
                .get("/api/v1/dead-letters/{id}", guarded(this::deadLetter))
                .post("/api/v1/dead-letters/{id}/replay", guarded(this::replay))
                .delete("/api/v1/dead-letters/{id}", guarded(this::delete))
                .get("/api/v1/events", guarded(this::recentEvents))
                .get("/api/v1/events/stream", this::stream)
                .get("/api/v1/stats", guarded(req -> new Answer(200, Json.createObjectBuilder(feed.stats())
                        .add("ok", true).build())));
    }

    private Answer recentEvents(ServerRequest req) {
        JsonArrayBuilder list = Json.createArrayBuilder();
        feed.recent().forEach(item -> list.add(item.json()));
        return ok(Json.createObjectBuilder().add("events", list));
    }

    /**
     * Server-sent events: the recent events, then each change of one as one {@code data:} line of JSON (subscribed
     * before the recent ones are read, so nothing falls between; a change already in them comes again with its
     * {@code seq}, which readers compare), a comment every 15 s to
     * keep the connection, and the end of the stream when the reader falls behind ({@link EventFeed#QUEUE} changes) so
     * that it reconnects and reloads {@code /api/v1/events}. At most {@link EventFeed#MAX_SUBSCRIBERS} at once.
     */
    private void stream(ServerRequest req, ServerResponse res) {
        if (!authorized(req)) {
            refuse(res);
            return;
        }
        Optional<EventFeed.Subscription> opened = feed.subscribe();
        if (opened.isEmpty()) {
            JsonErrors.send(res, 503, "too many live streams open (" + EventFeed.MAX_SUBSCRIBERS + ")");
            return;
        }
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        try (EventFeed.Subscription subscription = opened.get(); SseSink sink = res.sink(SseSink.TYPE)) {
            sink.emit(SseEvent.builder().comment("relaygate events").build());
            for (EventFeed.Item item : feed.recent()) {
                sink.emit(SseEvent.create(item.json().toString()));
            }
            while (!subscription.cut()) {
                Optional<EventFeed.Item> item = subscription.next(KEEP_ALIVE);
                if (item.isPresent()) {
                    sink.emit(SseEvent.create(item.get().json().toString()));
                } else if (!subscription.cut()) {
                    sink.emit(SseEvent.builder().comment("keep-alive").build());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (UncheckedIOException | IllegalStateException e) {
            // The browser went away.
        }
    }

    /**
     * Refuses everything else under {@code /api/v1} (register after the channels' own API routes).
     */
    void registerFallback(HttpRouting.Builder routing) {
        routing.any("/api/v1/*", guarded(req -> new Answer(404, JsonErrors.json("no such API route"))));
    }

    /**
     * Constant-time bearer check (the scheme name is case-insensitive, RFC 9110 11.1); with no token configured every
     * call is refused.
     */
    boolean authorized(ServerRequest req) {
        if (token.isEmpty()) {
            return false;
        }
        return req.headers().first(HeaderNames.AUTHORIZATION)
                .filter(h -> h.regionMatches(true, 0, BEARER, 0, BEARER.length()))
                .map(h -> token.get().matches(h.substring(BEARER.length()).strip().getBytes(StandardCharsets.UTF_8)))
                .orElse(false);
    }

    static void refuse(ServerResponse res) {
        res.header(HeaderNames.WWW_AUTHENTICATE, "Bearer");
        JsonErrors.send(res, 401, "unauthorized");
    }

    private Handler guarded(Function<ServerRequest, Answer> route) {
        return (req, res) -> {
            if (!authorized(req)) {
                refuse(res);
                return;
            }
            Answer answer = route.apply(req);
            res.status(Status.create(answer.status()));
            res.header(HeaderValues.CONTENT_TYPE_JSON);
            res.send(answer.body().toString());
        };
    }

    private Answer listChannels(ServerRequest req) {
        JsonArrayBuilder list = Json.createArrayBuilder();
        for (ChannelReadiness channel : readiness) {
            Health health = channel.current();
            JsonObjectBuilder item = Json.createObjectBuilder()
                    .add("name", channel.channelName())
                    .add("type", channel.channelType())
                    .add("path", channel.channelPath())
                    .add("ready", health.ready())
                    .add("reason", health.reason());
            // The detail (an upstream error) is for operators: here, behind the token, not in public readiness.
            health.detail().ifPresent(detail -> item.add("detail", detail));
            JsonObjectBuilder webhooks = Json.createObjectBuilder();
            metrics.webhookCounts(channel.channelName()).forEach(webhooks::add);
            list.add(item.add("webhooks", webhooks));
        }
        return ok(Json.createObjectBuilder().add("channels", list));
    }

    private Answer send(ServerRequest req, Function<JsonObject, OutboundMessage> build) {
        String name = req.path().pathParameters().get("name");
        Channel channel = channels.get(name);
        if (channel == null) {
            return new Answer(404, JsonErrors.json("no channel named '" + name + "'"));
        }
        OutboundMessage message;
        try {
            message = build.apply(body(req));
        } catch (BadRequest e) {
            return new Answer(400, JsonErrors.json(e.getMessage()));
        }
        try {
            Delivery delivery = channel.send(message);
            JsonObjectBuilder answer = Json.createObjectBuilder().add("ok", true).add("conversation", delivery.conversation());
            delivery.thread().ifPresent(t -> answer.add("thread", t));
            delivery.messageId().ifPresent(id -> answer.add("message_id", id));
            message.approval().ifPresent(a -> answer.add("request_id", a.requestId()));
            return new Answer(200, answer.build());
        } catch (ChannelException e) {
            // Retryable: the provider or relay failed (502). Not: the channel refuses this request as it is (422).
            String error = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            return new Answer(e.retryable() ? 502 : 422, Json.createObjectBuilder(JsonErrors.json(error))
                    .add("retryable", e.retryable()).build());
        }
    }

    private OutboundMessage message(JsonObject body) {
        OutboundMessage message = OutboundMessage.to(requiredText(body, "conversation"), requiredText(body, "text"));
        return optionalText(body, "thread").map(message::inThread).orElse(message);
    }

    private OutboundMessage approval(JsonObject body) {
        ApprovalRequest request = new ApprovalRequest(optionalText(body, "request_id").orElseGet(() -> UUID.randomUUID().toString()),
                                                      requiredText(body, "tool"),
                                                      optionalText(body, "description").orElse(""),
                                                      body.containsKey("parameters") ? body.get("parameters").toString() : "{}",
                                                      flag(body, "allow_always"));
        OutboundMessage message = OutboundMessage.to(requiredText(body, "conversation"), optionalText(body, "text").orElse(""))
                .asking(request);
        return optionalText(body, "thread").map(message::inThread).orElse(message);
    }

    /**
     * A page of dead letters, oldest first, without their raw bodies and with their texts cut short; {@code total}
     * counts them all, {@code next} is the {@code after} of the next page, present while there are more.
     */
    private Answer listDeadLetters(ServerRequest req) {
        int limit;
        try {
            limit = req.query().first("limit").map(Integer::parseInt).orElse(PAGE);
        } catch (NumberFormatException e) {
            limit = -1;
        }
        if (limit < 1 || limit > MAX_PAGE) {
            return new Answer(400, JsonErrors.json("'limit' must be a whole number from 1 to " + MAX_PAGE));
        }
        List<Inbox.DeadLetter> letters;
        try {
            letters = inbox.deadLetters(limit + 1, req.query().first("after").asOptional());
        } catch (NoSuchElementException e) {
            return new Answer(400, JsonErrors.json("'after' is not a delivery id this gateway knows"));
        }
        JsonArrayBuilder list = Json.createArrayBuilder();
        letters.stream().limit(limit)
                .forEach(letter -> list.add(deadLetter(letter, EventJson.summary(letter.event(), letter.entry().asAttempt()))));
        JsonObjectBuilder answer = Json.createObjectBuilder().add("dead_letters", list).add("total", inbox.deadLetterCount());
        if (letters.size() > limit) {
            answer.add("next", letters.get(limit - 1).entry().id());
        }
        return ok(answer);
    }

    private Answer deadLetter(ServerRequest req) {
        String id = req.path().pathParameters().get("id");
        return inbox.deadLetter(id)
                .map(letter -> ok(Json.createObjectBuilder()
                                          .add("dead_letter", deadLetter(letter, EventJson.of(letter.event(),
                                                                                              letter.entry().asAttempt())))))
                .orElseGet(() -> new Answer(404, JsonErrors.json("no dead letter '" + id + "'")));
    }

    private static JsonObjectBuilder deadLetter(Inbox.DeadLetter letter, JsonObject event) {
        return Json.createObjectBuilder()
                .add("id", letter.entry().id())
                .add("event", event)
                .add("attempts", letter.entry().attempt())
                .add("error", letter.error())
                .add("dead_at", letter.diedAt().toString());
    }

    private Answer replay(ServerRequest req) {
        String id = req.path().pathParameters().get("id");
        return switch (inbox.replay(id)) {
            case REPLAYED -> ok(Json.createObjectBuilder().add("replayed", 1));
            case NOT_FOUND -> new Answer(404, JsonErrors.json("no dead letter '" + id + "'"));
            case FULL -> new Answer(503, JsonErrors.json("event queue full"));
        };
    }

    private Answer replayAll(ServerRequest req) {
        int replayed = inbox.replayAll();
        return ok(Json.createObjectBuilder().add("replayed", replayed).add("remaining", inbox.deadLetterCount()));
    }

    private Answer delete(ServerRequest req) {
        String id = req.path().pathParameters().get("id");
        return inbox.delete(id) ? ok(Json.createObjectBuilder().add("deleted", 1))
                : new Answer(404, JsonErrors.json("no dead letter '" + id + "'"));
    }

    private static JsonObject body(ServerRequest req) {
        byte[] bytes = req.content().hasEntity() ? req.content().as(byte[].class) : new byte[0];
        return JsonBodies.object(bytes).orElseThrow(() -> new BadRequest("the body must be a JSON object"));
    }

    private static String requiredText(JsonObject body, String key) {
        return optionalText(body, key).orElseThrow(() -> new BadRequest("'" + key + "' is required (a non-empty string)"));
    }

    private static Optional<String> optionalText(JsonObject body, String key) {
        JsonValue value = body.get(key);
        if (value == null || value == JsonValue.NULL) {
            return Optional.empty();
        }
        if (value instanceof JsonString text) {
            return Optional.of(text.getString()).filter(s -> !s.isEmpty());
        }
        throw new BadRequest("'" + key + "' must be a string");
    }

    private static boolean flag(JsonObject body, String key) {
        JsonValue value = body.get(key);
        if (value == null || value == JsonValue.NULL || value == JsonValue.FALSE) {
            return false;
        }
        if (value == JsonValue.TRUE) {
            return true;
        }
        throw new BadRequest("'" + key + "' must be true or false");
    }

    private static Answer ok(JsonObjectBuilder body) {
        return new Answer(200, Json.createObjectBuilder().add("ok", true).addAll(body).build());
    }

    private record Answer(int status, JsonObject body) {
    }

    private static final class BadRequest extends RuntimeException {
        BadRequest(String message) {
            super(message, null, false, false);
        }
    }
}
