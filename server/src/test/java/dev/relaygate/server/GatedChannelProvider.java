package dev.relaygate.server;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;

import dev.relaygate.api.ChannelException;
import dev.relaygate.api.Delivery;
import dev.relaygate.api.Inbound;
import dev.relaygate.api.OutboundMessage;
import dev.relaygate.api.Rejection;
import dev.relaygate.api.WebhookRequest;
import dev.relaygate.api.spi.Channel;
import dev.relaygate.api.spi.ChannelContext;
import dev.relaygate.api.spi.ChannelProvider;
import dev.relaygate.api.spi.Verifier;

/**
 * A test channel ({@code type: gated}) whose {@code start()} waits for the test, to observe a gateway that is
 * serving but not yet accepting. It refuses every webhook.
 */
public final class GatedChannelProvider implements ChannelProvider {
    static final Map<String, Gate> GATES = new ConcurrentHashMap<>();

    public GatedChannelProvider() {
    }

    static Gate gate(String id) {
        return GATES.computeIfAbsent(id, k -> new Gate());
    }

    @Override
    public String type() {
        return "gated";
    }

    @Override
    public Channel create(ChannelContext context) {
        Gate gate = gate(context.settings().required("gate"));
        String path = context.settings().required("path");
        return new Channel() {
            @Override
            public String path() {
                return path;
            }

            @Override
            public Verifier verifier() {
                return request -> Rejection.unauthorized("gated");
            }

            @Override
            public Inbound decode(WebhookRequest request) {
                throw new AssertionError("never verified");
            }

            @Override
            public Delivery send(OutboundMessage message) {
                throw new ChannelException("gated", false);
            }

            @Override
            public void start() {
                gate.starting.countDown();
                try {
                    gate.open.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
    }

    static final class Gate {
        final CountDownLatch starting = new CountDownLatch(1);
        final CountDownLatch open = new CountDownLatch(1);
    }
}
