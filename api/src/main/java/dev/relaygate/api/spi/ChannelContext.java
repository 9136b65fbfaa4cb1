package dev.relaygate.api.spi;

import java.time.Clock;

/**
 * What the host gives a channel: a narrow, host-owned view so that the SPI can grow without breaking plugins.
 */
public interface ChannelContext {
    /**
     * The channel's name, the key under {@code relaygate.channels}.
     *
     * @return the name
     */
    String name();

    /**
     * The channel's settings subtree ({@code relaygate.channels.<name>}).
     *
     * @return the settings
     */
    Settings settings();

    /**
     * The host's clock; use it for every freshness and expiry decision so tests can freeze time.
     *
     * @return the clock
     */
    Clock clock();

    /**
     * A small durable key-value store private to this channel (team id, OAuth nonces).
     *
     * @return the store
     */
    StateStore state();

    /**
     * A logger named after the channel.
     *
     * @return the logger
     */
    System.Logger logger();

    /**
     * Counters for the channel's own work (relay calls, retries), published with the host's metrics.
     *
     * @return the counters
     */
    Counters counters();
}
