package dev.relaygate.plugins.github;

import java.io.StringReader;
import java.util.List;
import java.util.Optional;

import dev.relaygate.api.ChannelEvent;
import dev.relaygate.api.ChannelException;
import dev.relaygate.api.Delivery;
import dev.relaygate.api.Inbound;
import dev.relaygate.api.OutboundMessage;
import dev.relaygate.api.Rejection;
import dev.relaygate.api.WebhookRequest;
import dev.relaygate.api.WebhookResponse;
import dev.relaygate.api.spi.Channel;
import dev.relaygate.api.spi.Verifier;

import jakarta.json.Json;
import jakarta.json.JsonException;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;

/**
 * A GitHub webhook. The event type is {@code X-GitHub-Event}, the event id {@code X-GitHub-Delivery} (GitHub sends a
 * redelivery with the same id, so the inbox handles it once). The owner is the scope, the repository the conversation,
 * an issue or pull request number the thread. {@code ping} (sent when a hook is created) is answered and not stored.
 */
final class GithubChannel implements Channel {
    static final Rejection MISSING_EVENT = Rejection.badRequest("missing X-GitHub-Event");
    static final Rejection INVALID_JSON = Rejection.badRequest("invalid JSON");

    private final String name;
    private final String path;
    private final Verifier verifier;

    GithubChannel(String name, String path, Verifier verifier) {
        this.name = name;
        this.path = path;
        this.verifier = verifier;
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public Verifier verifier() {
        return verifier;
    }

    @Override
    public Inbound decode(WebhookRequest request) {
        Optional<String> type = request.visibleHeader("X-GitHub-Event");
        if (type.isEmpty()) {
            return MISSING_EVENT;
        }
        JsonObject body;
        try (JsonReader reader = Json.createReader(new StringReader(request.bodyText()))) {
            if (!(reader.readValue() instanceof JsonObject object)) {
                return INVALID_JSON;
            }
            body = object;
        } catch (JsonException e) {
            return INVALID_JSON;
        }
        if (type.get().equals("ping")) {
            return Inbound.answer(List.of(), WebhookResponse.json(200, "{\"ok\":true,\"pong\":true}"));
        }
        JsonObject repository = object(body, "repository");
        JsonObject sender = object(body, "sender");
        Optional<String> number = number(object(body, "issue")).or(() -> number(object(body, "pull_request")));
        String text = text(object(body, "comment"), "body").or(() -> text(object(body, "issue"), "title")).orElse("");
        String owner = text(object(repository, "owner"), "login").or(() -> text(object(body, "organization"), "login"))
                .orElse("");
        return Inbound.events(List.of(ChannelEvent.of(request.visibleHeader("X-GitHub-Delivery").orElse(""), name,
                                                      type.get(), "github", owner,
                                                      text(repository, "full_name").orElse(""), number,
                                                      text(sender, "login").orElse(""),
                                                      text(sender, "login").orElse(""), text, request.bodyText(),
                                                      request.receivedAt())));
    }

    @Override
    public Delivery send(OutboundMessage message) {
        throw new ChannelException("the github channel " + name + " cannot send messages", false);
    }

    private static JsonObject object(JsonObject parent, String key) {
        return parent.get(key) instanceof JsonObject object ? object : JsonValue.EMPTY_JSON_OBJECT;
    }

    private static Optional<String> text(JsonObject parent, String key) {
        return parent.get(key) instanceof JsonString value ? Optional.of(value.getString()) : Optional.empty();
    }

    private static Optional<String> number(JsonObject parent) {
        return parent.get("number") instanceof JsonNumber value ? Optional.of(value.toString()) : Optional.empty();
    }
}
