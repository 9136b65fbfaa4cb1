package dev.relaygate.plugins.github;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

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

import jakarta.json.JsonObject;

import static dev.relaygate.api.JsonBodies.object;
import static dev.relaygate.api.JsonBodies.text;
import static dev.relaygate.api.JsonBodies.wholeNumber;

/**
 * A GitHub webhook. The event type is {@code X-GitHub-Event}. The owner is the scope, the repository the conversation,
 * an issue or pull request number the thread. {@code ping} (sent when a hook is created) is answered and not stored.
 *
 * <p>The event id is the lowercase hex SHA-256 of the raw body, not {@code X-GitHub-Delivery}: GitHub signs only the
 * body, so anyone who captured one signed delivery could replay it forever under fresh delivery ids. With the body's
 * hash as the id, the inbox handles a body once within its dedup window, however it is relabelled (GitHub's own
 * redeliveries carry the same body, so they are handled once too). After the window a captured body is accepted
 * again: GitHub sends no timestamp to check.
 *
 * <p>Replies are comments on the event's issue or pull request. The webhook GitHub sends for a comment this channel
 * posted is acknowledged and dropped, so that an agent answering comments does not answer its own.
 */
final class GithubChannel implements Channel {
    static final Rejection MISSING_EVENT = Rejection.badRequest("missing X-GitHub-Event");
    static final Rejection INVALID_JSON = Rejection.badRequest("invalid JSON");
    /** GitHub's limit for one comment's body. */
    static final int MAX_TEXT = 65_536;
    private static final String OWN_COMMENT = "own-comment:";

    private final String name;
    private final String path;
    private final Verifier verifier;
    private final GithubApi api;
    private final StateStore state;

    GithubChannel(String name, String path, Verifier verifier, GithubApi api, StateStore state) {
        this.name = name;
        this.path = path;
        this.verifier = verifier;
        this.api = api;
        this.state = state;
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
        Optional<String> type = request.visibleHeader("X-GitHub-Event");
        if (type.isEmpty()) {
            return MISSING_EVENT;
        }
        Optional<JsonObject> parsed = JsonBodies.object(request.body());
        if (parsed.isEmpty()) {
            return INVALID_JSON;
        }
        JsonObject body = parsed.get();
        if (type.get().equals("ping")) {
            return Inbound.answer(List.of(), WebhookResponse.json(200, "{\"ok\":true,\"pong\":true}"));
        }
        // The webhook of a comment this channel posted: an agent that answers comments would otherwise answer itself.
        if (type.get().equals("issue_comment") && number(object(body, "comment"), "id")
                .flatMap(id -> state.take(OWN_COMMENT + id)).isPresent()) {
            return Inbound.events(List.of());
        }
        JsonObject repository = object(body, "repository");
        JsonObject sender = object(body, "sender");
        Optional<String> number = number(object(body, "issue"), "number").or(() -> number(object(body, "pull_request"), "number"));
        String text = text(object(body, "comment"), "body").or(() -> text(object(body, "issue"), "title"))
                .or(() -> text(object(body, "pull_request"), "title")).orElse("");
        String owner = text(object(repository, "owner"), "login").or(() -> text(object(body, "organization"), "login"))
                .orElse("");
        return Inbound.events(List.of(ChannelEvent.of(sha256(request.body()), name, type.get(), "github", owner,
                                                      text(repository, "full_name").orElse(""), number,
                                                      text(sender, "login").orElse(""),
                                                      text(sender, "login").orElse(""), text, request.bodyText(),
                                                      request.receivedAt())));
    }

    /**
     * Comments on the issue or pull request: the conversation is the repository ({@code owner/name}), the thread its
     * number. Bodies over {@link #MAX_TEXT} characters go as several comments, in order.
     */
    @Override
    public Delivery send(OutboundMessage message) {
        if (message.approval().isPresent()) {
            throw new ChannelException("GitHub has no buttons: the github channel cannot ask for approvals", false);
        }
        Optional<String> thread = message.thread().or(() -> message.inReplyTo().flatMap(ChannelEvent::thread));
        if (thread.isEmpty()) {
            throw new ChannelException("a GitHub reply goes to an issue or pull request: this message has no thread "
                                               + "(the issue or pull request number)", false);
        }
        if (!message.conversation().matches("[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}") || !thread.get().matches("[0-9]{1,18}")) {
            throw new ChannelException("a GitHub conversation is a repository (owner/name) and its thread an issue "
                                               + "or pull request number", false);
        }
        if (message.text().isBlank()) {
            throw new ChannelException("GitHub cannot post an empty comment", false);
        }
        Optional<String> first = ProviderClient.sendInOrder(message.textParts(MAX_TEXT), part -> {
            Optional<String> id = number(api.comment(message.conversation(), thread.get(), part), "id");
            id.ifPresent(commentId -> state.put(OWN_COMMENT + commentId, "1"));
            return id;
        });
        return new Delivery(message.conversation(), thread, first);
    }

    @Override
    public void close() {
        api.close();
    }

    private static Optional<String> number(JsonObject parent, String key) {
        return wholeNumber(parent.get(key)).map(String::valueOf);
    }

    private static String sha256(byte[] body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JDK", e);
        }
    }
}
