package dev.relaygate.plugins.telegram;

import java.lang.System.Logger.Level;
import java.util.List;
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
import dev.relaygate.api.spi.Channel;
import dev.relaygate.api.spi.Verifier;

import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonValue;

import static dev.relaygate.api.JsonBodies.object;
import static dev.relaygate.api.JsonBodies.text;
import static dev.relaygate.api.JsonBodies.wholeNumber;

/**
 * A Telegram bot's updates and replies. {@code update_id} is the event id (Telegram retries an update until it gets a
 * 2xx). A {@code message} becomes a {@code direct_message} in a private chat and a {@code message} elsewhere, with the
 * chat as the conversation and a forum topic as the thread; a {@code callback_query} from an approval prompt's button
 * becomes an {@code approval} (see {@link ApprovalPrompts}); other updates keep their kind as the type. A body that
 * is not exactly one JSON object with a whole-number {@code update_id} is {@code 400 invalid JSON}.
 *
 * <p>Replies go to the chat with {@code sendMessage}: in the event's forum topic ({@code message_thread_id}), and in
 * groups as a reply to the message ({@code reply_parameters}). A text over {@link #MAX_TEXT} characters is sent as
 * several messages, in order; a failure after the first part is not retryable, so a retry never posts the first parts
 * twice.
 */
final class TelegramChannel implements Channel {
    static final Rejection INVALID_JSON = Rejection.badRequest("invalid JSON");
    /** Telegram's limit for one message, in UTF-16 code units. */
    static final int MAX_TEXT = 4096;

    private final String name;
    private final String path;
    private final Verifier verifier;
    private final TelegramApi api;
    private final ApprovalPrompts prompts;
    private final System.Logger logger;

