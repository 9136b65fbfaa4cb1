package dev.relaygate.plugins.slack;

import java.lang.System.Logger.Level;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.relaygate.api.ApprovalDecision;
import dev.relaygate.api.ApprovalDecision.Decision;
import dev.relaygate.api.ApprovalRequest;
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
import dev.relaygate.api.spi.StateStore;
import dev.relaygate.api.spi.Verifier;

import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonValue;

import static dev.relaygate.api.JsonBodies.object;
import static dev.relaygate.api.JsonBodies.text;

/**
 * Slack without a relay. JSON bodies are Events API envelopes: {@code url_verification} is answered with its
 * challenge (after the signature check, like everything), {@code event_callback} carries a message ({@code im}
 * channels are direct messages), an {@code app_mention} or another event, with {@code event_id} as the id so that
 * Slack's retries ({@code X-Slack-Retry-Num}, logged) are handled once. Form bodies are slash commands and
 * interactivity ({@code payload=}). The bot's own messages and edits are acknowledged and dropped. Every body that
 * does not parse is {@code 400 invalid body}.
 *
 * <p>Approvals: the Approve, Deny and Always buttons are posted in direct messages only, and each prompt is recorded
 * in the state store with its conversation and, when it answered someone, that person. A click becomes a typed
 * approval decision only if it comes from that conversation and person and the prompt is still pending; the record is
 * then taken, so one request gets one decision, and the prompt's buttons are replaced with the outcome. Any other
 * click is acknowledged and dropped.
 */
final class SlackChannel implements Channel {
    static final Rejection INVALID_BODY = Rejection.badRequest("invalid body");
    static final String REFUSAL = "Tool '%s' requires approval and cannot run in shared channels. Ask the user to "
            + "message me directly (DM) to use this tool.";
    private static final String APPROVAL_KEY = "approval:";

    private final String name;
    private final String path;
    private final Verifier verifier;
    private final SlackApi api;
    private final StateStore state;
    private final System.Logger logger;

