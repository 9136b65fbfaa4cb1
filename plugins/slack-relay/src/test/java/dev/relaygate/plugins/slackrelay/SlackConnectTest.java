package dev.relaygate.plugins.slackrelay;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.relaygate.api.Endpoint;
import dev.relaygate.api.Secret;
import dev.relaygate.api.Verdict;
import dev.relaygate.api.WebhookRequest;
import dev.relaygate.api.WebhookResponse;
import dev.relaygate.devrelay.DevRelay;
import dev.relaygate.devrelay.TestContext;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.sameInstance;

/**
 * OAuth connect, the callback of relay-protocol.md 5.2 (9.1 gateway tests and 9.3 item 6), and disconnect.
 */
class SlackConnectTest {
    private DevRelay relay;
    private TestContext context;
    private TestContext.TestClock clock;
    private SlackRelayChannel channel;

    @BeforeEach
    void start() {
        clock = new TestContext.TestClock();
        relay = DevRelay.builder().apiKey("sk-agent-test").clock(clock).build().start();
        context = TestContext.of(Map.of("relay-url", relay.url().toString(), "api-key", "sk-agent-test"), clock);
        channel = SlackRelayChannelTest.channel(context);
        channel.start();
    }

    @AfterEach
    void stop() {
        relay.close();
    }

    private WebhookResponse call(String method, String path, String... query) {
        return call(channel, "unknown", method, path, query);
    }

    private static WebhookResponse call(SlackRelayChannel channel, String client, String method, String path,
                                        String... query) {
        Endpoint endpoint = channel.endpoints().stream()
                .filter(e -> e.method().equals(method) && e.path().equals(path))
                .findFirst()
                .orElseThrow();
        WebhookRequest.Builder request = WebhookRequest.builder().method(method).path(path).remoteAddress(client);
        for (int i = 0; i < query.length; i += 2) {
            request.query(query[i], query[i + 1]);
        }
        return endpoint.handler().apply(request.build());
    }

    private String callback(String... query) {
        return callbackFrom("unknown", query);
    }

    private String callbackFrom(String client, String... query) {
        return page(call(channel, client, "GET", "/oauth/slack/callback", query));
    }

    private static String page(WebhookResponse response) {
        assertThat("every callback outcome is a 200 page", response.status(), is(200));
        assertThat(response.contentType(), is("text/html; charset=utf-8"));
        return new String(response.body(), StandardCharsets.UTF_8);
    }

    private String connect() {
        return connect(channel, "slack");
    }

    private String connect(SlackRelayChannel channel, String name) {
        WebhookResponse response = call(channel, "unknown", "GET", "/api/v1/channels/" + name + "/connect");
        assertThat(response.status(), is(302));
        String location = response.headers().get("Location");
        assertThat(location.startsWith(relay.url() + "/dev/slack/authorize?state="), is(true));
        return location.substring(location.indexOf("state=") + 6);
    }

    private boolean accepts() {
        String body = SlackRelayChannelTest.BODY;
        return channel.verifier().verify(SlackRelayChannelTest.signed(Secret.ofHex(relay.signingSecretHex()),
                                                                      clock.instant().getEpochSecond(), body))
                == Verdict.ACCEPTED;
    }

    @Test
    void endpointsAndAccess() {
        assertThat(channel.endpoints().stream().map(e -> e.method() + " " + e.path() + " " + e.access()).toList(),
                   is(java.util.List.of("GET /api/v1/channels/slack/connect API_TOKEN",
                                        "DELETE /api/v1/channels/slack/connection API_TOKEN",
                                        "GET /oauth/slack/callback PUBLIC")));
    }

