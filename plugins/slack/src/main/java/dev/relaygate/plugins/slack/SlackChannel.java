package dev.relaygate.plugins.slack;

import java.io.StringReader;
import java.lang.System.Logger.Level;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.relaygate.api.ApprovalDecision;
import dev.relaygate.api.ApprovalRequest;
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
import jakarta.json.JsonArray;
import jakarta.json.JsonException;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonReader;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;

/**
 * Slack without a relay. JSON bodies are Events API envelopes: {@code url_verification} is answered with its
 * challenge (after the signature check, like everything), {@code event_callback} carries a message ({@code im}
 * channels are direct messages), an {@code app_mention} or another event, with {@code event_id} as the id so that
 * Slack's retries ({@code X-Slack-Retry-Num}, logged) are handled once. Form bodies are slash commands and
 * interactivity ({@code payload=}); the Approve, Deny and Always buttons this channel posts come back as block actions
 * and reach the handler as typed approval decisions. The bot's own messages and edits are acknowledged and dropped.
 */
final class SlackChannel implements Channel {
    static final Rejection INVALID_BODY = Rejection.badRequest("invalid body");
    static final String REFUSAL = "Tool '%s' requires approval and cannot run in shared channels. Ask the user to "
            + "message me directly (DM) to use this tool.";

    private final String name;
    private final String path;
    private final Verifier verifier;
    private final SlackApi api;
    private final System.Logger logger;

    SlackChannel(String name, String path, Verifier verifier, SlackApi api, System.Logger logger) {
        this.name = name;
        this.path = path;
        this.verifier = verifier;
        this.api = api;
        this.logger = logger;
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
        String body = request.bodyText();
        if (!body.startsWith("{")) {
            return form(request, body);
        }
        JsonObject envelope = json(body).orElse(null);
        if (envelope == null) {
            return INVALID_BODY;
        }
        switch (text(envelope, "type").orElse("")) {
            case "url_verification" -> {
                return Inbound.answer(List.of(), WebhookResponse.json(200, Json.createObjectBuilder()
                        .add("challenge", text(envelope, "challenge").orElse("")).build().toString()));
            }
            case "event_callback" -> {
                request.visibleHeader("X-Slack-Retry-Num").ifPresent(retry -> logger.log(
                        Level.INFO, "Slack retry " + retry + " (" + request.visibleHeader("X-Slack-Retry-Reason")
                                .orElse("no reason") + ") of " + text(envelope, "event_id").orElse("?")));
                return callback(request, envelope);
            }
            default -> {
                return INVALID_BODY;
            }
        }
    }

    private Inbound callback(WebhookRequest request, JsonObject envelope) {
        JsonObject event = object(envelope, "event");
        if (event.containsKey("bot_id") || event.containsKey("subtype")) {
            return Inbound.events(List.of());
        }
        String kind = text(event, "type").orElse("");
        String type = switch (kind) {
            case "message" -> "im".equals(text(event, "channel_type").orElse("")) ? ChannelEvent.DIRECT_MESSAGE
                    : ChannelEvent.MESSAGE;
            case "app_mention" -> ChannelEvent.MENTION;
            default -> kind;
        };
        String user = text(event, "user").orElse("");
        return Inbound.events(List.of(ChannelEvent.of(text(envelope, "event_id").orElse(""), name, type, "slack",
                                                      text(envelope, "team_id").orElse(""),
                                                      text(event, "channel").orElse(""), text(event, "thread_ts"), user,
                                                      user, text(event, "text").orElse(""), request.bodyText(),
                                                      request.receivedAt())));
    }

