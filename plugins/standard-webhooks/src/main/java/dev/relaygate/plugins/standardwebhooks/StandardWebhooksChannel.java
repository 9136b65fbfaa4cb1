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

import jakarta.json.JsonObject;
import jakarta.json.JsonString;

/**
 * A Standard Webhooks endpoint. {@code webhook-id} is the event id (senders retry with the same id, so the inbox
 * handles it once); the JSON body's {@code type}, when there is one, is the event type. A body that is not exactly one
 * JSON object is {@code 400 invalid JSON}.
 */
final class StandardWebhooksChannel implements Channel {
    static final Rejection MISSING_ID = Rejection.badRequest("missing webhook-id");
    static final Rejection INVALID_JSON = Rejection.badRequest("invalid JSON");

    private final String name;
    private final String path;
    private final Verifier verifier;

    StandardWebhooksChannel(String name, String path, Verifier verifier) {
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
        Optional<String> id = request.visibleHeader("webhook-id");
        if (id.isEmpty()) {
            return MISSING_ID;
        }
        Optional<JsonObject> body = JsonBodies.object(request.body());
        if (body.isEmpty()) {
            return INVALID_JSON;
        }
        String type = body.get().get("type") instanceof JsonString value ? value.getString() : "webhook";
        return Inbound.events(List.of(ChannelEvent.of(id.get(), name, type, "standard-webhooks", "", "", Optional.empty(),
                                                      "", "", "", request.bodyText(), request.receivedAt())));
    }

    @Override
    public Delivery send(OutboundMessage message) {
        throw new ChannelException("the standard-webhooks channel " + name + " cannot send messages", false);
    }
}