    @Test
    void connectCallbackActivate() {
        assertThat(accepts(), is(false));
        String nonce = connect();
        assertThat(UUID.fromString(nonce).version(), is(4));
        assertThat(relay.requests("/oauth/slack/auth").getFirst().query("state_nonce"), is(Optional.of(nonce)));
        String page = callback("team_id", "T0DEV", "provider", "slack", "state", nonce);
        assertThat(page, containsString("Slack Connected!"));
        assertThat(page, containsString("<script>window.close()</script>"));
        assertThat(context.state().get("team_id"), is(Optional.of("T0DEV")));
        assertThat("the nonce is used up", context.state().get("oauth_state"), is(Optional.empty()));
        assertThat(relay.requests("/relay/signing-secret").getLast().query("team_id"), is(Optional.of("T0DEV")));
        assertThat(accepts(), is(true));
        assertThat("single use", callback("team_id", "T0DEV", "state", nonce), containsString(SlackConnect.INVALID_STATE));
    }

    @Test
    void storedTeamActivatesAtTheNextStart() {
        callback("team_id", "T0DEV", "state", connect());
        SlackRelayChannel restarted = SlackRelayChannelTest.channel(context);
        restarted.start();
        assertThat(restarted.health().ready(), is(true));
    }

    @Test
    void missingOrWrongStateKeepsTheNonce() {
        String nonce = connect();
        assertThat(callback("team_id", "T123", "provider", "slack"), containsString(SlackConnect.INVALID_STATE));
        assertThat(callback("team_id", "T123", "state", ""), containsString(SlackConnect.INVALID_STATE));
        assertThat(callback("team_id", "T123", "state", "wrong-nonce"), containsString(SlackConnect.INVALID_STATE));
        assertThat(callback("team_id", "T123", "state", "x".repeat(129)), containsString(SlackConnect.INVALID_STATE));
        assertThat(context.state().get("oauth_state").orElseThrow(), containsString(nonce));
        assertThat(callback("team_id", "T0DEV", "state", nonce), containsString("Slack Connected!"));
    }

    @Test
    void correctStateProceedsEvenWhenActivationFails() {
        String nonce = connect();
        relay.script("GET /relay/signing-secret", DevRelay.Scripted.answer(503, "down"));
        relay.script("GET /relay/signing-secret", DevRelay.Scripted.answer(503, "down"));
        relay.script("GET /relay/signing-secret", DevRelay.Scripted.answer(503, "down"));
        String page = callback("team_id", "T0DEV", "state", nonce);
        assertThat(page, not(containsString(SlackConnect.INVALID_STATE)));
        assertThat(page, containsString(SlackConnect.FAILED));
        assertThat(context.state().get("oauth_state"), is(Optional.empty()));
        assertThat(channel.health().reason(), is("relay error HTTP 503"));
        assertThat(channel.health().detail(),
                   is(Optional.of("Failed to fetch relay signing secret: API error (HTTP 503): down")));
    }

    @Test
    void theNonceExpiresAfterTenMinutes() {
        String nonce = connect();
        clock.advance(SlackConnect.NONCE_LIFETIME.plusSeconds(1));
        assertThat(callback("team_id", "T0DEV", "state", nonce), containsString(SlackConnect.INVALID_STATE));
        assertThat(context.state().get("oauth_state"), is(Optional.empty()));
        assertThat(accepts(), is(false));
    }

    @Test
    void onePendingNoncePerChannel() {
        String first = connect();
        String second = connect();
        assertThat(callback("team_id", "T0DEV", "state", first), containsString(SlackConnect.INVALID_STATE));
        assertThat(callback("team_id", "T0DEV", "state", second), containsString("Slack Connected!"));
    }

    @Test
    void parametersAreValidated() {
        String nonce = connect();
        for (String team : new String[] {"X123", "T12-3", "T" + "1".repeat(21), "t123"}) {
            assertThat(team, callback("team_id", team, "state", nonce), containsString(SlackConnect.INVALID_PARAMETERS));
        }
        assertThat(callback("team_id", "T123", "provider", "github", "state", nonce),
                   containsString(SlackConnect.INVALID_PARAMETERS));
        assertThat("an empty team passes validation, then fails activation",
                   callback("state", nonce), containsString(SlackConnect.FAILED));
    }

