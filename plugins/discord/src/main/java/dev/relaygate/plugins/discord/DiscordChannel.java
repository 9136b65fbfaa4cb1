package dev.relaygate.plugins.discord;

import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.relaygate.api.ChannelEvent;
import dev.relaygate.api.ChannelException;
import dev.relaygate.api.Delivery;
import dev.relaygate.api.Inbound;
import dev.relaygate.api.JsonBodies;
import dev.relaygate.api.OutboundMessage;
import dev.relaygate.api.Rejection;
import dev.relaygate.api.WebhookRequest;
import dev.relaygate.api.WebhookResponse;
import dev.relaygate.api.spi.Channel;
import dev.relaygate.api.spi.Verifier;

import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;

/**
 * Discord interactions. PING (type 1) is answered with PONG and not stored. Everything else is stored with the
 * interaction {@code id} as the event id and answered at once with a deferred response (Discord allows 3 seconds),
 * so the agent can follow up in its own time: type 5 for commands and modals, type 6 for components. A body that is
 * not exactly one JSON object with a whole-number {@code type} is {@code 400 invalid JSON}.
 */
final class DiscordChannel implements Channel {
    static final Rejection INVALID_JSON = Rejection.badRequest("invalid JSON");
    private static final WebhookResponse PONG = WebhookResponse.json(200, "{\"type\":1}");
    private static final WebhookResponse DEFERRED = WebhookResponse.json(200, "{\"type\":5}");
    private static final WebhookResponse DEFERRED_UPDATE = WebhookResponse.json(200, "{\"type\":6}");
    private static final Map<Long, String> TYPES = Map.of(2L, "command", 3L, "component", 4L, "autocomplete", 5L, "modal");

    private final String name;
    private final String path;
    private final Verifier verifier;

    DiscordChannel(String name, String path, Verifier verifier) {
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
        Optional<Long> kind = parsed.flatMap(object -> integer(object.get("type")));
        if (kind.isEmpty()) {
            return INVALID_JSON;
        }
        if (kind.get() == 1) {
            return Inbound.answer(List.of(), PONG);
        }
        JsonObject interaction = parsed.get();
        String type = TYPES.getOrDefault(kind.get(), "interaction");
        JsonObject user = object(object(interaction, "member"), "user");
        if (user.isEmpty()) {
            user = object(interaction, "user");
        }
        String sender = text(user, "id").orElse("");
        ChannelEvent event = ChannelEvent.of(text(interaction, "id").orElse(""), name, type, "discord",
                                             text(interaction, "guild_id").orElse(""),
                                             text(interaction, "channel_id").orElse(""), Optional.empty(), sender,
                                             text(user, "username").orElse(sender),
                                             text(object(interaction, "data"), "name").orElse(""), request.bodyText(),
                                             request.receivedAt());
        return Inbound.answer(List.of(event), kind.get() == 3 ? DEFERRED_UPDATE : DEFERRED);
    }

    @Override
    public Delivery send(OutboundMessage message) {
        throw new ChannelException("the discord channel " + name + " cannot send messages yet", false);
    }

    private static JsonObject object(JsonObject parent, String key) {
        return parent.get(key) instanceof JsonObject object ? object : JsonValue.EMPTY_JSON_OBJECT;
    }

    // A whole number that fits a long, judged on the parsed decimal's scale and digits: 1e999999999 is never expanded,
    // and 4294967297 is not PING (intValue() would wrap it to 1).
    private static Optional<Long> integer(JsonValue value) {
        if (value instanceof JsonNumber number && number.isIntegral()) {
            BigInteger digits = number.bigDecimalValue().unscaledValue();
            return digits.bitLength() < Long.SIZE ? Optional.of(digits.longValue()) : Optional.empty();
        }
        return Optional.empty();
    }

    private static Optional<String> text(JsonObject parent, String key) {
        return parent.get(key) instanceof JsonString value ? Optional.of(value.getString()) : Optional.empty();
    }
}
