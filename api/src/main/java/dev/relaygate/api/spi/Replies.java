package dev.relaygate.api.spi;

import dev.relaygate.api.Delivery;
import dev.relaygate.api.OutboundMessage;

/**
 * Sends messages through the channel an event came from.
 */
public interface Replies {
    /**
     * Replies to the event in its conversation, in the thread the channel's rules choose.
     *
     * @param text the reply
     * @return what was delivered
     * @throws dev.relaygate.api.ChannelException when the channel could not send it
     */
    Delivery reply(String text);

    /**
     * Sends any message through the event's channel (another conversation, an explicit thread).
     *
     * @param message the message
     * @return what was delivered
     * @throws dev.relaygate.api.ChannelException when the channel could not send it
     */
    Delivery send(OutboundMessage message);
}
