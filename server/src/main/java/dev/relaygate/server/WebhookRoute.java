package dev.relaygate.server;

import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Optional;
import java.util.function.BooleanSupplier;

import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import dev.relaygate.api.Inbound;
import dev.relaygate.api.Rejection;
import dev.relaygate.api.Verdict;
import dev.relaygate.api.WebhookRequest;
import dev.relaygate.api.WebhookResponse;
import dev.relaygate.api.spi.Channel;
import dev.relaygate.server.store.Inbox;

/**
 * The webhook of one channel, in DESIGN.md section 2 order: the header-only precheck, the body read once as bytes
 * (within the ingress limits), verify, decode, store, acknowledge (200 only once the inbox holds the events; a
 * duplicate is acknowledged again and not stored). Nothing reaches {@link Channel#decode} or the inbox unverified.
 *
 * <p>Every refusal is a JSON {@code {"ok":false,"error":"<reason>"}} with a fixed reason, and fails closed: only an
 * explicit {@link Verdict#ACCEPTED} accepts; a verifier that throws or answers {@code null} is {@code 401
 * verification failed}, a decoder that throws or answers {@code null} is {@code 400 invalid body}. A refusal before
 * the body was read closes the connection, so that the body is never read at all.
 */
final class WebhookRoute {
    private static final System.Logger LOGGER = System.getLogger(WebhookRoute.class.getName());
    private static final Rejection NOT_READY = Rejection.unavailable("not ready");
    private static final Rejection BUSY = Rejection.unavailable("busy");
    private static final Rejection QUEUE_FULL = Rejection.unavailable("event queue full");
    private static final Rejection STORE_FAILED = Rejection.unavailable("storage unavailable");
    private static final Rejection VERIFICATION_FAILED = Rejection.unauthorized("verification failed");
    private static final Rejection INVALID_BODY = Rejection.badRequest("invalid body");
    private static final Rejection METHOD_NOT_ALLOWED = new Rejection(405, "method not allowed");
    private static final byte[] OK = "{\"ok\":true}".getBytes(StandardCharsets.UTF_8);

    private final String name;
    private final Channel channel;
    private final Inbox inbox;
    private final Ingress ingress;
    private final BooleanSupplier accepting;
    private final Clock clock;
    private final GatewayMetrics metrics;
    private final EventFeed feed;
    private final ThrottledLog rejections = new ThrottledLog(LOGGER);

    WebhookRoute(String name, Channel channel, Inbox inbox, Ingress ingress, BooleanSupplier accepting, Clock clock,
                 GatewayMetrics metrics, EventFeed feed) {
        this.name = name;
        this.channel = channel;
        this.inbox = inbox;
        this.ingress = ingress;
        this.accepting = accepting;
        this.clock = clock;
        this.metrics = metrics;
        this.feed = feed;
    }

    void handle(ServerRequest req, ServerResponse res) {
        if (!accepting.getAsBoolean()) {
            refuseUnread(req, res, NOT_READY);
            return;
        }
        WebhookRequest.Builder request = requestOf(req, clock);
        WebhookRequest headers = request.build();
        String peer = headers.remoteAddress();
        Optional<Rejection> early = precheck(headers);
        if (early.isPresent()) {
            refuseUnread(req, res, early.get());
            return;
        }
        try (Ingress.Claim claim = ingress.claim()) {
            byte[] body;
            try {
                body = claim.read(req);
            } catch (Ingress.Busy e) {
                refuseUnread(req, res, BUSY);
                return;
            } catch (Ingress.Lost e) {
                lost(res, peer, e);
                return;
            }
            accept(req, res, request.body(body).build());
        }
    }

    private void accept(ServerRequest req, ServerResponse res, WebhookRequest request) {
        Verdict verdict = verify(request);
        if (verdict != Verdict.ACCEPTED) {
            reject(req, res, verdict instanceof Rejection rejection ? rejection : VERIFICATION_FAILED);
            return;
        }
        switch (decode(request)) {
            case Rejection rejection -> reject(req, res, rejection);
            case Inbound.Events events -> store(req, res, events);
        }
    }

