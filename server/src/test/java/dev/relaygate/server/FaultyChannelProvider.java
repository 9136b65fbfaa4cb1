package dev.relaygate.server;

import java.util.List;
import java.util.Optional;

import dev.relaygate.api.ChannelEvent;
import dev.relaygate.api.ChannelException;
import dev.relaygate.api.Delivery;
import dev.relaygate.api.Inbound;
import dev.relaygate.api.OutboundMessage;
import dev.relaygate.api.Rejection;
import dev.relaygate.api.Verdict;
import dev.relaygate.api.WebhookRequest;
import dev.relaygate.api.spi.Channel;
import dev.relaygate.api.spi.ChannelContext;
import dev.relaygate.api.spi.ChannelProvider;
import dev.relaygate.api.spi.Verifier;

/**
 * A test channel ({@code type: faulty}) whose verifier and decoder misbehave as the request's {@code X-Fault} header
 * says: throw, throw an {@link Error}, or answer {@code null}. Without the header it accepts everything, one event per
 * request (its body's text as the event id). The host must fail closed on each fault, and never answer 500.
 */
public final class FaultyChannelProvider implements ChannelProvider {
    public FaultyChannelProvider() {
    }

    @Override
    public String type() {
        return "faulty";
    }

    @Override
    public Channel create(ChannelContext context) {
        String name = context.name();
        String path = context.settings().text("path").orElse("/faulty");
        Verifier verifier = new Verifier() {
            @Override
            public Optional<Rejection> precheck(WebhookRequest headers) {
                if (fault(headers, "precheck-throws")) {
                    throw new IllegalStateException("precheck bug");
                }
                return Optional.empty();
            }

            @Override
            public Verdict verify(WebhookRequest request) {
                if (fault(request, "verify-throws")) {
                    throw new IllegalStateException("verify bug");
                }
                if (fault(request, "verify-error")) {
                    throw new NoClassDefFoundError("com/example/Missing");
                }
                return fault(request, "verify-null") ? null : Verdict.ACCEPTED;
            }
        };
        return new Channel() {
            @Override
            public String path() {
                return path;
            }

            @Override
            public Verifier verifier() {
                return verifier;
            }

            @Override
            public Inbound decode(WebhookRequest request) {
                if (fault(request, "decode-throws")) {
                    throw new IllegalArgumentException("decode bug quoting " + request.bodyText());
                }
                if (fault(request, "decode-error")) {
                    throw new NoClassDefFoundError("com/example/Missing");
                }
                if (fault(request, "decode-null")) {
                    return null;
                }
                return Inbound.events(List.of(ChannelEvent.of(request.bodyText(), name, "message", "faulty", "", "c",
                                                              Optional.empty(), "u", "u", "", request.bodyText(),
                                                              request.receivedAt())));
            }

            @Override
            public Delivery send(OutboundMessage message) {
                throw new ChannelException("faulty", false);
            }
        };
    }

    private static boolean fault(WebhookRequest request, String fault) {
        return request.header("X-Fault").filter(fault::equals).isPresent();
    }
}
