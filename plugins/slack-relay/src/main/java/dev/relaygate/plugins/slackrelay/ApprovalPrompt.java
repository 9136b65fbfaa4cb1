package dev.relaygate.plugins.slackrelay;

import java.io.StringWriter;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import dev.relaygate.api.ApprovalDecision;
import dev.relaygate.api.ApprovalDecision.Decision;
import dev.relaygate.api.ApprovalRequest;
import dev.relaygate.api.JsonBodies;

import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.json.JsonWriter;
import jakarta.json.spi.JsonProvider;
import jakarta.json.stream.JsonGenerator;

/**
 * The approval message of relay-protocol.md 8.2 (Block Kit with Approve and Deny buttons, plus Always when always-allow
 * is offered) and the answers of 8.3 (the reply words, or the {@code ExecApproval} JSON).
 */
final class ApprovalPrompt {
    static final String SHARED_CHANNEL_REFUSAL = "Tool '%s' requires approval and cannot run in shared channels. "
            + "Ask the user to message me directly (DM) to use this tool.";
    private static final JsonProvider JSON = JsonProvider.provider();
    private static final Set<String> APPROVE = Set.of("yes", "y", "approve", "ok", "/approve", "/yes", "/y");
    private static final Set<String> ALWAYS = Set.of("always", "a", "yes always", "approve always", "/always", "/a");
    private static final Set<String> DENY = Set.of("no", "n", "deny", "reject", "cancel", "/deny", "/no", "/n");

    private ApprovalPrompt() {
    }

    /**
     * The {@code chat.postMessage} arguments for an approval request.
     */
    static JsonObject message(String channel, Optional<String> thread, ApprovalRequest request, String token) {
        String value = JSON.createObjectBuilder().add("approval_token", token).build().toString();
        JsonArrayBuilder buttons = JSON.createArrayBuilder()
                .add(button("Approve", "primary", "approve_tool", value))
                .add(button("Deny", "danger", "deny_tool", value));
        if (request.allowAlways()) {
            buttons.add(JSON.createObjectBuilder()
                                .add("type", "button")
                                .add("text", plainText("Always"))
                                .add("action_id", "always_tool")
                                .add("value", value));
        }
        String section = "*Tool approval required*\n`" + request.tool() + "`: " + request.description() + "\n```\n"
                + pretty(request.parameters()) + "\n```";
        var message = JSON.createObjectBuilder()
                .add("channel", channel)
                .add("text", "Tool approval required: " + request.tool() + " - " + request.description())
                .add("blocks", JSON.createArrayBuilder()
                        .add(JSON.createObjectBuilder()
                                     .add("type", "section")
                                     .add("text", JSON.createObjectBuilder().add("type", "mrkdwn").add("text", section)))
                        .add(JSON.createObjectBuilder().add("type", "actions").add("elements", buttons)));
        thread.ifPresent(ts -> message.add("thread_ts", ts));
        return message.build();
    }

    /**
     * A reply word ({@code yes}, {@code always}, {@code no} and their synonyms), case-insensitive and trimmed.
     */
    static Optional<Decision> word(String text) {
        String word = text.strip().toLowerCase(Locale.ROOT);
        if (APPROVE.contains(word)) {
            return Optional.of(Decision.APPROVE);
        }
        if (ALWAYS.contains(word)) {
            return Optional.of(Decision.APPROVE_ALWAYS);
        }
        return DENY.contains(word) ? Optional.of(Decision.DENY) : Optional.empty();
    }

    /**
     * The structured form {@code {"ExecApproval":{"request_id":"…","approved":true,"always":false}}}.
     */
    static Optional<ApprovalDecision> structured(String text) {
        if (!text.strip().startsWith("{")) {
            return Optional.empty();
        }
        JsonObject outer = JsonBodies.object(text).orElse(JsonValue.EMPTY_JSON_OBJECT);
        if (outer.size() == 1
                && outer.get("ExecApproval") instanceof JsonObject inner
                && inner.get("request_id") instanceof JsonString id
                && isBoolean(inner.get("approved"))
                && (inner.get("always") == null || isBoolean(inner.get("always")))) {
            boolean approved = inner.get("approved") == JsonValue.TRUE;
            boolean always = inner.get("always") == JsonValue.TRUE;
            Decision decision = !approved ? Decision.DENY : always ? Decision.APPROVE_ALWAYS : Decision.APPROVE;
            return Optional.of(new ApprovalDecision(id.getString(), decision));
        }
        return Optional.empty();
    }

    private static boolean isBoolean(JsonValue value) {
        return value == JsonValue.TRUE || value == JsonValue.FALSE;
    }

    private static JsonObject button(String label, String style, String actionId, String value) {
        return JSON.createObjectBuilder()
                .add("type", "button")
                .add("text", plainText(label))
                .add("style", style)
                .add("action_id", actionId)
                .add("value", value)
                .build();
    }

    private static JsonObject plainText(String text) {
        return JSON.createObjectBuilder().add("type", "plain_text").add("text", text).build();
    }

    // Parameters arrive as JSON text; show them pretty-printed, or as given when they are not JSON.
    private static String pretty(String parameters) {
        Optional<JsonValue> value = JsonBodies.value(parameters);
        if (value.isEmpty()) {
            return parameters;
        }
        StringWriter out = new StringWriter();
        try (JsonWriter writer = JSON.createWriterFactory(Map.of(JsonGenerator.PRETTY_PRINTING, true)).createWriter(out)) {
            writer.write(value.get());
        }
        return out.toString().strip();
    }
}
