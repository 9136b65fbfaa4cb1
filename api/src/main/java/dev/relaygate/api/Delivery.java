package dev.relaygate.api;

import java.util.Objects;
import java.util.Optional;

/**
 * What a channel delivered.
 *
 * @param conversation the conversation it went to
 * @param thread       the thread it went to, if any
 * @param messageId    the provider's id of the new message, if it returned one (Slack: the message ts)
 */
public record Delivery(String conversation, Optional<String> thread, Optional<String> messageId) {
    /**
     * Validates.
     */
    public Delivery {
        Objects.requireNonNull(conversation);
        Objects.requireNonNull(thread);
        Objects.requireNonNull(messageId);
    }
}
