package dev.relaygate.plugins.slackrelay;

import java.io.StringReader;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.json.spi.JsonProvider;
import jakarta.json.stream.JsonParser;

/**
 * The relay's {@code ChannelEvent} JSON (relay-protocol.md section 3.1), parsed with the original's serde rules:
 * unknown fields ignored; {@code event_type} required; an explicit {@code null} on a non-optional string, a wrong
 * type, a field given twice (also as canonical name plus alias) or a top level that is not an object is invalid.
 *
 * @param id            event id, {@code ""} when absent
 * @param eventType     the event type
 * @param provider      provider, {@code ""} when absent
 * @param providerScope team id ({@code provider_scope} or {@code team_id}), {@code ""} when absent
 * @param channelId     conversation id, {@code ""} when absent
 * @param senderId      user id, {@code ""} when absent
 * @param senderName    display name, if sent
 * @param content       text ({@code content} or {@code text}), if sent
 * @param threadId      thread ts ({@code thread_id} or {@code thread_ts}), if sent
 */
record RelayEvent(String id,
                  String eventType,
                  String provider,
                  String providerScope,
                  String channelId,
                  String senderId,
                  Optional<String> senderName,
                  Optional<String> content,
                  Optional<String> threadId) {
    private static final JsonProvider JSON = JsonProvider.provider();
    private static final Map<String, String> CANONICAL = Map.ofEntries(
            Map.entry("id", "id"),
            Map.entry("event_type", "event_type"),
            Map.entry("provider", "provider"),
            Map.entry("provider_scope", "provider_scope"),
            Map.entry("team_id", "provider_scope"),
            Map.entry("channel_id", "channel_id"),
            Map.entry("sender_id", "sender_id"),
            Map.entry("sender_name", "sender_name"),
            Map.entry("content", "content"),
            Map.entry("text", "content"),
            Map.entry("thread_id", "thread_id"),
            Map.entry("thread_ts", "thread_id"),
            Map.entry("raw", "raw"),
            Map.entry("timestamp", "timestamp"));

    /**
     * The display name: {@code sender_name} when sent (even empty), else the sender id.
     */
    String displayName() {
        return senderName.orElse(senderId);
    }

    /**
     * The text, {@code ""} when there is none.
     */
    String text() {
        return content.orElse("");
    }

    /**
     * Parses a body.
     *
     * @param body the verified body as text
     * @return the event, or empty when the body is not a valid relay event
     */
    static Optional<RelayEvent> parse(String body) {
        Map<String, JsonValue> fields = new HashMap<>();
        try (JsonParser parser = JSON.createParser(new StringReader(body))) {
            if (!parser.hasNext() || parser.next() != JsonParser.Event.START_OBJECT) {
                return Optional.empty();
            }
            for (JsonParser.Event event = parser.next(); event != JsonParser.Event.END_OBJECT; event = parser.next()) {
                String name = parser.getString();
                parser.next();
                JsonValue value = parser.getValue();
                String canonical = CANONICAL.get(name);
                if (canonical != null && fields.putIfAbsent(canonical, value) != null) {
                    return Optional.empty();
                }
            }
            if (parser.hasNext()) {
                return Optional.empty();
            }
            string(fields, "timestamp", true);
            return Optional.of(new RelayEvent(string(fields, "id", false).orElse(""),
                                              string(fields, "event_type", false).orElseThrow(Invalid::new),
                                              string(fields, "provider", false).orElse(""),
                                              string(fields, "provider_scope", false).orElse(""),
                                              string(fields, "channel_id", false).orElse(""),
                                              string(fields, "sender_id", false).orElse(""),
                                              string(fields, "sender_name", true),
                                              string(fields, "content", true),
                                              string(fields, "thread_id", true)));
        } catch (RuntimeException e) {
            // JsonException, the parser's state errors, Invalid, and Parsson's plain RuntimeException for nesting
            // deeper than it allows: whatever the bytes, the answer is 400 invalid JSON, never a 500.
            return Optional.empty();
        }
    }

    private static Optional<String> string(Map<String, JsonValue> fields, String name, boolean nullable) {
        JsonValue value = fields.get(name);
        if (value == null || nullable && value.getValueType() == JsonValue.ValueType.NULL) {
            return Optional.empty();
        }
        if (value instanceof JsonString string) {
            return Optional.of(string.getString());
        }
        throw new Invalid();
    }

    /** A field of the wrong type or an explicit null where none is allowed. */
    private static final class Invalid extends RuntimeException {
        Invalid() {
            super(null, null, false, false);
        }
    }
}