    // Ten junk callbacks from one address used to block everybody's onboarding for a minute.
    @Test
    void failuresAreLimitedPerClient() {
        for (int i = 0; i < CallbackFailures.LIMIT; i++) {
            assertThat(callbackFrom("203.0.113.9", "state", "guess-" + i), containsString(SlackConnect.INVALID_STATE));
        }
        assertThat(callbackFrom("203.0.113.9", "state", "guess-x"), containsString(SlackConnect.TOO_MANY));
        assertThat(callbackFrom("203.0.113.9", "team_id", "X1", "state", "guess-y"), containsString(SlackConnect.TOO_MANY));
        assertThat("another client is not affected", callbackFrom("198.51.100.1", "state", "guess"),
                   containsString(SlackConnect.INVALID_STATE));
        assertThat("the user on another address connects", callbackFrom("198.51.100.2", "team_id", "T0DEV", "state", connect()),
                   containsString("Slack Connected!"));
        clock.advance(CallbackFailures.WINDOW);
        assertThat(callbackFrom("203.0.113.9", "state", "guess-z"), containsString(SlackConnect.INVALID_STATE));
    }

    @Test
    void thePendingNonceIsNeverRefused() {
        String nonce = connect();
        for (int i = 0; i < CallbackFailures.LIMIT + 5; i++) {
            callbackFrom("203.0.113.9", "team_id", "T0DEV", "state", "guess-" + i);
        }
        assertThat(callbackFrom("203.0.113.9", "state", "guess"), containsString(SlackConnect.TOO_MANY));
        assertThat("the same address (a shared NAT) with the right nonce gets through",
                   callbackFrom("203.0.113.9", "team_id", "T0DEV", "state", nonce), containsString("Slack Connected!"));
        assertThat(accepts(), is(true));
    }

    @Test
    void successesDoNotCount() {
        for (int i = 0; i < CallbackFailures.LIMIT + 1; i++) {
            assertThat(callbackFrom("198.51.100.2", "team_id", "T0DEV", "state", connect()), containsString("Slack Connected!"));
        }
    }

    @Test
    void theFailureRecordIsBounded() {
        CallbackFailures failures = new CallbackFailures(clock);
        for (int i = 0; i < CallbackFailures.LIMIT; i++) {
            failures.failed("203.0.113.9");
        }
        assertThat(failures.blocked("203.0.113.9"), is(true));
        for (int i = 0; i < CallbackFailures.MAX_CLIENTS; i++) {
            clock.advance(Duration.ofMillis(1));
            failures.failed("2001:db8::" + Integer.toHexString(i));
        }
        assertThat(failures.tracked(), is(CallbackFailures.MAX_CLIENTS));
        assertThat("the oldest client was forgotten", failures.blocked("203.0.113.9"), is(false));
        for (int i = 0; i < CallbackFailures.LIMIT - 1; i++) {
            failures.failed("2001:db8::1");
        }
        failures.failed("2001:db8::new");
        assertThat("a client whose window began later is kept", failures.blocked("2001:db8::1"), is(true));
        assertThat(failures.tracked(), is(CallbackFailures.MAX_CLIENTS));
    }

    @Test
    void disconnectCancelsThePendingNonce() {
        String nonce = connect();
        call("DELETE", "/api/v1/channels/slack/connection");
        assertThat(context.state().get("oauth_state"), is(Optional.empty()));
        assertThat(callback("team_id", "T0DEV", "state", nonce), containsString(SlackConnect.INVALID_STATE));
        assertThat(accepts(), is(false));
    }

