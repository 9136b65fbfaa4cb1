package dev.relaygate.server;

import dev.relaygate.api.HandlerException;
import dev.relaygate.api.spi.EventHandler;
import dev.relaygate.api.spi.HandlerContext;
import dev.relaygate.api.spi.HandlerProvider;

/**
 * A test agent that refuses every event for good ({@code type: give-up}): each one becomes a dead letter at once.
 */
public final class GiveUpHandlerProvider implements HandlerProvider {
    public GiveUpHandlerProvider() {
    }

    @Override
    public String type() {
        return "give-up";
    }

    @Override
    public EventHandler create(HandlerContext context) {
        return (event, attempt, replies) -> {
            throw HandlerException.giveUp("the agent refuses " + event.id());
        };
    }
}
