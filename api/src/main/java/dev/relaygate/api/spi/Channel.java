package dev.relaygate.api.spi;

import java.util.List;

import dev.relaygate.api.Delivery;
import dev.relaygate.api.Endpoint;
import dev.relaygate.api.Health;
import dev.relaygate.api.Inbound;
import dev.relaygate.api.OutboundMessage;
import dev.relaygate.api.WebhookRequest;

/**
 * One configured channel: its webhook route, how the routing layer verifies requests on it, how verified bytes become
 * events, and how messages go out.
 *
 * <p>The host calls {@link #verifier()} before anything else on every request; {@link #decode} only ever sees a
 * verified request. Methods may be called from many threads at once.
 */
public interface Channel extends AutoCloseable {
    /**
     * The webhook path this channel owns, for example {@code /relay/events}.
     *
     * @return the path
     */
    String path();

    /**
     * The signature check for this channel's webhook.
     *
     * @return the verifier
     */
    Verifier verifier();

    /**
     * Turns a verified request into events.
     *
     * @param request the verified request
     * @return events (with an optional handshake answer), or a rejection such as {@code 400 invalid JSON}
     */
    Inbound decode(WebhookRequest request);

    /**
     * Sends a message through the provider.
     *
     * @param message what to send and where
     * @return what was delivered
     * @throws dev.relaygate.api.ChannelException when the provider refuses or cannot be reached
     */
    Delivery send(OutboundMessage message);

    /**
     * Extra routes this channel serves, for example an OAuth callback.
     *
     * @return the endpoints, none by default
     */
    default List<Endpoint> endpoints() {
        return List.of();
    }

    /**
     * Whether the channel can accept events now; shown per channel in {@code /observe/health/ready}.
     *
     * @return the health, ready by default
     */
    default Health health() {
        return Health.READY;
    }

    /**
     * Starts the channel (fetch secrets, open clients). Called once, after all channels are created; a failure is
     * logged and shows in health, it does not stop the server.
     */
    default void start() {
    }

    /**
     * Releases resources. Called once on shutdown.
     */
    @Override
    default void close() {
    }
}