    private void store(ServerRequest req, ServerResponse res, Inbound.Events events) {
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
                if (offer == Inbox.Offer.STORED) {
                    feed.stored(events.events());
                }
            }
        }
    }

    void methodNotAllowed(ServerRequest req, ServerResponse res) {
        res.header(HeaderNames.ALLOW, "POST");
        refuseUnread(req, res, METHOD_NOT_ALLOWED);
    }

    /**
     * A request's line, peer, headers and query, as the SPI sees them (the body comes later, when it is read).
     */
    static WebhookRequest.Builder requestOf(ServerRequest req, Clock clock) {
        WebhookRequest.Builder request = WebhookRequest.builder()
                .method(req.prologue().method().text())
                .path(req.path().rawPath())
                .remoteAddress(req.remotePeer().host())
                .receivedAt(clock.instant());
        for (Header header : req.headers()) {
            for (String value : header.allValues()) {
                request.header(header.name(), value);
            }
        }
        req.query().names().forEach(q -> req.query().all(q).forEach(v -> request.query(q, v)));
        return request;
    }

    // A plugin's verifier, precheck or decoder is code the host does not trust to be bug-free: anything but an
    // explicit answer refuses the request, and no exception reaches the sender as a 500.

    private Optional<Rejection> precheck(WebhookRequest headers) {
        try {
            return channel.verifier().precheck(headers);
        } catch (Throwable t) {
            Throwables.rethrowIfFatal(t);
            LOGGER.log(Level.ERROR, "Channel " + name + ": the verifier's precheck failed (" + t.getClass().getName()
                    + "); the request is refused");
            return Optional.of(VERIFICATION_FAILED);
        }
    }

    private Verdict verify(WebhookRequest request) {
        try {
            Verdict verdict = channel.verifier().verify(request);
            if (verdict == null) {
                LOGGER.log(Level.ERROR, "Channel " + name + ": the verifier answered null; the request is refused");
                return VERIFICATION_FAILED;
            }
            return verdict;
        } catch (Throwable t) {
            Throwables.rethrowIfFatal(t);
            LOGGER.log(Level.ERROR, "Channel " + name + ": the verifier failed (" + t.getClass().getName()
                    + "); the request is refused");
            return VERIFICATION_FAILED;
        }
    }

    private Inbound decode(WebhookRequest request) {
        try {
            Inbound inbound = channel.decode(request);
            if (inbound == null) {
                LOGGER.log(Level.ERROR, "Channel " + name + ": the decoder answered null for a verified request");
                return INVALID_BODY;
            }
            return inbound;
        } catch (Throwable t) {
            Throwables.rethrowIfFatal(t);
            // The message may quote the body: the class only, the rest at DEBUG.
            LOGGER.log(Level.ERROR, "Channel " + name + ": the decoder failed on a verified request ("
                    + t.getClass().getName() + "); answered 400 invalid body");
            LOGGER.log(Level.DEBUG, "Decoder failure", t);
            return INVALID_BODY;
        }
    }

    // Refused before the body was read: the connection is closed rather than the body read. Helidon 4.5 sends
    // "Connection: close" but would then parse the unread body as the next request; only this exception closes it.
    private void refuseUnread(ServerRequest req, ServerResponse res, Rejection rejection) {
        boolean unread = req.content().hasEntity() && !req.content().consumed();
        if (unread) {
            res.header(HeaderValues.CONNECTION_CLOSE);
        }
        reject(req, res, rejection);
        if (unread) {
            throw new CloseConnectionException("refused before the body was read");
        }
    }

    // The peer was read before the body: once a connection is closed, Helidon cannot tell it any more.
    private void lost(ServerResponse res, String peer, Ingress.Lost lost) {
        String outcome = switch (lost.outcome()) {
            case TIMED_OUT -> "body timeout";
            case CUT -> "body cut off";
            case OPEN -> "body incomplete";
        };
        metrics.webhook(name, outcome);
        rejections.log(name + " " + outcome, () -> "Webhook on channel " + name + " from " + peer + ": " + outcome
                + "; connection closed");
        // Usually the connection is gone already; when it is not, say why and close it. A body that ended or broke off
        // on its own (bad chunk framing) will not mend on a retry: 400.
        int status = switch (lost.outcome()) {
            case TIMED_OUT -> 408;
            case CUT -> 503;
            case OPEN -> 400;
        };
        try {
            res.header(HeaderValues.CONNECTION_CLOSE);
            JsonErrors.send(res, status, outcome);
        } catch (RuntimeException e) {
            LOGGER.log(Level.TRACE, "No answer for a lost body", e);
        }
        throw new CloseConnectionException("the body did not arrive whole");
    }

    private void reject(ServerRequest req, ServerResponse res, Rejection rejection) {
        metrics.webhook(name, rejection.reason());
        // Reason and peer only, never the body, a signature or a header value; at most a line per reason every
        // few seconds, so that a flood of forged requests cannot flood the log.
        rejections.log(name + " " + rejection.reason(), () -> "Rejected webhook on channel " + name + " from "
                + req.remotePeer().host() + ": " + rejection.status() + " " + rejection.reason());
        JsonErrors.send(res, rejection.status(), rejection.reason());
    }

    static void send(ServerResponse res, WebhookResponse answer) {
        res.status(Status.create(answer.status()));
        res.header(HeaderNames.CONTENT_TYPE, answer.contentType());
        answer.headers().forEach((header, value) -> res.header(HeaderNames.create(header), value));
        res.send(answer.body());
    }
}
