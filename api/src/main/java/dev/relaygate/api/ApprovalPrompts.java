package dev.relaygate.api;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

import dev.relaygate.api.ApprovalDecision.Decision;
import dev.relaygate.api.spi.StateStore;

import jakarta.json.Json;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonString;

/**
 * Approval prompts whose buttons carry an opaque token, for channels whose platform hands a button's data back on a
 * click (Telegram's {@code callback_data}, Discord's {@code custom_id}). The button holds {@code <token>:<y|n|a>}
 * (24 bytes: within Telegram's 64), never the request id, conversation or person; those stay in the channel's state
 * store under the token. A click decides only if it comes from the prompt's conversation and, when the prompt answered
 * someone, from that person; the record is then taken atomically, so one prompt yields one decision and a second click
 * finds nothing.
 */
public final class ApprovalPrompts {
    private static final String KEY = "approval-token:";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int MAX_PARAMETERS = 1000;

    private final StateStore state;

    /**
     * Prompts kept in a channel's state store.
     *
     * @param state the store
     */
    public ApprovalPrompts(StateStore state) {
        this.state = state;
    }

    /**
     * A pending prompt.
     *
     * @param requestId    the agent's request id
     * @param conversation where it was posted
     * @param thread       the thread it was posted in, if any
     * @param user         the only person who may answer, when the prompt answered someone
     * @param text         the prompt's text
     */
    public record Prompt(String requestId, String conversation, Optional<String> thread, Optional<String> user,
                         String text) {
        String toJson() {
            JsonObjectBuilder json = Json.createObjectBuilder().add("request_id", requestId)
                    .add("conversation", conversation).add("text", text);
            thread.ifPresent(t -> json.add("thread", t));
            user.ifPresent(u -> json.add("user", u));
            return json.build().toString();
        }

        static Optional<Prompt> parse(String json) {
            return JsonBodies.object(json).filter(o -> o.get("request_id") instanceof JsonString
                            && o.get("conversation") instanceof JsonString && o.get("text") instanceof JsonString)
                    .map(o -> new Prompt(o.getString("request_id"), o.getString("conversation"),
                                         JsonBodies.text(o, "thread"), JsonBodies.text(o, "user"), o.getString("text")));
        }

        boolean answerableBy(String clickConversation, String clickUser) {
            return conversation.equals(clickConversation) && user.map(clickUser::equals).orElse(true);
        }
    }

    /**
     * A button to show.
     *
     * @param label    its label
     * @param data     what the platform hands back on a click
     * @param decision what a click decides
     */
    public record Button(String label, String data, Decision decision) {
    }

    /**
     * Records a prompt before it is posted.
     *
     * @param prompt      the prompt
     * @param allowAlways whether "Always" is offered beside Approve and Deny
     * @return the buttons to post with it
     */
    public List<Button> open(Prompt prompt, boolean allowAlways) {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        state.put(KEY + token, prompt.toJson());
        List<Button> buttons = new ArrayList<>(List.of(new Button("Approve", token + ":y", Decision.APPROVE),
                                                       new Button("Deny", token + ":n", Decision.DENY)));
        if (allowAlways) {
            buttons.add(new Button("Always", token + ":a", Decision.APPROVE_ALWAYS));
        }
        return buttons;
    }

    /**
     * Whether a button's data is shaped like one of these prompts' buttons.
     *
     * @param data the data handed back
     * @return whether it is
     */
    public static boolean isPromptButton(String data) {
        return data.matches("[A-Za-z0-9_-]{22}:[yna]");
    }

    /**
     * The decision a click makes, taking its prompt; empty when the data is not a prompt's button, the prompt was
     * already decided (or never posted), or the click comes from another conversation or person (the prompt then stays
     * for the right one).
     *
     * @param data         the button's data
     * @param conversation where the click happened
     * @param user         who clicked
     * @return the prompt and the decision
     */
    public Optional<Click> click(String data, String conversation, String user) {
        if (!isPromptButton(data)) {
            return Optional.empty();
        }
        String key = KEY + data.substring(0, 22);
        Optional<Prompt> pending = state.get(key).flatMap(Prompt::parse);
        if (pending.isEmpty() || !pending.get().answerableBy(conversation, user)) {
            return Optional.empty();
        }
        Optional<String> taken = state.take(key);
        Optional<Prompt> prompt = taken.flatMap(Prompt::parse).filter(p -> p.answerableBy(conversation, user));
        if (prompt.isEmpty()) {
            // Decided by a concurrent click, or re-recorded in between: what was taken goes back.
            taken.ifPresent(value -> state.put(key, value));
            return Optional.empty();
        }
        Decision decision = switch (data.charAt(data.length() - 1)) {
            case 'y' -> Decision.APPROVE;
            case 'a' -> Decision.APPROVE_ALWAYS;
            default -> Decision.DENY;
        };
        return Optional.of(new Click(prompt.get(), new ApprovalDecision(prompt.get().requestId(), decision)));
    }

    /**
     * A click that decided a prompt.
     *
     * @param prompt   the prompt it decided
     * @param decision the decision
     */
    public record Click(Prompt prompt, ApprovalDecision decision) {
        /**
         * The outcome to show in place of the buttons.
         *
         * @param who the person's display name
         * @return for example {@code Approved by ada}
         */
        public String outcome(String who) {
            String verdict = switch (decision.decision()) {
                case APPROVE -> "Approved";
                case APPROVE_ALWAYS -> "Always approved";
                case DENY -> "Denied";
            };
            return who.isEmpty() ? verdict : verdict + " by " + who;
        }
    }

    /**
     * The prompt's text in plain words: the tool, what it would do, and its parameters cut to 1000 characters.
     *
     * @param request the request
     * @return the text
     */
    public static String text(ApprovalRequest request) {
        String parameters = request.parameters().strip();
        if (parameters.length() > MAX_PARAMETERS) {
            parameters = parameters.substring(0, MAX_PARAMETERS) + "...";
        }
        return "Approval needed: " + request.tool() + " wants to run"
                + (request.description().isEmpty() ? "" : ": " + request.description())
                + (parameters.isEmpty() || parameters.equals("{}") ? "" : "\n" + parameters);
    }
}
