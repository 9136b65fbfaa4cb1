package dev.relaygate.api.spi;

/**
 * Creates channels of one type. Registered in {@code META-INF/services/dev.relaygate.api.spi.ChannelProvider}; needs
 * a public no-argument constructor.
 */
public interface ChannelProvider {
    /**
     * The type YAML names in {@code relaygate.channels.<name>.type}, for example {@code slack-relay}. Unique across
     * all loaded plugins.
     *
     * @return the type
     */
    String type();

    /**
     * Creates a channel from its settings. Must not do I/O; that belongs in {@link Channel#start()}.
     *
     * @param context the channel's name, settings and host services
     * @return the channel
     * @throws dev.relaygate.api.SettingsException for a missing or bad setting, naming the key
     */
    Channel create(ChannelContext context);
}
