package dev.relaygate.server;

import java.util.Locale;

import dev.relaygate.api.ApprovalDecision;
import dev.relaygate.api.Attempt;
import dev.relaygate.api.ChannelEvent;
import dev.relaygate.api.JsonBodies;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonValue;

/**
 * The event as the {@code forward} handler posts it: schema {@value #SCHEMA}, documented in docs/agent.md. Fields are
 * only ever added within a schema version.
 */
final class EventJson {
    static final String SCHEMA = "relaygate.event.v1";

    private EventJson() {
    }

    static JsonObject of(ChannelEvent event, Attempt attempt) {
        return fields(event, attempt).add("raw", raw(event.raw())).build();
    }

    /**
     * The event without its raw body, for listings.
     */
    static JsonObject summary(ChannelEvent event, Attempt attempt) {
        return fields(event, attempt).build();
    }

    private static JsonObjectBuilder fields(ChannelEvent event, Attempt attempt) {
        JsonObjectBuilder json = Json.createObjectBuilder()
                .add("schema", SCHEMA)
                .add("id", attempt.deliveryId())
                .add("event_id", event.id().isEmpty() ? JsonValue.NULL : Json.createValue(event.id()))
                .add("channel", event.channel())
                .add("type", event.type())
                .add("provider", event.provider())
                .add("team", event.scope())
                .add("conversation", event.conversation())
                .add("thread", event.thread().<JsonValue>map(Json::createValue).orElse(JsonValue.NULL))
                .add("sender", Json.createObjectBuilder().add("id", event.senderId()).add("name", event.senderName()))
                .add("text", event.text())
                .add("received_at", event.receivedAt().toString())
                .add("attempt", attempt.number());
        event.approval().ifPresent(decision -> json.add("approval", approval(decision)));
        return json;
    }

    private static JsonObject approval(ApprovalDecision decision) {
        return Json.createObjectBuilder()
                .add("request_id", decision.requestId())
                .add("decision", decision.decision().name().toLowerCase(Locale.ROOT))
                .build();
    }

    /**
     * The provider's body as JSON when it is JSON, else as a string (form-encoded providers).
     */
    private static JsonValue raw(String raw) {
        return JsonBodies.value(raw).orElseGet(() -> Json.createValue(raw));
    }
}