    TelegramChannel(String name, String path, Verifier verifier, TelegramApi api, ApprovalPrompts prompts,
                    System.Logger logger) {
        this.name = name;
        this.path = path;
        this.verifier = verifier;
        this.api = api;
        this.prompts = prompts;
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
        Optional<Long> updateId = parsed.flatMap(object -> wholeNumber(object.get("update_id")));
        if (updateId.isEmpty()) {
            return INVALID_JSON;
        }
        JsonObject update = parsed.get();
        String id = Long.toString(updateId.get());
        if (update.get("callback_query") instanceof JsonObject query) {
            return callback(request, id, query);
        }
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
                                                      value(message, "message_thread_id"), sender, displayName(from, sender),
                                                      text(message, "text").orElse(""), request.bodyText(),
                                                      request.receivedAt())));
    }

    /**
     * A button press. A prompt's button decides once (then the buttons go and the press is answered with the outcome);
     * a press that cannot decide is answered and dropped; other buttons are events of type {@code callback_query}.
     */
    private Inbound callback(WebhookRequest request, String id, JsonObject query) {
        JsonObject message = object(query, "message");
        JsonObject from = object(query, "from");
        String chat = value(object(message, "chat"), "id").orElse("");
        String sender = value(from, "id").orElse("");
        String data = text(query, "data").orElse("");
        Optional<String> queryId = text(query, "id");
        if (!ApprovalPrompts.isPromptButton(data)) {
            return Inbound.events(List.of(ChannelEvent.of(id, name, "callback_query", "telegram", "", chat,
                                                          value(message, "message_thread_id"), sender,
                                                          displayName(from, sender), data, request.bodyText(),
                                                          request.receivedAt())));
        }
        Optional<ApprovalPrompts.Click> click = prompts.click(data, chat, sender);
        if (click.isEmpty()) {
            logger.log(Level.INFO, "Approval button pressed by " + sender + " in " + chat
                    + " dropped: already decided, never posted, or not this person's prompt");
            background(() -> queryId.ifPresent(q -> answerQuery(q, "This approval was already decided or is not yours.")));
            return Inbound.events(List.of());
        }
        String outcome = click.get().outcome(displayName(from, sender));
        Optional<Long> messageId = wholeNumber(message.get("message_id"));
        background(() -> {
            queryId.ifPresent(q -> answerQuery(q, outcome));
            messageId.ifPresent(m -> api.call("editMessageReplyMarkup", Json.createObjectBuilder()
                    .add("chat_id", chatId(chat)).add("message_id", m)
                    .add("reply_markup", Json.createObjectBuilder().add("inline_keyboard", Json.createArrayBuilder()))
                    .build()));
        });
        return Inbound.events(List.of(new ChannelEvent(id, name, ChannelEvent.APPROVAL, "telegram", "", chat,
                                                       click.get().prompt().thread(), sender, displayName(from, sender),
                                                       "", request.bodyText(), request.receivedAt(),
                                                       Optional.of(click.get().decision()))));
    }

    private void answerQuery(String queryId, String text) {
        api.call("answerCallbackQuery", Json.createObjectBuilder().add("callback_query_id", queryId).add("text", text).build());
    }

    /**
     * Off the webhook's thread: the decision is made, Telegram's answer to a press is cosmetic, and a failure only
     * leaves the buttons visible (a further press finds no pending prompt).
     */
    private void background(Runnable call) {
        Thread.ofVirtual().name("telegram-callback-answer").start(() -> {
            try {
                call.run();
            } catch (RuntimeException e) {
                logger.log(Level.WARNING, "Could not answer a button press: " + e.getMessage());
            }
        });
    }

    @Override
    public Delivery send(OutboundMessage message) {
        Optional<ChannelEvent> event = message.inReplyTo();
        Optional<String> thread = message.thread().or(() -> event.flatMap(ChannelEvent::thread));
        JsonObjectBuilder base = Json.createObjectBuilder().add("chat_id", chatId(message.conversation()));
        thread.filter(t -> t.matches("[0-9]{1,18}")).map(Long::parseLong).ifPresent(t -> base.add("message_thread_id", t));
        // In groups a reply quotes the message it answers; in a private chat it needs no quote.
        event.filter(e -> ChannelEvent.MESSAGE.equals(e.type()) && e.conversation().equals(message.conversation()))
                .flatMap(TelegramChannel::messageId)
                .ifPresent(m -> base.add("reply_parameters", Json.createObjectBuilder().add("message_id", m)
                        .add("allow_sending_without_reply", true)));
        JsonObject common = base.build();
        if (message.approval().isPresent()) {
            return prompt(message, thread, common, message.approval().get());
        }
        if (message.text().isEmpty()) {
            throw new ChannelException("Telegram cannot send an empty message", false);
        }
        Optional<String> first = ProviderClient.sendInOrder(message.textParts(MAX_TEXT), part -> resultId(
                api.call("sendMessage", Json.createObjectBuilder(common).add("text", part).build())));
        return new Delivery(message.conversation(), thread, first);
    }

    private Delivery prompt(OutboundMessage message, Optional<String> thread, JsonObject common, ApprovalRequest request) {
        String text = ApprovalPrompts.text(request);
        if (text.length() > MAX_TEXT) {
            text = text.substring(0, MAX_TEXT - 3) + "...";
        }
        List<ApprovalPrompts.Button> buttons = prompts.open(new ApprovalPrompts.Prompt(
                request.requestId(), message.conversation(), thread,
                message.inReplyTo().map(ChannelEvent::senderId).filter(id -> !id.isEmpty()), text), request.allowAlways());
        JsonArrayBuilder row = Json.createArrayBuilder();
        buttons.forEach(b -> row.add(Json.createObjectBuilder().add("text", b.label()).add("callback_data", b.data())));
        JsonValue sent = api.call("sendMessage", Json.createObjectBuilder(common).add("text", text)
                .add("reply_markup", Json.createObjectBuilder().add("inline_keyboard", Json.createArrayBuilder().add(row)))
                .build());
        return new Delivery(message.conversation(), thread, resultId(sent));
    }

    @Override
    public void close() {
        api.close();
    }

    private static Optional<String> resultId(JsonValue result) {
        return result instanceof JsonObject sent ? value(sent, "message_id") : Optional.empty();
    }

    private static Optional<Long> messageId(ChannelEvent event) {
        return JsonBodies.object(event.raw())
                .flatMap(update -> wholeNumber(object(update, "message").get("message_id")));
    }

    // A numeric chat id goes as a number; a channel's @username as a string.
    private static JsonValue chatId(String chat) {
        return chat.matches("-?[0-9]{1,18}") ? Json.createValue(Long.parseLong(chat)) : Json.createValue(chat);
    }

    private static String displayName(JsonObject from, String sender) {
        return text(from, "username").or(() -> text(from, "first_name")).orElse(sender);
    }

    // An id given as a number or a string; a number must be a whole number that fits a long.
    private static Optional<String> value(JsonObject parent, String key) {
        return parent.get(key) instanceof JsonNumber ? wholeNumber(parent.get(key)).map(String::valueOf) : text(parent, key);
    }
}
