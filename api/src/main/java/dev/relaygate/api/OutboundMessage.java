package dev.relaygate.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A message for a channel to send: a reply to an event or a proactive message to a conversation, optionally an
 * approval request with buttons.
 *
 * @param conversation the provider's conversation id
 * @param text         the text (for an approval request: ignored, the channel builds the prompt)
 * @param thread       an explicit thread; when empty a reply follows the channel's threading rules
 * @param inReplyTo    the event this answers, if any
 * @param approval     an approval request to show, if any
 */
public record OutboundMessage(String conversation,
                              String text,
                              Optional<String> thread,
                              Optional<ChannelEvent> inReplyTo,
                              Optional<ApprovalRequest> approval) {
    /**
     * Validates.
     */
    public OutboundMessage {
        Objects.requireNonNull(conversation);
        Objects.requireNonNull(text);
        Objects.requireNonNull(thread);
        Objects.requireNonNull(inReplyTo);
        Objects.requireNonNull(approval);
    }

    /**
     * A reply to an event, in the conversation it came from.
     *
     * @param event the event
     * @param text  the reply text
     * @return the message
     */
    public static OutboundMessage reply(ChannelEvent event, String text) {
        return new OutboundMessage(event.conversation(), text, Optional.empty(), Optional.of(event), Optional.empty());
    }

    /**
     * A proactive message.
     *
     * @param conversation the conversation id
     * @param text         the text
     * @return the message
     */
    public static OutboundMessage to(String conversation, String text) {
        return new OutboundMessage(conversation, text, Optional.empty(), Optional.empty(), Optional.empty());
    }

    /**
     * This message in an explicit thread.
     *
     * @param thread the thread id
     * @return a copy in that thread
     */
    public OutboundMessage inThread(String thread) {
        return new OutboundMessage(conversation, text, Optional.of(thread), inReplyTo, approval);
    }

    /**
     * This message as an approval request.
     *
     * @param request what to approve
     * @return a copy that asks for approval
     */
    public OutboundMessage asking(ApprovalRequest request) {
        return new OutboundMessage(conversation, text, thread, inReplyTo, Optional.of(request));
    }

    /**
     * The text in parts a provider's length limit allows, in order: each at most {@code max} UTF-16 units, cut after
     * the last line break (else space) in the second half of a part when there is one, never inside a surrogate pair.
     *
     * @param max the provider's limit per message
     * @return the parts; one when the text fits
     */
    public List<String> textParts(int max) {
        List<String> parts = new ArrayList<>();
        int start = 0;
        while (text.length() - start > max) {
            int end = start + max;
            if (Character.isLowSurrogate(text.charAt(end))) {
                end--;
            }
            int newline = text.lastIndexOf('\n', end - 1);
            int space = text.lastIndexOf(' ', end - 1);
            int cut = newline > start + max / 2 ? newline + 1 : space > start + max / 2 ? space + 1 : end;
            parts.add(text.substring(start, cut));
            start = cut;
        }
        parts.add(text.substring(start));
        return parts;
    }

    @Override
    public String toString() {
        return "OutboundMessage[conversation=" + conversation + thread.map(t -> " thread=" + t).orElse("")
                + approval.map(a -> " approval=" + a.requestId()).orElse("") + ", " + text.length() + " chars]";
    }
}
