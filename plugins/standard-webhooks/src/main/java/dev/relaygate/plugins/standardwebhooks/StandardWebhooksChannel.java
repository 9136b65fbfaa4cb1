package dev.relaygate.plugins.standardwebhooks;

import java.util.List;
import java.util.Optional;

import dev.relaygate.api.ChannelEvent;
import dev.relaygate.api.ChannelException;
import dev.relaygate.api.Delivery;
import dev.relaygate.api.Inbound;
import dev.relaygate.api.JsonBodies;
import dev.relaygate.api.OutboundMessage;
import dev.relaygate.api.Rejection;
import dev.relaygate.api.WebhookRequest;
import dev.relaygate.api.spi.Channel;
import dev.relaygate.api.spi.Verifier;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonString;

/**
 * A Standard Webhooks endpoint. {@code webhook-id} is the event id (senders retry with the same id, so the inbox
 * handles it once); the JSON body's {@code type}, when there is one, is the event type, its {@code text} (or
 * {@code data.text}) the text and its {@code conversation} (or {@code data.conversation}) the conversation. A body
 * that is not exactly one JSON object is {@code 400 invalid JSON}.
 *
 * <p>Replies are signed {@code POST}s to {@code reply-url}: {@code {"type":"relaygate.reply","conversation",
 * "thread"?,"text","in_reply_to"?}}.
 */
final class StandardWebhooksChannel implements Channel {
    static final Rejection MISSING_ID = Rejection.badRequest("missing webhook-id");
    static final Rejection INVALID_JSON = Rejection.badRequest("invalid JSON");

    private final String name;
    private final String path;
    private final Verifier verifier;
    private final Optional<ReplySender> replies;

    StandardWebhooksChannel(String name, String path, Verifier verifier, Optional<ReplySender> replies) {
        this.name = name;
        this.path = path;
        this.verifier = verifier;
        this.replies = replies;
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
        Optional<String> id = request.visibleHeader("webhook-id");
        if (id.isEmpty()) {
            return MISSING_ID;
        }
        Optional<JsonObject> body = JsonBodies.object(request.body());
        if (body.isEmpty()) {
            return INVALID_JSON;
        }
        String type = body.get().get("type") instanceof JsonString value ? value.getString() : "webhook";
        JsonObject data = JsonBodies.object(body.get(), "data");
        return Inbound.events(List.of(ChannelEvent.of(id.get(), name, type, "standard-webhooks", "",
                                                      text(body.get(), data, "conversation"), Optional.empty(), "", "",
                                                      text(body.get(), data, "text"), request.bodyText(),
                                                      request.receivedAt())));
    }

    private static String text(JsonObject body, JsonObject data, String key) {
        return JsonBodies.text(body, key).or(() -> JsonBodies.text(data, key)).orElse("");
    }

    @Override
    public Delivery send(OutboundMessage message) {
        if (message.approval().isPresent()) {
            throw new ChannelException("a reply URL has no buttons: the standard-webhooks channel cannot ask for approvals",
                                       false);
        }
        ReplySender sender = replies.orElseThrow(() -> new ChannelException(
                "the standard-webhooks channel " + name + " has no reply URL: set relaygate.channels." + name
                        + ".reply-url and reply-secret", false));
        Optional<String> thread = message.thread().or(() -> message.inReplyTo().flatMap(ChannelEvent::thread));
        JsonObjectBuilder reply = Json.createObjectBuilder().add("type", "relaygate.reply")
                .add("conversation", message.conversation()).add("text", message.text());
        thread.ifPresent(t -> reply.add("thread", t));
        message.inReplyTo().ifPresent(event -> reply.add("in_reply_to", event.id()));
        return new Delivery(message.conversation(), thread, Optional.of(sender.send(reply.build())));
    }

    @Override
    public void close() {
        replies.ifPresent(ReplySender::close);
    }
}
