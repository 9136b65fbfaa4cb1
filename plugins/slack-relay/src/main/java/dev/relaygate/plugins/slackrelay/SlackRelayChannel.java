package dev.relaygate.plugins.slackrelay;

import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import dev.relaygate.api.ChannelEvent;
import dev.relaygate.api.ChannelException;
import dev.relaygate.api.Delivery;
import dev.relaygate.api.Health;
import dev.relaygate.api.HmacSignature;
import dev.relaygate.api.Inbound;
import dev.relaygate.api.OutboundMessage;
import dev.relaygate.api.Rejection;
import dev.relaygate.api.Secret;
import dev.relaygate.api.SignedRequestVerifier;
import dev.relaygate.api.TimestampWindow;
import dev.relaygate.api.WebhookRequest;
import dev.relaygate.api.spi.Channel;
import dev.relaygate.api.spi.ChannelContext;
import dev.relaygate.api.spi.Verifier;

/**
 * One slack-relay channel. Ingress follows relay-protocol.md section 2.2 exactly: {@code 503 relay not configured}
 * while no signing secret is loaded, then the toolkit's signature checks over {@code <timestamp>.<raw body>}
 * ({@code X-Relay-Timestamp}, {@code X-Relay-Signature: sha256=<hex>}), then {@code 400 invalid JSON}, then
 * {@code 503 relay channel not active}.
 */
final class SlackRelayChannel implements Channel {
    static final String SIGNATURE_HEADER = "X-Relay-Signature";
    static final String TIMESTAMP_HEADER = "X-Relay-Timestamp";
    static final HmacSignature SIGNATURE = HmacSignature.hex("sha256=");
    static final Rejection NOT_CONFIGURED = Rejection.unavailable("relay not configured");
    static final Rejection INVALID_JSON = Rejection.badRequest("invalid JSON");
    static final Rejection NOT_ACTIVE = Rejection.unavailable("relay channel not active");
    private static final byte[] DOT = {'.'};

    private final RelaySettings settings;
    private final ChannelContext context;
    // The secret slot of relay-protocol.md 2.6: empty until activation, cleared on disconnect.
    private final AtomicReference<Optional<Secret>> secret = new AtomicReference<>(Optional.empty());
    private final AtomicLong dropped = new AtomicLong();
    private final Verifier verifier;

    SlackRelayChannel(RelaySettings settings, ChannelContext context) {
        this.settings = settings;
        this.context = context;
        SignedRequestVerifier signed = SignedRequestVerifier.builder()
                .signatureHeader(SIGNATURE_HEADER)
                .timestamp(TIMESTAMP_HEADER, TimestampWindow.create(settings.tolerance(), context.clock()))
                .signature(SIGNATURE)
                .payload((timestamp, request) -> new byte[][] {
                        timestamp.getBytes(StandardCharsets.US_ASCII), DOT, request.body()})
                .keys(() -> secret.get().map(List::of).orElse(List.of()))
                .build();
        this.verifier = request -> secret.get().isEmpty() ? NOT_CONFIGURED : signed.verify(request);
    }

    @Override
    public String path() {
        return settings.path();
    }

    @Override
    public Verifier verifier() {
        return verifier;
    }

    @Override
    public Inbound decode(WebhookRequest request) {
        Optional<RelayEvent> parsed = RelayEvent.parse(request.body());
        if (parsed.isEmpty()) {
            return INVALID_JSON;
        }
        if (secret.get().isEmpty()) {
            // Disconnected between verification and now.
            return NOT_ACTIVE;
        }
        RelayEvent event = parsed.get();
        if (event.senderId().isEmpty() || event.channelId().isEmpty() || event.providerScope().isEmpty()) {
            // relay-protocol.md 3.4: acknowledged, then dropped.
            long count = dropped.incrementAndGet();
            context.logger().log(Level.DEBUG, "Dropped relay event " + event.id() + " without sender, channel or team id ("
                    + count + " so far)");
            return Inbound.events(List.of());
        }
        return Inbound.events(List.of(new ChannelEvent(event.id(),
                                                       context.name(),
                                                       event.eventType(),
                                                       event.provider(),
                                                       event.providerScope(),
                                                       event.channelId(),
                                                       event.threadId(),
                                                       event.senderId(),
                                                       event.displayName(),
                                                       event.text(),
                                                       request.bodyText(),
                                                       request.receivedAt())));
    }

    @Override
    public Delivery send(OutboundMessage message) {
        throw new ChannelException("slack-relay cannot send yet", false);
    }

    @Override
    public Health health() {
        return secret.get().isPresent() ? Health.READY : Health.down("no signing secret");
    }

    @Override
    public void start() {
        settings.signingSecret().ifPresent(configured -> secret.set(Optional.of(configured)));
    }

    /**
     * Clears the secret slot: the webhook answers {@code 503 relay not configured} from now on.
     */
    void deactivate() {
        secret.set(Optional.empty());
    }

    long dropped() {
        return dropped.get();
    }
}
