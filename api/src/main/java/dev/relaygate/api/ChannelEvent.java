package dev.relaygate.api;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A verified inbound event, normalized across providers.
 *
 * @param id           the provider's event id ({@code ""} when it has none); with channel and scope it identifies the
 *                     event for deduplication
 * @param channel      the name of the configured channel it came through
 * @param type         the event type, for example {@code message}, {@code direct_message}, {@code mention}
 * @param provider     the provider, for example {@code slack}
 * @param scope        the provider's workspace or tenant, for example the Slack team id
 * @param conversation the provider's conversation id, for example a Slack channel or DM id
 * @param thread       the thread the event belongs to, if any
 * @param senderId     the provider's user id of the sender
 * @param senderName   the sender's display name (the id when the provider sent none)
 * @param text         the message text ({@code ""} when there is none)
 * @param raw          the verified body as received (JSON text for JSON providers)
 * @param receivedAt   when the gateway received it
 * @param approval     for events of type {@link #APPROVAL}: the decision
 */
public record ChannelEvent(String id,
                           String channel,
                           String type,
                           String provider,
                           String scope,
                           String conversation,
                           Optional<String> thread,
                           String senderId,
                           String senderName,
                           String text,
                           String raw,
                           Instant receivedAt,
                           Optional<ApprovalDecision> approval) {
    /** A message in a channel the bot is in. */
    public static final String MESSAGE = "message";
    /** A direct message to the bot. */
    public static final String DIRECT_MESSAGE = "direct_message";
    /** A mention of the bot in a channel. */
    public static final String MENTION = "mention";
    /** A person's answer to an approval request; {@link #approval()} carries it. */
    public static final String APPROVAL = "approval";

    /**
     * Validates.
     */
    public ChannelEvent {
        Objects.requireNonNull(id);
        Objects.requireNonNull(channel);
        Objects.requireNonNull(type);
        Objects.requireNonNull(provider);
        Objects.requireNonNull(scope);
        Objects.requireNonNull(conversation);
        Objects.requireNonNull(thread);
        Objects.requireNonNull(senderId);
        Objects.requireNonNull(senderName);
        Objects.requireNonNull(text);
        Objects.requireNonNull(raw);
        Objects.requireNonNull(receivedAt);
        Objects.requireNonNull(approval);
    }

    /**
     * An event without an approval decision.
     *
     * @param id           event id
     * @param channel      channel name
     * @param type         event type
     * @param provider     provider
     * @param scope        workspace
     * @param conversation conversation id
     * @param thread       thread, if any
     * @param senderId     sender id
     * @param senderName   sender display name
     * @param text         text
     * @param raw          the verified body
     * @param receivedAt   arrival time
     * @return the event
     */
    public static ChannelEvent of(String id, String channel, String type, String provider, String scope,
                                  String conversation, Optional<String> thread, String senderId, String senderName,
                                  String text, String raw, Instant receivedAt) {
        return new ChannelEvent(id, channel, type, provider, scope, conversation, thread, senderId, senderName, text, raw,
                                receivedAt, Optional.empty());
    }

    /**
     * Whether this is a message for the agent ({@link #MESSAGE}, {@link #DIRECT_MESSAGE} or {@link #MENTION}, compared
     * exactly).
     *
     * @return whether it is a message
     */
    public boolean isMessage() {
        return MESSAGE.equals(type) || DIRECT_MESSAGE.equals(type) || MENTION.equals(type);
    }

    @Override
    public String toString() {
        // No text and no raw body: user content stays out of logs.
        return "ChannelEvent[" + channel + " " + type + " id=" + id + " scope=" + scope + " conversation=" + conversation
                + thread.map(t -> " thread=" + t).orElse("") + " sender=" + senderId
                + approval.map(a -> " approval=" + a.requestId() + ":" + a.decision()).orElse("") + "]";
    }
}