    // DELETE while the relay is still answering the activation's secret fetch.
    @Test
    void aDisconnectDuringActivationWins() throws Exception {
        String nonce = connect();
        DevRelay.Hold hold = new DevRelay.Hold();
        relay.script("GET /relay/signing-secret", DevRelay.Scripted.hold(hold));
        String[] page = new String[1];
        Thread callback = Thread.ofVirtual().start(() -> page[0] = callback("team_id", "T0DEV", "state", nonce));
        try {
            hold.awaitArrival(Duration.ofSeconds(10));
            WebhookResponse removed = call("DELETE", "/api/v1/channels/slack/connection");
            assertThat(removed.status(), is(200));
        } finally {
            hold.release();
        }
        assertThat(callback.join(Duration.ofSeconds(10)), is(true));
        assertThat(page[0], containsString(SlackConnect.FAILED));
        assertThat("not re-activated", accepts(), is(false));
        assertThat(context.state().get("team_id"), is(Optional.empty()));
        assertThat(channel.health().reason(), containsString("not connected"));
        assertThat("connect works again", callback("team_id", "T0DEV", "state", connect()), containsString("Slack Connected!"));
    }

    // Several slack-relay channels, each with its own callback.
    @Test
    void eachChannelHasItsOwnCallbackPath() {
        SlackRelayChannel second = SlackRelayChannelTest.channel(TestContext.of(
                "second", Map.of("relay-url", relay.url().toString(), "api-key", "sk-agent-test", "path", "/relay/second",
                                 "callback-path", "/oauth/second/callback"), clock));
        second.start();
        assertThat(second.endpoints().stream().map(e -> e.method() + " " + e.path()).toList(),
                   is(java.util.List.of("GET /api/v1/channels/second/connect", "DELETE /api/v1/channels/second/connection",
                                        "GET /oauth/second/callback")));
        String nonce = connect(second, "second");
        assertThat("the first channel's callback does not know the second's nonce", callback("team_id", "T0DEV", "state", nonce),
                   containsString(SlackConnect.INVALID_STATE));
        assertThat(page(call(second, "unknown", "GET", "/oauth/second/callback", "team_id", "T0DEV", "state", nonce)),
                   containsString("Slack Connected!"));
        assertThat(second.health().ready(), is(true));
        assertThat(channel.health().ready(), is(false));
    }

    // The connect endpoint answers 502 rather than redirect the browser somewhere unsafe.
    @Test
    void anUnsafeAuthUrlIsABadGateway() {
        relay.script("GET /oauth/slack/auth", DevRelay.Scripted.answer(200, "{\"auth_url\":\"javascript:alert(1)\"}"));
        WebhookResponse response = call("GET", "/api/v1/channels/slack/connect");
        assertThat(response.status(), is(502));
        assertThat(new String(response.body(), StandardCharsets.UTF_8),
                   is("{\"ok\":false,\"error\":\"Protocol error: auth URL is not an absolute http or https URL\"}"));
        assertThat(response.headers().containsKey("Location"), is(false));
    }

    @Test
    void disconnectForgetsTeamAndSecret() {
        callback("team_id", "T0DEV", "state", connect());
        assertThat(accepts(), is(true));
        WebhookResponse response = call("DELETE", "/api/v1/channels/slack/connection");
        assertThat(new String(response.body(), StandardCharsets.UTF_8),
                   is("{\"ok\":true,\"message\":\"Removed channel relay 'slack'\"}"));
        assertThat(context.state().get("team_id"), is(Optional.empty()));
        assertThat(channel.verifier().verify(SlackRelayChannelTest.signed(Secret.ofHex(relay.signingSecretHex()),
                                                                          clock.instant().getEpochSecond(),
                                                                          SlackRelayChannelTest.BODY)),
                   sameInstance(SlackRelayChannel.NOT_CONFIGURED));
        assertThat("connect works again afterwards (no dead end)", connect().isEmpty(), is(false));
    }

    @Test
    void connectNeedsARelay() {
        SlackRelayChannel ingressOnly = SlackRelayChannelTest.channel(
                TestContext.of(Map.of("signing-secret", SlackRelayChannelTest.SECRET_HEX)));
        WebhookResponse response = ingressOnly.endpoints().getFirst().handler().apply(WebhookRequest.builder().build());
        assertThat(response.status(), is(409));
        assertThat(new String(response.body(), StandardCharsets.UTF_8),
                   is("{\"ok\":false,\"error\":\"CHANNEL_RELAY_URL and CHANNEL_RELAY_API_KEY must be set\"}"));
    }
}
