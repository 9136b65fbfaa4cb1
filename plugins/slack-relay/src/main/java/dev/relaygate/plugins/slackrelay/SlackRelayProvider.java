package dev.relaygate.plugins.slackrelay;

import java.util.Optional;
import java.util.concurrent.Executor;

import dev.relaygate.api.spi.Channel;
import dev.relaygate.api.spi.ChannelContext;
import dev.relaygate.api.spi.ChannelProvider;

/**
 * Provides channels of type {@code slack-relay}.
 */
public final class SlackRelayProvider implements ChannelProvider {
    /** The type named in YAML. */
    public static final String TYPE = "slack-relay";

    /**
     * Required by {@link java.util.ServiceLoader}.
     */
    public SlackRelayProvider() {
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public Channel create(ChannelContext context) {
        return create(context, task -> Thread.ofVirtual().name("slack-relay-" + context.name()).start(task));
    }

    /**
     * A channel whose background work runs on {@code background}; tests pass one they can wait for.
     */
    static SlackRelayChannel create(ChannelContext context, Executor background) {
        RelaySettings settings = RelaySettings.from(context.settings());
        Optional<RelayClient> relay = settings.relayUrl().map(url -> new RelayClient(
                url, settings.apiKey().orElseThrow(), settings.requestTimeout(), Thread::sleep, context.clock(),
                context.counters()));
        return new SlackRelayChannel(settings, context, relay, background);
    }
}
