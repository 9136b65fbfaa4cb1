package dev.relaygate.api.spi;

import dev.relaygate.api.Attempt;
import dev.relaygate.api.ChannelEvent;

/**
 * The agent: receives verified events, one at a time and in arrival order per conversation, and may answer through
 * {@link Replies}.
 */
@FunctionalInterface
public interface EventHandler {
    /**
     * Handles one event. Returning means done. Throwing fails this try: the event is tried again on the configured
     * schedule (a {@link dev.relaygate.api.HandlerException} can ask for a pause or for no retry), and becomes a
     * dead letter after the last try. It never stops the dispatcher.
     *
     * @param event   the event
     * @param attempt which try this is, and the delivery id that stays the same across tries
     * @param replies sends messages back through the channel the event came from
     * @throws Exception when handling failed
     */
    void handle(ChannelEvent event, Attempt attempt, Replies replies) throws Exception;
}
