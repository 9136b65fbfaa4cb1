package dev.relaygate.server;

import java.lang.System.Logger.Level;

import dev.relaygate.api.spi.EventHandler;
import dev.relaygate.api.spi.HandlerContext;
import dev.relaygate.api.spi.HandlerProvider;

/**
 * The {@code log} handler: one line per event. Message text only at DEBUG, so user content stays out of production
 * logs.
 */
public final class LogHandlerProvider implements HandlerProvider {
    /**
     * Required by {@link java.util.ServiceLoader}.
     */
    public LogHandlerProvider() {
    }

    @Override
    public String type() {
        return "log";
    }

    @Override
    public EventHandler create(HandlerContext context) {
        System.Logger logger = context.logger();
        return (event, attempt, replies) -> {
            logger.log(Level.INFO, "event " + event + " delivery=" + attempt.deliveryId() + " attempt=" + attempt.number());
            if (logger.isLoggable(Level.DEBUG)) {
                logger.log(Level.DEBUG, "event " + event.id() + " text: " + event.text());
            }
        };
    }
}
