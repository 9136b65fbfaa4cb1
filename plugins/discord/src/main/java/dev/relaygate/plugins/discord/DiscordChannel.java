package dev.relaygate.plugins.discord;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.relaygate.api.ApprovalPrompts;
import dev.relaygate.api.ApprovalRequest;
import dev.relaygate.api.ChannelEvent;
import dev.relaygate.api.ChannelException;
import dev.relaygate.api.Delivery;
import dev.relaygate.api.Inbound;
import dev.relaygate.api.JsonBodies;
import dev.relaygate.api.OutboundMessage;
import dev.relaygate.api.ProviderClient;
import dev.relaygate.api.Rejection;
import dev.relaygate.api.WebhookRequest;
import dev.relaygate.api.WebhookResponse;
import dev.relaygate.api.spi.Channel;
import dev.relaygate.api.spi.StateStore;
import dev.relaygate.api.spi.Verifier;

import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;

import static dev.relaygate.api.JsonBodies.object;
import static dev.relaygate.api.JsonBodies.text;
import static dev.relaygate.api.JsonBodies.wholeNumber;

/**
 * Discord interactions. PING (type 1) is answered with PONG and not stored. Everything else is stored with the
 * interaction {@code id} as the event id and answered at once with a deferred response (Discord allows 3 seconds),
 * so the agent can follow up in its own time: type 5 for commands and modals, type 6 for components. A slash
 * command's text is {@code /name option:value ...}. A click on an approval prompt's button (see
 * {@link ApprovalPrompts}) is answered with {@code UPDATE_MESSAGE} (type 7), the outcome in place of the buttons, and
 * becomes an {@code approval} event once; a click that cannot decide gets an ephemeral note and no event. A body that
 * is not exactly one JSON object with a whole-number {@code type} is {@code 400 invalid JSON}.
 *
 * <p>Replies: to an interaction within its token's {@link #INTERACTION_TOKEN_LIFE 15 minutes}, the first reply to a
 * deferred command edits the original response ({@code PATCH /webhooks/{application}/{token}/messages/@original}) and
 * the others are follow-ups ({@code POST /webhooks/{application}/{token}}); otherwise, and for messages that answer
 * no interaction, {@code POST /channels/{channel}/messages} with the bot token. Texts over {@link #MAX_TEXT}
 * characters go as several messages, in order.
 */
final class DiscordChannel implements Channel {
    static final Rejection INVALID_JSON = Rejection.badRequest("invalid JSON");
    private static final int EPHEMERAL = 64;
    private static final WebhookResponse PONG = WebhookResponse.json(200, "{\"type\":1}");
    private static final WebhookResponse DEFERRED_RESPONSE = WebhookResponse.json(200, "{\"type\":5}");
    private static final WebhookResponse DEFERRED_UPDATE = WebhookResponse.json(200, "{\"type\":6}");
    private static final Map<Long, String> TYPES = Map.of(2L, "command", 3L, "component", 4L, "autocomplete", 5L, "modal");

    /** Discord's limit for one message's content. */
    static final int MAX_TEXT = 2000;
    /** How long an interaction token can send follow-ups. */
    static final Duration INTERACTION_TOKEN_LIFE = Duration.ofMinutes(15);
    private static final String DEFERRED = "deferred:";
    private static final String REFUSED_CLICK = "This approval was already decided or is not yours.";

    private final String name;
    private final String path;
    private final Verifier verifier;
    private final Optional<String> applicationId;
    private final DiscordApi api;
    private final ApprovalPrompts prompts;
    private final StateStore state;
    private final Clock clock;
    private final System.Logger logger;

    DiscordChannel(String name, String path, Verifier verifier, Optional<String> applicationId, DiscordApi api,
                   StateStore state, Clock clock, System.Logger logger) {
        this.name = name;
        this.path = path;
        this.verifier = verifier;
        this.applicationId = applicationId;
        this.api = api;
        this.prompts = new ApprovalPrompts(state);
        this.state = state;
        this.clock = clock;
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
        Optional<JsonObject> parsed = JsonBodies.object(request.body());
        Optional<Long> kind = parsed.flatMap(object -> wholeNumber(object.get("type")));
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
        String id = text(interaction, "id").orElse("");
        String conversation = text(interaction, "channel_id").orElse("");
        String sender = text(user, "id").orElse("");
        JsonObject data = object(interaction, "data");
        String customId = text(data, "custom_id").orElse("");
        if (kind.get() == 3 && ApprovalPrompts.isPromptButton(customId)) {
            return click(request, interaction, customId, conversation, sender, text(user, "username").orElse(sender));
        }
        String text = kind.get() == 2 ? command(data) : kind.get() == 3 ? customId : text(data, "name").orElse("");
        ChannelEvent event = ChannelEvent.of(id, name, type, "discord", text(interaction, "guild_id").orElse(""),
                                             conversation, Optional.empty(), sender, text(user, "username").orElse(sender),
                                             text, request.bodyText(), request.receivedAt());
        if (kind.get() == 3) {
            return Inbound.answer(List.of(event), DEFERRED_UPDATE);
        }
        // The deferred response is a placeholder ("thinking..."): the first reply replaces it.
        state.put(DEFERRED + id, "1");
        return Inbound.answer(List.of(event), DEFERRED_RESPONSE);
    }

