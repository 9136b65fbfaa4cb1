package dev.relaygate.plugins.slack;

import java.util.Optional;

import dev.relaygate.api.JsonBodies;

import jakarta.json.Json;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonString;

import static dev.relaygate.api.JsonBodies.text;

/**
 * An approval prompt this channel posted and nobody has answered yet, kept in the channel's state store under its
 * request id: the click that answers it must come from its conversation and, when the prompt answered someone, from
 * that person.
 *
 * @param conversation where the prompt was posted
 * @param thread       the thread it was posted in, if any
 * @param ts           the prompt's message ts from Slack's answer, to replace its buttons with the outcome
 * @param user         the only person who may answer, when the prompt replied to someone
 * @param prompt       the prompt's text, shown again with the outcome
 */
record PendingApproval(String conversation, Optional<String> thread, Optional<String> ts, Optional<String> user,
                       String prompt) {
    /**
     * The record as stored.
     */
    String toJson() {
        JsonObjectBuilder json = Json.createObjectBuilder().add("conversation", conversation).add("prompt", prompt);
        thread.ifPresent(t -> json.add("thread", t));
        ts.ifPresent(t -> json.add("ts", t));
        user.ifPresent(u -> json.add("user", u));
        return json.build().toString();
    }

    /**
     * A stored record; empty when it cannot be read (then no click can answer it).
     */
    static Optional<PendingApproval> parse(String json) {
        return JsonBodies.object(json)
                .filter(o -> o.get("conversation") instanceof JsonString && o.get("prompt") instanceof JsonString)
                .map(o -> new PendingApproval(o.getString("conversation"), text(o, "thread"), text(o, "ts"),
                                              text(o, "user"), o.getString("prompt")));
    }

    /**
     * Whether a click in this conversation by this user may answer the prompt.
     */
    boolean answerableBy(String clickConversation, String clickUser) {
        return conversation.equals(clickConversation) && user.map(clickUser::equals).orElse(true);
    }
}
