package dev.relaygate.api.spi;

import java.time.Clock;

/**
 * What the host gives a handler.
 */
public interface HandlerContext {
    /**
     * The handler's settings subtree ({@code relaygate.handler}).
     *
     * @return the settings
     */
    Settings settings();

    /**
     * The host's clock.
     *
     * @return the clock
     */
    Clock clock();

    /**
     * A logger for the handler.
     *
     * @return the logger
     */
    System.Logger logger();
}