    private Inbound click(WebhookRequest request, JsonObject interaction, String customId, String conversation,
                          String sender, String senderName) {
        Optional<ApprovalPrompts.Click> click = prompts.click(customId, conversation, sender);
        if (click.isEmpty()) {
            logger.log(Level.INFO, "Approval click by " + sender + " in " + conversation
                    + " dropped: already decided, never posted, or not this person's prompt");
            return Inbound.answer(List.of(), WebhookResponse.json(200, Json.createObjectBuilder().add("type", 4)
                    .add("data", Json.createObjectBuilder().add("content", REFUSED_CLICK).add("flags", EPHEMERAL))
                    .build().toString()));
        }
        String shown = click.get().prompt().text() + "\n" + click.get().outcome("<@" + sender + ">");
        ChannelEvent event = new ChannelEvent(text(interaction, "id").orElse(""), name, ChannelEvent.APPROVAL, "discord",
                                              text(interaction, "guild_id").orElse(""), conversation,
                                              click.get().prompt().thread(), sender, senderName, "", request.bodyText(),
                                              request.receivedAt(), Optional.of(click.get().decision()));
        return Inbound.answer(List.of(event), WebhookResponse.json(200, Json.createObjectBuilder().add("type", 7)
                .add("data", Json.createObjectBuilder().add("content", shown).add("components", Json.createArrayBuilder()))
                .build().toString()));
    }

    @Override
    public Delivery send(OutboundMessage message) {
        Optional<Interaction> interaction = message.inReplyTo().flatMap(this::interaction)
                .filter(i -> message.thread().isEmpty() && i.channel().equals(message.conversation()));
        String target = message.thread().orElse(message.conversation());
        List<JsonObject> bodies = new ArrayList<>();
        if (message.approval().isPresent()) {
            bodies.add(prompt(message, message.approval().get()));
        } else {
            if (message.text().isEmpty()) {
                throw new ChannelException("Discord cannot send an empty message", false);
            }
            message.textParts(MAX_TEXT).forEach(part -> bodies.add(Json.createObjectBuilder().add("content", part).build()));
        }
        if (interaction.isEmpty() && !api.hasBotToken()) {
            throw new ChannelException("the discord channel " + name + " cannot post to channel " + target
                    + " without a bot token: set relaygate.channels." + name + ".bot-token (replies to an interaction "
                    + "within 15 minutes need only application-id)", false);
        }
        Optional<String> first = ProviderClient.sendInOrder(bodies, body -> text(
                interaction.isPresent() ? reply(interaction.get(), body) : api.createMessage(target, body), "id"));
        return new Delivery(message.conversation(), message.thread(), first);
    }

    /**
     * The first reply to a deferred command replaces the placeholder; every other reply is a follow-up.
     */
    private JsonObject reply(Interaction interaction, JsonObject body) {
        String webhook = applicationId.orElseThrow() + "/" + interaction.token();
        String route = "interaction:" + interaction.id();
        if (state.take(DEFERRED + interaction.id()).isPresent()) {
            return api.webhook("edit-original", route, "PATCH", webhook + "/messages/@original", body);
        }
        return api.webhook("follow-up", route, "POST", webhook + "?wait=true", body);
    }

    private JsonObject prompt(OutboundMessage message, ApprovalRequest request) {
        String text = ApprovalPrompts.text(request);
        if (text.length() > MAX_TEXT) {
            text = text.substring(0, MAX_TEXT - 3) + "...";
        }
        List<ApprovalPrompts.Button> buttons = prompts.open(new ApprovalPrompts.Prompt(
                request.requestId(), message.conversation(), message.thread(),
                message.inReplyTo().map(ChannelEvent::senderId).filter(id -> !id.isEmpty()), text), request.allowAlways());
        JsonArrayBuilder row = Json.createArrayBuilder();
        for (ApprovalPrompts.Button button : buttons) {
            int style = switch (button.decision()) {
                case APPROVE -> 3;
                case DENY -> 4;
                case APPROVE_ALWAYS -> 1;
            };
            row.add(Json.createObjectBuilder().add("type", 2).add("style", style).add("label", button.label())
                            .add("custom_id", button.data()));
        }
        return Json.createObjectBuilder().add("content", text)
                .add("components", Json.createArrayBuilder().add(Json.createObjectBuilder().add("type", 1).add("components", row)))
                .build();
    }

    /**
     * The interaction an event is, while its token can still answer it (and when an application id is set).
     */
    private Optional<Interaction> interaction(ChannelEvent event) {
        if (!name.equals(event.channel()) || applicationId.isEmpty()
                || !clock.instant().isBefore(event.receivedAt().plus(INTERACTION_TOKEN_LIFE))) {
            return Optional.empty();
        }
        return JsonBodies.object(event.raw()).flatMap(raw -> text(raw, "token")
                .map(token -> new Interaction(event.id(), text(raw, "channel_id").orElse(""), token)));
    }

    /** An interaction's id, channel and token (a credential: never shown). */
    private record Interaction(String id, String channel, String token) {
        @Override
        public String toString() {
            return "Interaction[" + id + "]";
        }
    }

    /**
     * A slash command as typed: {@code /name} and its options, subcommands included, as {@code name:value}.
     */
    private static String command(JsonObject data) {
        StringBuilder text = new StringBuilder("/").append(text(data, "name").orElse(""));
        appendOptions(text, data, 0);
        return text.toString();
    }

    private static void appendOptions(StringBuilder text, JsonObject parent, int depth) {
        if (depth > 2 || !(parent.get("options") instanceof JsonArray options)) {
            return;
        }
        for (JsonValue value : options) {
            if (value instanceof JsonObject option) {
                String optionName = text(option, "name").orElse("");
                JsonValue given = option.get("value");
                if (given == null) {
                    text.append(' ').append(optionName);
                    appendOptions(text, option, depth + 1);
                } else {
                    text.append(' ').append(optionName).append(':')
                            .append(given instanceof JsonString s ? s.getString() : given.toString());
                }
            }
        }
    }

    @Override
    public void close() {
        api.close();
    }
}