    SlackChannel(String name, String path, Verifier verifier, SlackApi api, StateStore state, System.Logger logger) {
        this.name = name;
        this.path = path;
        this.verifier = verifier;
        this.api = api;
        this.state = state;
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
        JsonObject envelope = JsonBodies.object(request.body()).orElse(null);
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
                return envelope.get("event") instanceof JsonObject event ? callback(request, envelope, event) : INVALID_BODY;
            }
            default -> {
                return INVALID_BODY;
            }
        }
    }

    private Inbound callback(WebhookRequest request, JsonObject envelope, JsonObject event) {
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
        try {
            for (String pair : body.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    form.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                             URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        } catch (IllegalArgumentException e) {
            // A bad % escape (%zz, a lone %): the signature was right, the body is not a form.
            return INVALID_BODY;
        }
        if (form.containsKey("payload")) {
            return JsonBodies.object(form.get("payload")).map(payload -> interaction(request, payload)).orElse(INVALID_BODY);
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
        Optional<Decision> decision = switch (text(action, "action_id").orElse("")) {
            case "approve" -> Optional.of(Decision.APPROVE);
            case "always_tool" -> Optional.of(Decision.APPROVE_ALWAYS);
            case "deny" -> Optional.of(Decision.DENY);
            default -> Optional.empty();
        };
        JsonObject user = object(payload, "user");
        JsonObject container = object(payload, "container");
        String conversation = text(object(payload, "channel"), "id").or(() -> text(container, "channel_id")).orElse("");
        String userId = text(user, "id").orElse("");
        Optional<String> thread = text(container, "thread_ts");
        Optional<ApprovalDecision> approval = Optional.empty();
        if (decision.isPresent()) {
            String requestId = text(action, "value").orElse("");
            Optional<PendingApproval> prompt = decide(requestId, conversation, userId);
            if (prompt.isEmpty()) {
                return Inbound.events(List.of());
            }
            approval = Optional.of(new ApprovalDecision(requestId, decision.get()));
            thread = prompt.get().thread();
            showOutcome(prompt.get(), decision.get(), userId);
        }
        // Block actions carry an action_ts; every interactivity payload carries a trigger_id. Either identifies it, so
        // that a replay of the same signed payload is a duplicate.
        String id = text(action, "action_ts").or(() -> text(payload, "trigger_id")).orElse("");
        return Inbound.events(List.of(new ChannelEvent(id, name,
                                                       approval.isPresent() ? ChannelEvent.APPROVAL
                                                               : text(payload, "type").orElse("interaction"),
                                                       "slack", text(object(payload, "team"), "id").orElse(""),
                                                       conversation, thread, userId,
                                                       text(user, "username").orElse(userId),
                                                       "", request.bodyText(), request.receivedAt(), approval)));
    }

    /**
     * Takes the pending prompt a click answers, if this click may answer it. Checked before it is taken, so that a
     * click by someone else leaves it for the right person; taken atomically, so that of two clicks only one decides.
     */
    private Optional<PendingApproval> decide(String requestId, String conversation, String user) {
        String key = APPROVAL_KEY + requestId;
        Optional<PendingApproval> pending = state.get(key).flatMap(PendingApproval::parse);
        if (pending.isEmpty() || !pending.get().answerableBy(conversation, user)) {
            String why = pending.isEmpty() ? "no pending prompt (already decided, or never posted)"
                    : "not the prompted conversation or person";
            logger.log(Level.INFO, "Approval click for " + requestId + " by " + user + " in " + conversation
                    + " dropped: " + why);
            return Optional.empty();
        }
        Optional<String> taken = state.take(key);
        Optional<PendingApproval> prompt = taken.flatMap(PendingApproval::parse).filter(p -> p.answerableBy(conversation, user));
        if (prompt.isEmpty()) {
            // Decided by a concurrent click, or re-posted for someone else in between: what was taken goes back.
            taken.ifPresent(value -> state.put(key, value));
            logger.log(Level.INFO, "Approval click for " + requestId + " by " + user + " dropped: already decided");
        }
        return prompt;
    }

    /**
     * Replaces the prompt's buttons with the outcome, off the request thread: the decision is already made, a failure
     * only leaves the buttons visible (a further click finds no pending prompt).
     */
    private void showOutcome(PendingApproval prompt, Decision decision, String user) {
        if (prompt.ts().isEmpty()) {
            return;
        }
        String verdict = switch (decision) {
            case APPROVE -> "Approved";
            case APPROVE_ALWAYS -> "Always approved";
            case DENY -> "Denied";
        };
        String outcome = verdict + (user.isEmpty() ? "" : " by <@" + user + ">");
        JsonObject body = Json.createObjectBuilder()
                .add("channel", prompt.conversation())
                .add("ts", prompt.ts().get())
                .add("text", outcome)
                .add("blocks", Json.createArrayBuilder()
                        .add(section(prompt.prompt()))
                        .add(Json.createObjectBuilder().add("type", "context").add("elements", Json.createArrayBuilder()
                                .add(Json.createObjectBuilder().add("type", "mrkdwn").add("text", outcome)))))
                .build();
        Thread.ofVirtual().name("slack-approval-outcome").start(() -> {
            try {
                api.update(body);
            } catch (RuntimeException e) {
                logger.log(Level.WARNING, "Could not show the outcome of an approval in " + prompt.conversation() + ": "
                        + e.getMessage());
            }
        });
    }

    @Override
    public Delivery send(OutboundMessage message) {
        Optional<String> thread = message.thread().or(() -> message.inReplyTo().flatMap(SlackChannel::replyThread));
        JsonObjectBuilder body = Json.createObjectBuilder().add("channel", message.conversation()).add("text", message.text());
        thread.ifPresent(ts -> body.add("thread_ts", ts));
        Optional<String> prompt = Optional.empty();
        if (message.approval().isPresent()) {
            ApprovalRequest request = message.approval().get();
            boolean direct = message.inReplyTo().map(e -> ChannelEvent.DIRECT_MESSAGE.equals(e.type())
                    || ChannelEvent.APPROVAL.equals(e.type())).orElse(message.conversation().startsWith("D"));
            if (!direct) {
                throw new ChannelException(REFUSAL.formatted(request.tool()), false);
            }
            prompt = Optional.of("*" + request.tool() + "* wants to run"
                                         + (request.description().isEmpty() ? "" : ": " + request.description()));
            body.add("text", "Approval needed: " + request.tool()).add("blocks", buttons(request, prompt.get()));
        }
        JsonObject answer = api.postMessage(message.conversation(), body.build());
        Optional<String> ts = text(answer, "ts");
        // Recorded once Slack answered, with the ts to update. A click faster than that answer finds no record and is
        // dropped; the buttons stay, so the person can click again.
        prompt.ifPresent(text -> state.put(APPROVAL_KEY + message.approval().get().requestId(), new PendingApproval(
                message.conversation(), thread, ts,
                message.inReplyTo().map(ChannelEvent::senderId).filter(id -> !id.isEmpty()), text).toJson()));
        return new Delivery(message.conversation(), thread, ts);
    }

    /**
     * In channels and mentions a reply goes into the thread (the thread, else under the message itself); in a direct
     * message only when the user wrote in a thread.
     */
    private static Optional<String> replyThread(ChannelEvent event) {
        if (ChannelEvent.DIRECT_MESSAGE.equals(event.type()) || ChannelEvent.APPROVAL.equals(event.type())) {
            return event.thread();
        }
        return event.thread().or(() -> JsonBodies.object(event.raw()).flatMap(envelope -> text(object(envelope, "event"), "ts")));
    }

    private static JsonArray buttons(ApprovalRequest request, String prompt) {
        var actions = Json.createArrayBuilder()
                .add(button("Approve", "approve", request.requestId(), "primary"))
                .add(button("Deny", "deny", request.requestId(), "danger"));
        if (request.allowAlways()) {
            actions.add(button("Always", "always_tool", request.requestId(), null));
        }
        return Json.createArrayBuilder()
                .add(section(prompt))
                .add(Json.createObjectBuilder().add("type", "actions").add("elements", actions))
                .build();
    }

    private static JsonObjectBuilder section(String mrkdwn) {
        return Json.createObjectBuilder().add("type", "section")
                .add("text", Json.createObjectBuilder().add("type", "mrkdwn").add("text", mrkdwn));
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
}
