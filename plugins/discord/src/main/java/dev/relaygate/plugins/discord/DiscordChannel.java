package dev.relaygate.plugins.discord;

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
 * Discord interactions. PING (type 1) is answered with PONG and not stored. Everything else is stored with the
 * interaction {@code id} as the event id and answered at once with a deferred response (Discord allows 3 seconds),
 * so the agent can follow up in its own time: type 5 for commands and modals, type 6 for components.
 */
final class DiscordChannel implements Channel {
    static final Rejection INVALID_JSON = Rejection.badRequest("invalid JSON");
    private static final WebhookResponse PONG = WebhookResponse.json(200, "{\"type\":1}");
    private static final WebhookResponse DEFERRED = WebhookResponse.json(200, "{\"type\":5}");
    private static final WebhookResponse DEFERRED_UPDATE = WebhookResponse.json(200, "{\"type\":6}");

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
        JsonObject interaction;
        try (JsonReader reader = Json.createReader(new StringReader(request.bodyText()))) {
            if (!(reader.readValue() instanceof JsonObject object) || !(object.get("type") instanceof JsonNumber)) {
                return INVALID_JSON;
            }
            interaction = object;
        } catch (JsonException e) {
            return INVALID_JSON;
        }
        int kind = interaction.getJsonNumber("type").intValue();
        if (kind == 1) {
            return Inbound.answer(List.of(), PONG);
        }
        String type = switch (kind) {
            case 2 -> "command";
            case 3 -> "component";
            case 4 -> "autocomplete";
            case 5 -> "modal";
            default -> "interaction";
        };
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
        return Inbound.answer(List.of(event), kind == 3 ? DEFERRED_UPDATE : DEFERRED);
    }

    @Override
    public Delivery send(OutboundMessage message) {
        throw new ChannelException("the discord channel " + name + " cannot send messages yet", false);
    }

    private static JsonObject object(JsonObject parent, String key) {
        return parent.get(key) instanceof JsonObject object ? object : JsonValue.EMPTY_JSON_OBJECT;
    }

    private static Optional<String> text(JsonObject parent, String key) {
        return parent.get(key) instanceof JsonString value ? Optional.of(value.getString()) : Optional.empty();
    }
}
