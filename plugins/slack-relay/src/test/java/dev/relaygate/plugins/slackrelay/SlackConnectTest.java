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
        Endpoint endpoint = channel.endpoints().stream()
                .filter(e -> e.method().equals(method) && e.path().equals(path))
                .findFirst()
                .orElseThrow();
        WebhookRequest.Builder request = WebhookRequest.builder().method(method).path(path);
        for (int i = 0; i < query.length; i += 2) {
            request.query(query[i], query[i + 1]);
        }
        return endpoint.handler().apply(request.build());
    }

    private String callback(String... query) {
        WebhookResponse response = call("GET", "/oauth/slack/callback", query);
        assertThat("every callback outcome is a 200 page", response.status(), is(200));
        assertThat(response.contentType(), is("text/html; charset=utf-8"));
        return new String(response.body(), StandardCharsets.UTF_8);
    }

    private String connect() {
        WebhookResponse response = call("GET", "/api/v1/channels/slack/connect");
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
        assertThat(channel.health().reason(), is("Failed to fetch relay signing secret: API error (HTTP 503): down"));
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

    @Test
    void tenCallbacksAMinuteForEveryone() {
        for (int i = 0; i < SlackConnect.RATE_LIMIT; i++) {
            assertThat(callback("state", "guess-" + i), containsString(SlackConnect.INVALID_STATE));
        }
        assertThat(callback("state", "guess-11"), containsString(SlackConnect.TOO_MANY));
        clock.advance(Duration.ofSeconds(60));
        assertThat(callback("state", "guess-12"), containsString(SlackConnect.INVALID_STATE));
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