    /**
     * Slash commands and interactivity: decoded only now, after the signature was checked over the raw form bytes.
     */
    private Inbound form(WebhookRequest request, String body) {
        Map<String, String> form = new HashMap<>();
        for (String pair : body.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                form.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                         URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        if (form.containsKey("payload")) {
            return json(form.get("payload")).map(payload -> interaction(request, payload)).orElse(INVALID_BODY);
        }
        if (!form.containsKey("command")) {
            return INVALID_BODY;
        }
        String user = form.getOrDefault("user_id", "");
        return Inbound.events(List.of(ChannelEvent.of(form.getOrDefault("trigger_id", ""), name, "command", "slack",
                                                      form.getOrDefault("team_id", ""),
                                                      form.getOrDefault("channel_id", ""), Optional.empty(), user,
                                                      form.getOrDefault("user_name", user),
                                                      (form.get("command") + " " + form.getOrDefault("text", "")).strip(),
                                                      body, request.receivedAt())));
    }

    private Inbound interaction(WebhookRequest request, JsonObject payload) {
        JsonObject action = payload.get("actions") instanceof JsonArray actions && !actions.isEmpty()
                && actions.get(0) instanceof JsonObject first ? first : JsonValue.EMPTY_JSON_OBJECT;
        Optional<ApprovalDecision.Decision> decision = switch (text(action, "action_id").orElse("")) {
            case "approve" -> Optional.of(ApprovalDecision.Decision.APPROVE);
            case "always_tool" -> Optional.of(ApprovalDecision.Decision.APPROVE_ALWAYS);
            case "deny" -> Optional.of(ApprovalDecision.Decision.DENY);
            default -> Optional.empty();
        };
        JsonObject user = object(payload, "user");
        JsonObject container = object(payload, "container");
        String conversation = text(object(payload, "channel"), "id").or(() -> text(container, "channel_id")).orElse("");
        Optional<ApprovalDecision> approval = decision.flatMap(d -> text(action, "value").map(id -> new ApprovalDecision(id, d)));
        return Inbound.events(List.of(new ChannelEvent(text(action, "action_ts").orElse(""), name,
                                                       approval.isPresent() ? ChannelEvent.APPROVAL
                                                               : text(payload, "type").orElse("interaction"),
                                                       "slack", text(object(payload, "team"), "id").orElse(""),
                                                       conversation, text(container, "thread_ts"),
                                                       text(user, "id").orElse(""),
                                                       text(user, "username").or(() -> text(user, "id")).orElse(""),
                                                       "", request.bodyText(), request.receivedAt(), approval)));
    }

    @Override
    public Delivery send(OutboundMessage message) {
        Optional<String> thread = message.thread().or(() -> message.inReplyTo().flatMap(SlackChannel::replyThread));
        JsonObjectBuilder body = Json.createObjectBuilder().add("channel", message.conversation()).add("text", message.text());
        thread.ifPresent(ts -> body.add("thread_ts", ts));
        if (message.approval().isPresent()) {
            ApprovalRequest request = message.approval().get();
            boolean direct = message.inReplyTo().map(e -> ChannelEvent.DIRECT_MESSAGE.equals(e.type())
                    || ChannelEvent.APPROVAL.equals(e.type())).orElse(message.conversation().startsWith("D"));
            if (!direct) {
                throw new ChannelException(REFUSAL.formatted(request.tool()), false);
            }
            body.add("text", "Approval needed: " + request.tool()).add("blocks", buttons(request));
        }
        JsonObject answer = api.postMessage(message.conversation(), body.build());
        return new Delivery(message.conversation(), thread, text(answer, "ts"));
    }

    /**
     * In channels and mentions a reply goes into the thread (the thread, else under the message itself); in a direct
     * message only when the user wrote in a thread.
     */
    private static Optional<String> replyThread(ChannelEvent event) {
        if (ChannelEvent.DIRECT_MESSAGE.equals(event.type()) || ChannelEvent.APPROVAL.equals(event.type())) {
            return event.thread();
        }
        return event.thread().or(() -> json(event.raw()).flatMap(envelope -> text(object(envelope, "event"), "ts")));
    }

    private static JsonArray buttons(ApprovalRequest request) {
        var actions = Json.createArrayBuilder()
                .add(button("Approve", "approve", request.requestId(), "primary"))
                .add(button("Deny", "deny", request.requestId(), "danger"));
        if (request.allowAlways()) {
            actions.add(button("Always", "always_tool", request.requestId(), null));
        }
        String text = "*" + request.tool() + "* wants to run" + (request.description().isEmpty() ? "" : ": " + request.description());
        return Json.createArrayBuilder()
                .add(Json.createObjectBuilder().add("type", "section")
                             .add("text", Json.createObjectBuilder().add("type", "mrkdwn").add("text", text)))
                .add(Json.createObjectBuilder().add("type", "actions").add("elements", actions))
                .build();
    }

    private static JsonObject button(String label, String actionId, String value, String style) {
        JsonObjectBuilder button = Json.createObjectBuilder().add("type", "button")
                .add("text", Json.createObjectBuilder().add("type", "plain_text").add("text", label))
                .add("action_id", actionId).add("value", value);
        if (style != null) {
            button.add("style", style);
        }
        return button.build();
    }

    private static Optional<JsonObject> json(String text) {
        try (JsonReader reader = Json.createReader(new StringReader(text))) {
            return reader.readValue() instanceof JsonObject object ? Optional.of(object) : Optional.empty();
        } catch (JsonException e) {
            return Optional.empty();
        }
    }

    private static JsonObject object(JsonObject parent, String key) {
        return parent.get(key) instanceof JsonObject object ? object : JsonValue.EMPTY_JSON_OBJECT;
    }

    private static Optional<String> text(JsonObject parent, String key) {
        return parent.get(key) instanceof JsonString value ? Optional.of(value.getString()) : Optional.empty();
    }
}
