package dev.relaygate.server;

import dev.relaygate.api.spi.EventHandler;
import dev.relaygate.api.spi.HandlerContext;
import dev.relaygate.api.spi.HandlerProvider;

/**
 * The {@code echo} handler: answers every message with {@code echo: <text>}, following the channel's threading rules.
 * The demo, and the end-to-end check of a channel.
 */
public final class EchoHandlerProvider implements HandlerProvider {
    /**
     * Required by {@link java.util.ServiceLoader}.
     */
    public EchoHandlerProvider() {
    }

    @Override
    public String type() {
        return "echo";
    }

    @Override
    public EventHandler create(HandlerContext context) {
        return (event, attempt, replies) -> {
            if (event.isMessage()) {
                replies.reply("echo: " + event.text());
            }
        };
    }
}
