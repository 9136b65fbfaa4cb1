package dev.relaygate.server;

import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.function.BooleanSupplier;

import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import dev.relaygate.api.Inbound;
import dev.relaygate.api.Rejection;
import dev.relaygate.api.WebhookRequest;
import dev.relaygate.api.WebhookResponse;
import dev.relaygate.api.spi.Channel;

/**
 * The webhook of one channel, in DESIGN.md section 2 order: read the body once as bytes, verify, decode, store,
 * acknowledge (200 only once the inbox holds the events; a duplicate is acknowledged again and not stored). Nothing reaches {@link Channel#decode} or the inbox unverified, and every refusal is a JSON
 * {@code {"ok":false,"error":"<reason>"}} with a fixed reason.
 */
final class WebhookRoute {
    private static final System.Logger LOGGER = System.getLogger(WebhookRoute.class.getName());
    private static final Rejection NOT_READY = Rejection.unavailable("not ready");
    private static final Rejection QUEUE_FULL = Rejection.unavailable("event queue full");
    private static final Rejection DECODE_FAILED = new Rejection(500, "internal error");
    private static final Rejection STORE_FAILED = Rejection.unavailable("storage unavailable");
    private static final byte[] OK = "{\"ok\":true}".getBytes(StandardCharsets.UTF_8);

    private final String name;
    private final Channel channel;
    private final Inbox inbox;
    private final BooleanSupplier accepting;
    private final Clock clock;
    private final GatewayMetrics metrics;

    WebhookRoute(String name, Channel channel, Inbox inbox, BooleanSupplier accepting, Clock clock,
                 GatewayMetrics metrics) {
        this.name = name;
        this.channel = channel;
        this.inbox = inbox;
        this.accepting = accepting;
        this.clock = clock;
        this.metrics = metrics;
    }

    void handle(ServerRequest req, ServerResponse res) {
        if (!accepting.getAsBoolean()) {
            reject(req, res, NOT_READY);
            return;
        }
        WebhookRequest request = read(req);
        if (channel.verifier().verify(request) instanceof Rejection rejection) {
            reject(req, res, rejection);
            return;
        }
        Inbound inbound;
        try {
            inbound = channel.decode(request);
        } catch (RuntimeException e) {
            // A plugin bug, not bad input (decoders answer bad input with a Rejection): 500 so the sender retries.
            LOGGER.log(Level.ERROR, "Channel " + name + " failed to decode a verified request", e);
            reject(req, res, DECODE_FAILED);
            return;
        }
        switch (inbound) {
            case Rejection rejection -> reject(req, res, rejection);
            case Inbound.Events events -> {
                Inbox.Offer offer;
                try {
                    offer = inbox.offer(events.events());
                } catch (IllegalStateException e) {
                    LOGGER.log(Level.ERROR, "Channel " + name + ": the inbox could not store an event", e);
                    reject(req, res, STORE_FAILED);
                    return;
                }
                switch (offer) {
                    case FULL -> reject(req, res, QUEUE_FULL);
                    case CLOSED -> reject(req, res, NOT_READY);
                    case STORED, DUPLICATE -> {
                        if (offer == Inbox.Offer.DUPLICATE) {
                            LOGGER.log(Level.DEBUG, "Channel " + name + ": a duplicate of a stored event, acknowledged again");
                        }
                        metrics.webhook(name, offer == Inbox.Offer.STORED ? "accepted" : "duplicate");
                        events.answer().ifPresentOrElse(answer -> send(res, answer), () -> {
                            res.header(HeaderValues.CONTENT_TYPE_JSON);
                            res.send(OK);
                        });
                    }
                }
            }
        }
    }

    void methodNotAllowed(ServerRequest req, ServerResponse res) {
        metrics.webhook(name, "method not allowed");
        res.header(HeaderNames.ALLOW, "POST");
        JsonErrors.send(res, 405, "method not allowed");
    }

    private WebhookRequest read(ServerRequest req) {
        WebhookRequest.Builder request = WebhookRequest.builder()
                .method(req.prologue().method().text())
                .path(req.path().rawPath())
                .remoteAddress(req.remotePeer().host())
                .receivedAt(clock.instant())
                .body(req.content().hasEntity() ? req.content().as(byte[].class) : new byte[0]);
        for (Header header : req.headers()) {
            for (String value : header.allValues()) {
                request.header(header.name(), value);
            }
        }
        req.query().names().forEach(q -> req.query().all(q).forEach(v -> request.query(q, v)));
        return request.build();
    }

    private void reject(ServerRequest req, ServerResponse res, Rejection rejection) {
        metrics.webhook(name, rejection.reason());
        // One line: reason and peer; never the body, a signature or a header value.
        LOGGER.log(Level.INFO, "Rejected webhook on channel " + name + " from " + req.remotePeer().host() + ": "
                + rejection.status() + " " + rejection.reason());
        JsonErrors.send(res, rejection.status(), rejection.reason());
    }

    static void send(ServerResponse res, WebhookResponse answer) {
        res.status(Status.create(answer.status()));
        res.header(HeaderNames.CONTENT_TYPE, answer.contentType());
        answer.headers().forEach((header, value) -> res.header(HeaderNames.create(header), value));
        res.send(answer.body());
    }
}
