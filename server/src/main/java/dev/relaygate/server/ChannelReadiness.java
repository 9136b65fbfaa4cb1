package dev.relaygate.server;

import java.util.Locale;
import java.util.Optional;

import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;

import dev.relaygate.api.Health;
import dev.relaygate.api.spi.Channel;
import dev.relaygate.server.store.Inbox;

/**
 * Readiness of one channel in {@code /observe/health/ready}: DOWN with the channel's reason when it cannot accept
 * events (no secret, relay not answering), and DOWN for all while the gateway is starting or stopping or while the
 * inbox backlog is over 90% of its capacity or of its bytes.
 */
final class ChannelReadiness implements HealthCheck {
    private final String name;
    private final String type;
    private final Channel channel;
    private final Gateway gateway;

    ChannelReadiness(String name, String type, Channel channel, Gateway gateway) {
        this.name = name;
        this.type = type;
        this.channel = channel;
        this.gateway = gateway;
    }

    @Override
    public HealthCheckType type() {
        return HealthCheckType.READINESS;
    }

    @Override
    public String name() {
        return "channel:" + name;
    }

    @Override
    public HealthCheckResponse call() {
        Health health = current();
        return HealthCheckResponse.builder()
                .status(health.ready())
                .detail("type", type)
                .detail("path", channel.path())
                .detail("reason", health.reason())
                .build();
    }

    Health current() {
        if (!gateway.accepting()) {
            return Health.down("gateway is " + gateway.phase().name().toLowerCase(Locale.ROOT));
        }
        Inbox inbox = gateway.inbox();
        Optional<String> unavailable = inbox.unavailable();
        if (unavailable.isPresent()) {
            return Health.down("storage unavailable: " + unavailable.get());
        }
        int backlog = inbox.backlog().size();
        if (backlog * 10L > inbox.backlog().capacity() * 9L) {
            return Health.down("inbox backlog at " + backlog + " of " + inbox.backlog().capacity());
        }
        long bytes = inbox.backlog().bytes();
        if (bytes > inbox.backlog().maxBytes() / 10 * 9) {
            return Health.down("inbox backlog at " + bytes + " of " + inbox.backlog().maxBytes() + " bytes");
        }
        return safeHealth();
    }

    String channelName() {
        return name;
    }

    String channelType() {
        return type;
    }

    String channelPath() {
        return channel.path();
    }

    private Health safeHealth() {
        try {
            Health health = channel.health();
            return health == null ? Health.down("health check failed") : health;
        } catch (Throwable t) {
            Throwables.rethrowIfFatal(t);
            return Health.down("health check failed", Throwables.describe(t));
        }
    }
}
