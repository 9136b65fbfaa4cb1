package dev.relaygate.api.spi;

import dev.relaygate.api.ChannelEvent;

/**
 * The agent: receives verified events one at a time per conversation and may answer through {@link Replies}.
 */
@FunctionalInterface
public interface EventHandler {
    /**
     * Handles one event. Throwing marks this attempt as failed; it never stops the dispatcher.
     *
     * @param event   the event
     * @param replies sends messages back through the channel the event came from
     * @throws Exception when handling failed
     */
    void handle(ChannelEvent event, Replies replies) throws Exception;
}
