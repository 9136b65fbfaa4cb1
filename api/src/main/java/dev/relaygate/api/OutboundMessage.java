package dev.relaygate.api;

import java.util.Objects;
import java.util.Optional;

/**
 * A message for a channel to send: a reply to an event or a proactive message to a conversation.
 *
 * @param conversation the provider's conversation id
 * @param text         the text
 * @param thread       an explicit thread; when empty a reply follows the channel's threading rules
 * @param inReplyTo    the event this answers, if any
 */
public record OutboundMessage(String conversation, String text, Optional<String> thread, Optional<ChannelEvent> inReplyTo) {
    /**
     * Validates.
     */
    public OutboundMessage {
        Objects.requireNonNull(conversation);
        Objects.requireNonNull(text);
        Objects.requireNonNull(thread);
        Objects.requireNonNull(inReplyTo);
    }

    /**
     * A reply to an event, in the conversation it came from.
     *
     * @param event the event
     * @param text  the reply text
     * @return the message
     */
    public static OutboundMessage reply(ChannelEvent event, String text) {
        return new OutboundMessage(event.conversation(), text, Optional.empty(), Optional.of(event));
    }

    /**
     * A proactive message.
     *
     * @param conversation the conversation id
     * @param text         the text
     * @return the message
     */
    public static OutboundMessage to(String conversation, String text) {
        return new OutboundMessage(conversation, text, Optional.empty(), Optional.empty());
    }

    /**
     * This message in an explicit thread.
     *
     * @param thread the thread id
     * @return a copy in that thread
     */
    public OutboundMessage inThread(String thread) {
        return new OutboundMessage(conversation, text, Optional.of(thread), inReplyTo);
    }

    @Override
    public String toString() {
        return "OutboundMessage[conversation=" + conversation + thread.map(t -> " thread=" + t).orElse("")
                + ", " + text.length() + " chars]";
    }
}
