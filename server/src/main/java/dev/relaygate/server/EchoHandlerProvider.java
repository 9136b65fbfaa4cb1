package dev.relaygate.server;

import dev.relaygate.api.spi.EventHandler;
import dev.relaygate.api.spi.HandlerContext;
import dev.relaygate.api.spi.HandlerProvider;

/**
 * The {@code echo} handler: answers every event that carries text (a message, a slash command, a comment, a webhook
 * with a text) with {@code echo: <text>}, following the channel's threading rules. Approval decisions carry none. The
 * demo, and the end-to-end check of a channel.
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
            if (!event.text().isBlank()) {
                replies.reply("echo: " + event.text());
            }
        };
    }
}
