package dev.relaygate.plugins.telegram;

import java.math.BigInteger;
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

import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;

/**
 * A Telegram bot's updates. {@code update_id} is the event id (Telegram retries an update until it gets a 2xx). A
 * {@code message} becomes a {@code direct_message} in a private chat and a {@code message} elsewhere, with the chat as
 * the conversation and a forum topic as the thread; other updates keep their kind as the type. A body that is not
 * exactly one JSON object with a whole-number {@code update_id} is {@code 400 invalid JSON}.
 */
final class TelegramChannel implements Channel {
    static final Rejection INVALID_JSON = Rejection.badRequest("invalid JSON");

    private final String name;
    private final String path;
    private final Verifier verifier;

    TelegramChannel(String name, String path, Verifier verifier) {
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
        Optional<JsonObject> parsed = JsonBodies.object(request.body());
        Optional<Long> updateId = parsed.flatMap(object -> integer(object.get("update_id")));
        if (updateId.isEmpty()) {
            return INVALID_JSON;
        }
        JsonObject update = parsed.get();
        String id = Long.toString(updateId.get());
        if (!(update.get("message") instanceof JsonObject message)) {
            String kind = update.keySet().stream().filter(key -> !key.equals("update_id")).findFirst().orElse("update");
            return Inbound.events(List.of(ChannelEvent.of(id, name, kind, "telegram", "", "", Optional.empty(), "", "", "",
                                                          request.bodyText(), request.receivedAt())));
        }
        JsonObject chat = object(message, "chat");
        JsonObject from = object(message, "from");
        String type = "private".equals(text(chat, "type").orElse("")) ? ChannelEvent.DIRECT_MESSAGE : ChannelEvent.MESSAGE;
        String sender = value(from, "id").orElse("");
        return Inbound.events(List.of(ChannelEvent.of(id, name, type, "telegram", "", value(chat, "id").orElse(""),
                                                      value(message, "message_thread_id"), sender,
                                                      text(from, "username").or(() -> text(from, "first_name")).orElse(sender),
                                                      text(message, "text").orElse(""), request.bodyText(),
                                                      request.receivedAt())));
    }

    @Override
    public Delivery send(OutboundMessage message) {
        throw new ChannelException("the telegram channel " + name + " cannot send messages yet", false);
    }

    private static JsonObject object(JsonObject parent, String key) {
        return parent.get(key) instanceof JsonObject object ? object : JsonValue.EMPTY_JSON_OBJECT;
    }

    private static Optional<String> text(JsonObject parent, String key) {
        return parent.get(key) instanceof JsonString value ? Optional.of(value.getString()) : Optional.empty();
    }

    // An id given as a number or a string; a number must be a whole number that fits a long.
    private static Optional<String> value(JsonObject parent, String key) {
        return parent.get(key) instanceof JsonNumber ? integer(parent.get(key)).map(String::valueOf) : text(parent, key);
    }

    // Judged on the parsed decimal's scale and digits, so that 1e999999999 is never expanded.
    private static Optional<Long> integer(JsonValue value) {
        if (value instanceof JsonNumber number && number.isIntegral()) {
            BigInteger digits = number.bigDecimalValue().unscaledValue();
            return digits.bitLength() < Long.SIZE ? Optional.of(digits.longValue()) : Optional.empty();
        }
        return Optional.empty();
    }
}
