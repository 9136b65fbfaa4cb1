package dev.relaygate.plugins.slackrelay;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import dev.relaygate.api.ChannelException;
import dev.relaygate.api.Endpoint;
import dev.relaygate.api.WebhookRequest;
import dev.relaygate.api.WebhookResponse;
import dev.relaygate.api.spi.ChannelContext;

import jakarta.json.spi.JsonProvider;

/**
 * Connecting a Slack workspace through the relay's OAuth (relay-protocol.md section 5), and disconnecting it.
 *
 * <ul>
 *     <li>{@code GET /api/v1/channels/<name>/connect} (bearer): a one-time nonce (UUID v4, expires after ten minutes,
 *     one pending per channel), then a 302 to the URL from the relay's {@code GET /oauth/slack/auth}. It always starts
 *     a new flow, so the dead end of 5.8 cannot happen. With {@code Accept: application/json} (the console) the URL
 *     comes as {@code {"ok":true,"url":…}} instead of the redirect.</li>
 *     <li>{@code GET /oauth/slack/callback} (key {@code callback-path}): the steps of 5.2, every outcome an HTML page
 *     with status 200. Failures are limited per client ({@link CallbackFailures}); the callback that brings the
 *     pending nonce is never refused.</li>
 *     <li>{@code DELETE /api/v1/channels/<name>/connection} (bearer): cancel the pending nonce, forget team id and
 *     secret; an activation under way does not complete.</li>
 * </ul>
 */
final class SlackConnect {
    static final String NONCE_KEY = "oauth_state";
    static final Duration NONCE_LIFETIME = Duration.ofMinutes(10);
    static final String TOO_MANY = "Too Many Requests — Please try again later.";
    static final String INVALID_PARAMETERS = "Invalid callback parameters.";
    static final String INVALID_STATE = "Invalid or expired authorization.";
    static final String FAILED = "Connection failed. Check server logs for details.";
    private static final JsonProvider JSON = JsonProvider.provider();

    private final ChannelContext context;
    private final Optional<RelayClient> relay;
    private final SlackRelayChannel channel;
    private final String callbackPath;
    private final CallbackFailures failures;

    SlackConnect(ChannelContext context, Optional<RelayClient> relay, SlackRelayChannel channel, String callbackPath) {
        this.context = context;
        this.relay = relay;
        this.channel = channel;
        this.callbackPath = callbackPath;
        this.failures = new CallbackFailures(context.clock());
    }

    List<Endpoint> endpoints() {
        String api = "/api/v1/channels/" + context.name();
        return List.of(new Endpoint("GET", api + "/connect", Endpoint.Access.API_TOKEN, this::connect),
                       new Endpoint("DELETE", api + "/connection", Endpoint.Access.API_TOKEN, this::disconnect),
                       new Endpoint("GET", callbackPath, Endpoint.Access.PUBLIC, this::callback));
    }

    private WebhookResponse connect(WebhookRequest request) {
        if (relay.isEmpty()) {
            return error(409, "CHANNEL_RELAY_URL and CHANNEL_RELAY_API_KEY must be set");
        }
        String nonce = UUID.randomUUID().toString();
        Instant expires = context.clock().instant().plus(NONCE_LIFETIME);
        context.state().put(NONCE_KEY, nonce + " " + expires.getEpochSecond());
        try {
            String url = relay.get().authUrl(nonce);
            // The console fetches with its bearer token and cannot read a redirect's Location: it asks for JSON.
            if (request.visibleHeader("Accept").filter(accept -> accept.contains("application/json")).isPresent()) {
                return WebhookResponse.json(200, JSON.createObjectBuilder().add("ok", true).add("url", url).build().toString());
            }
            return WebhookResponse.redirect(url);
        } catch (ChannelException e) {
            context.logger().log(System.Logger.Level.WARNING, "Starting Slack OAuth failed: " + e.getMessage());
            return error(502, e.getMessage());
        }
    }

    private WebhookResponse disconnect(WebhookRequest request) {
        // The nonce first: a callback that still gets it read the generation before deactivate() moves it on.
        context.state().take(NONCE_KEY);
        channel.deactivate();
        return WebhookResponse.json(200, JSON.createObjectBuilder()
                .add("ok", true)
                .add("message", "Removed channel relay '" + context.name() + "'")
                .build()
                .toString());
    }

    private WebhookResponse callback(WebhookRequest request) {
        // Read before the nonce is taken: a disconnect after this point makes the activation below a no-op.
        long generation = channel.generation();
        Optional<String> state = request.query("state").filter(s -> !s.isEmpty() && s.length() <= 128);
        Optional<String[]> stored = context.state().get(NONCE_KEY).map(v -> v.split(" ", 2));
        boolean pending = state.isPresent() && stored.isPresent() && stored.get().length == 2
                && MessageDigest.isEqual(state.get().getBytes(StandardCharsets.UTF_8),
                                         stored.get()[0].getBytes(StandardCharsets.UTF_8));
        if (!pending && failures.blocked(request.remoteAddress())) {
            return page("Too Many Requests", TOO_MANY);
        }
        String team = request.query("team_id").orElse("");
        if (!team.isEmpty() && !RelaySettings.TEAM_ID.matcher(team).matches()
                || !request.query("provider").orElse("slack").equals("slack")) {
            return failed(request, pending, INVALID_PARAMETERS);
        }
        if (!pending) {
            // A wrong state keeps the stored nonce: an attacker's guess must not cancel the user's flow.
            return failed(request, false, INVALID_STATE);
        }
        // Single use: of two callbacks racing with the right nonce, only the one that takes it goes on.
        String taken = context.state().take(NONCE_KEY).orElse("");
        boolean expired = Instant.ofEpochSecond(Long.parseLong(stored.get()[1])).isBefore(context.clock().instant());
        if (!taken.equals(String.join(" ", stored.get())) || expired) {
            return page("Slack connection failed", INVALID_STATE);
        }
        if (team.isEmpty() || !channel.connect(team, generation)) {
            return page("Slack connection failed", FAILED);
        }
        return page("Slack Connected!", "You can close this tab and return to Relaygate.",
                     "<script>window.close()</script>");
    }

    // Only callbacks without the pending nonce count against their client.
    private WebhookResponse failed(WebhookRequest request, boolean pending, String text) {
        if (!pending) {
            failures.failed(request.remoteAddress());
        }
        return page("Slack connection failed", text);
    }

    private static WebhookResponse page(String heading, String text, String... extra) {
        return WebhookResponse.html(200, "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Relaygate</title>"
                + "</head><body><h1>" + heading + "</h1><p>" + text + "</p>" + String.join("", extra) + "</body></html>");
    }

    private static WebhookResponse error(int status, String message) {
        return WebhookResponse.json(status, JSON.createObjectBuilder().add("ok", false).add("error", message).build()
                .toString());
    }
}
