package dev.relaygate.api.spi;

/**
 * Creates the agent's event handler. Registered in {@code META-INF/services/dev.relaygate.api.spi.HandlerProvider};
 * selected by {@code relaygate.handler.type}.
 */
public interface HandlerProvider {
    /**
     * The type YAML names in {@code relaygate.handler.type}, for example {@code log}.
     *
     * @return the type
     */
    String type();

    /**
     * Creates the handler.
     *
     * @param context settings and host services
     * @return the handler
     * @throws dev.relaygate.api.SettingsException for a missing or bad setting, naming the key
     */
    EventHandler create(HandlerContext context);
}
