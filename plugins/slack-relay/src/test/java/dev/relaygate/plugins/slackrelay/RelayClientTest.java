package dev.relaygate.plugins.slackrelay;

import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.relaygate.devrelay.DevRelay;
import dev.relaygate.devrelay.DevRelay.Scripted;
import dev.relaygate.api.Secret;
import dev.relaygate.api.spi.Counters;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import dev.relaygate.devrelay.TestContext;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The relay client against a real (fake) relay over HTTP: relay-protocol.md 9.2, the error kinds of 4.1 and the retry
 * rules.
 */
class RelayClientTest {
    private static final String PROXY = "/proxy/slack/chat.postMessage";
    private DevRelay relay;
    private final List<Duration> pauses = new ArrayList<>();
    private RelayClient client;

    @BeforeEach
    void start() {
        relay = DevRelay.builder().apiKey("test-api-key").out(System.out).build().start();
        client = client(relay.url(), Duration.ofSeconds(5));
    }

    @AfterEach
    void stop() {
        relay.close();
    }

    private RelayClient client(URI url, Duration timeout) {
        return new RelayClient(url, Secret.ofText("test-api-key"), timeout, pauses::add, TestContext.CLOCK, Counters.NONE);
    }

    private RelayException failure(Runnable call) {
        return assertThrows(RelayException.class, call::run);
    }

    @Test
    void signingSecretReturnsDecodedBytes() {
        relay.script("GET /relay/signing-secret", Scripted.answer(200, "{\"signing_secret\":\"" + "01".repeat(32) + "\"}"));
        Secret secret = client.signingSecret("T123");
        assertThat(secret.bytes(), is(Secret.ofHex("01".repeat(32)).bytes()));
        assertThat(relay.requests("/relay/signing-secret").getFirst().query("team_id"), is(Optional.of("T123")));
        assertThat(client.signingSecret("T123").bytes(), is(Secret.ofHex(relay.signingSecretHex()).bytes()));
    }

    @Test
    void signingSecretErrors() {
        relay.script("GET /relay/signing-secret", Scripted.answer(404, "no such team"));
        RelayException notFound = failure(() -> client.signingSecret("T1"));
        assertThat(notFound.getMessage(), is("API error (HTTP 404): no such team"));
        assertThat(notFound.kind(), is(RelayException.Kind.API));

        relay.script("GET /relay/signing-secret", Scripted.answer(200, "{\"signing_secret\":\"not-hex\"}"));
        assertThat(failure(() -> client.signingSecret("T1")).getMessage(),
                   is("Protocol error: invalid signing_secret hex: odd number of hex digits (7)"));
        relay.script("GET /relay/signing-secret", Scripted.answer(200, "{\"signing_secret\":\"" + "zz".repeat(32) + "\"}"));
        assertThat(failure(() -> client.signingSecret("T1")).getMessage(),
                   is("Protocol error: invalid signing_secret hex: not a hex string"));
        relay.script("GET /relay/signing-secret", Scripted.answer(200, "{\"signing_secret\":\"" + "01".repeat(31) + "\"}"));
        assertThat(failure(() -> client.signingSecret("T1")).getMessage(),
                   is("Protocol error: invalid signing_secret length: expected 32 bytes, got 31"));
        relay.script("GET /relay/signing-secret", Scripted.answer(200, "{}"));
        assertThat(failure(() -> client.signingSecret("T1")).getMessage(),
                   is("Protocol error: missing signing_secret in response"));
        relay.script("GET /relay/signing-secret", Scripted.answer(200, "<html>"));
        assertThat(failure(() -> client.signingSecret("T1")).kind(), is(RelayException.Kind.PROTOCOL));
    }

    @Test
    void bearerTokenOnEveryCall() {
        client.signingSecret("T1");
        client.connections("i");
        client.authUrl("n");
        assertThat(relay.requests().stream().map(r -> r.authorization().orElse("")).distinct().toList(),
                   contains("Bearer test-api-key"));
    }

    @Test
    void proxySendsTheRightPayload() {
        JsonObject answer = (JsonObject) client.proxy("slack", "chat.postMessage", "T123",
                                                      Json.createObjectBuilder().add("channel", "C456")
                                                              .add("text", "Hello from test").build());
        assertThat(answer.getBoolean("ok"), is(true));
        DevRelay.Recorded request = relay.requests(PROXY).getFirst();
        assertThat(request.method(), is("POST"));
        assertThat(request.query("team_id"), is(Optional.of("T123")));
        assertThat(request.json().getString("channel"), is("C456"));
        assertThat(request.json().getString("text"), is("Hello from test"));
    }

    @Test
    void slackErrorsInsideHttp200() {
        relay.script("POST " + PROXY, Scripted.answer(200, "{\"ok\":false,\"error\":\"channel_not_found\"}"));
        assertThat(failure(() -> client.proxy("slack", "chat.postMessage", "T1", JsonObject.EMPTY_JSON_OBJECT)).getMessage(),
                   is("Slack API error: channel_not_found"));
        relay.script("POST " + PROXY, Scripted.answer(200, "{\"ok\":false}"));
        assertThat(failure(() -> client.proxy("slack", "chat.postMessage", "T1", JsonObject.EMPTY_JSON_OBJECT)).getMessage(),
                   is("Slack API error: unknown"));
    }

    @Test
    void connections() {
        relay.script("GET /connections", Scripted.answer(200, """
                [{"provider":"slack","team_id":"T123","team_name":"My Team","connected":true},
                 {"provider":"slack","team_id":"T456","team_name":null,"connected":false}]"""));
        List<RelayClient.Connection> connections = client.connections("inst");
        assertThat(connections.get(0), is(new RelayClient.Connection("slack", "T123", Optional.of("My Team"), true)));
        assertThat(connections.get(1).connected(), is(false));
        assertThat(relay.requests("/connections").getFirst().query("instance_id"), is(Optional.of("inst")));
        relay.script("GET /connections", Scripted.answer(200, "[{\"provider\":\"slack\"}]"));
        assertThat(failure(() -> client.connections("i")).kind(), is(RelayException.Kind.PROTOCOL));
    }

    @Test
    void authUrlFromRedirectOrJson() {
        assertThat(client.authUrl("nonce-1"), is(relay.url() + "/dev/slack/authorize?state=nonce-1"));
        assertThat(relay.requests("/oauth/slack/auth").getFirst().query("state_nonce"), is(Optional.of("nonce-1")));
        relay.script("GET /oauth/slack/auth", Scripted.answer(200, "{\"auth_url\":\"https://slack.test/a\"}"));
        assertThat(client.authUrl("n"), is("https://slack.test/a"));
        relay.script("GET /oauth/slack/auth", Scripted.answer(200, "{\"url\":\"https://slack.test/b\"}"));
        assertThat(client.authUrl("n"), is("https://slack.test/b"));
        relay.script("GET /oauth/slack/auth", Scripted.answer(200, "{}"));
        assertThat(failure(() -> client.authUrl("n")).getMessage(), is("Protocol error: Response missing auth_url field"));
        relay.script("GET /oauth/slack/auth", Scripted.answer(302, ""));
        assertThat(failure(() -> client.authUrl("n")).getMessage(),
                   is("Protocol error: Redirect response missing Location header"));
        relay.script("GET /oauth/slack/auth", Scripted.answer(401, "bad token"));
        assertThat(failure(() -> client.authUrl("n")).getMessage(), is("API error (HTTP 401): bad token"));
    }

    // The connect endpoint sends the user's browser to this URL.
    @Test
    void authUrlMustBeAnAbsoluteWebUrl() {
        for (String url : List.of("javascript:alert(1)", "/relative", "//slack.test/a", "https://slack.test/a b",
                                  "https://slack.test/\\u0007", "https://slack.test/\\r\\nSet-Cookie: x", "ftp://slack.test/",
                                  "https:///no-host", "", "data:text/html,<script>")) {
            relay.script("GET /oauth/slack/auth", Scripted.answer(200, "{\"auth_url\":\"" + url + "\"}"));
            assertThat(url, failure(() -> client.authUrl("n")).getMessage(),
                       is("Protocol error: auth URL is not an absolute http or https URL"));
        }
        relay.script("GET /oauth/slack/auth", Scripted.answer(302, "", "Location", "/dev/slack/authorize?state=n"));
        assertThat(failure(() -> client.authUrl("n")).getMessage(),
                   is("Protocol error: auth URL is not an absolute http or https URL"));
        relay.script("GET /oauth/slack/auth", Scripted.answer(200, "{\"auth_url\":\"HTTPS://slack.test/oauth?scope=a,b\"}"));
        assertThat(client.authUrl("n"), is("HTTPS://slack.test/oauth?scope=a,b"));
    }

    // Error texts end up in logs, dead letters and API answers.
    @Test
    void errorBodiesAreCutToOneShortLine() {
        String page = "first line\r\nsecond\tline\u0007\u202e" + "x".repeat(10_000);
        relay.script("POST " + PROXY, Scripted.answer(500, page));
        String message = failure(() -> client.proxy("slack", "chat.postMessage", "T1", JsonObject.EMPTY_JSON_OBJECT))
                .getMessage();
        assertThat(message, is("API error (HTTP 500): first line  second line" + "x".repeat(200 - 23) + "…"));
        relay.script("POST " + PROXY, Scripted.answer(200, "{\"ok\":false,\"error\":\"a\\nb" + "c".repeat(300) + "\"}"));
        assertThat(failure(() -> client.proxy("slack", "chat.postMessage", "T1", JsonObject.EMPTY_JSON_OBJECT)).getMessage(),
                   is("Slack API error: a b" + "c".repeat(197) + "…"));
    }

    // A success body is read up to RelayClient.MAX_BODY, never whole.
    @Test
    void successBodiesAreBounded() {
        String padded = "{\"signing_secret\":\"" + "01".repeat(32) + "\"}";
        relay.script("GET /relay/signing-secret",
                     Scripted.answer(200, padded + " ".repeat(RelayClient.MAX_BODY - padded.length())));
        assertThat(client.signingSecret("T1").length(), is(32));
        relay.script("GET /relay/signing-secret", Scripted.answer(200, padded + " ".repeat(RelayClient.MAX_BODY)));
        RelayException error = failure(() -> client.signingSecret("T1"));
        assertThat(error.getMessage(), is("Protocol error: response larger than 1048576 bytes"));
        assertThat(error.kind(), is(RelayException.Kind.PROTOCOL));
        relay.script("GET /relay/signing-secret", Scripted.answer(200, "{\"a\":" + "[".repeat(5000)));
        assertThat("too deep is invalid, not a crash", failure(() -> client.signingSecret("T1")).getMessage(),
                   is("Protocol error: invalid JSON in response"));
    }

    @Test
    void approvals() {
        String token = client.registerApproval("T1", "D1", "req-1", Optional.empty());
        assertThat(relay.approval(token), is(Optional.of(new DevRelay.Approval("T1", "D1", "req-1", Optional.empty()))));
        assertThat(relay.requests("/approvals").getFirst().json().containsKey("thread_ts"), is(false));
        String threaded = client.registerApproval("T1", "D1", "req-2", Optional.of("1.2"));
        assertThat(relay.approval(threaded).orElseThrow().thread(), is(Optional.of("1.2")));
        relay.script("POST /approvals", Scripted.answer(200, "{}"));
        assertThat(failure(() -> client.registerApproval("T1", "D1", "r", Optional.empty())).getMessage(),
                   is("Protocol error: missing approval_token in response"));
    }

    @Test
    void retries503And429HonouringRetryAfter() {
        relay.script("POST " + PROXY, Scripted.answer(503, "busy"));
        relay.script("POST " + PROXY, Scripted.answer(429, "slow down", "Retry-After", "2"));
        client.proxy("slack", "chat.postMessage", "T1", JsonObject.EMPTY_JSON_OBJECT);
        assertThat(relay.requests(PROXY).size(), is(3));
        assertThat(pauses, contains(Duration.ofMillis(200), Duration.ofSeconds(2)));
    }

    @Test
    void givesUpAfterThreeAttemptsOrATooLongRetryAfter() {
        for (int i = 0; i < 3; i++) {
            relay.script("POST " + PROXY, Scripted.answer(503, "busy"));
        }
        RelayException busy = failure(() -> client.proxy("slack", "chat.postMessage", "T1", JsonObject.EMPTY_JSON_OBJECT));
        assertThat(busy.getMessage(), is("API error (HTTP 503): busy"));
        assertThat(busy.retryable(), is(true));
        assertThat(relay.requests(PROXY).size(), is(3));

        relay.script("POST " + PROXY, Scripted.answer(429, "later", "Retry-After", "120"));
        assertThat(failure(() -> client.proxy("slack", "chat.postMessage", "T1", JsonObject.EMPTY_JSON_OBJECT)).status(),
                   is(429));
        assertThat(relay.requests(PROXY).size(), is(4));
    }

    @Test
    void otherStatusesAreNotRetried() {
        relay.script("POST " + PROXY, Scripted.answer(500, "oops"));
        RelayException error = failure(() -> client.proxy("slack", "chat.postMessage", "T1", JsonObject.EMPTY_JSON_OBJECT));
        assertThat(error.getMessage(), is("API error (HTTP 500): oops"));
        assertThat(relay.requests(PROXY).size(), is(1));
    }

    @Test
    void refusedConnectionsAreRetriedThenReported() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        RelayException error = failure(() -> client(URI.create("http://127.0.0.1:" + port), Duration.ofSeconds(2))
                .proxy("slack", "chat.postMessage", "T1", JsonObject.EMPTY_JSON_OBJECT));
        assertThat(error.getMessage(), is("Network error: connection refused"));
        assertThat(error.retryable(), is(true));
        assertThat(pauses, contains(Duration.ofMillis(200), Duration.ofMillis(400)));
    }

    @Test
    void aSlowAnswerIsNeverRetriedSoNothingIsPostedTwice() throws Exception {
        relay.script("POST " + PROXY, Scripted.delay(Duration.ofMillis(1500)));
        RelayClient impatient = client(relay.url(), Duration.ofMillis(300));
        RelayException error = failure(() -> impatient.proxy("slack", "chat.postMessage", "T1",
                                                             Json.createObjectBuilder().add("text", "once").build()));
        assertThat(error.kind(), is(RelayException.Kind.NETWORK));
        assertThat(error.retryable(), is(false));
        relay.await(PROXY, 1, Duration.ofSeconds(10));
        assertThat("the client gave up without a second try", relay.requests(PROXY).size(), is(1));
        assertThat(pauses.isEmpty(), is(true));
    }

    @Test
    void errorDisplay() {
        assertThat(RelayException.network("timeout", false).getMessage(), is("Network error: timeout"));
        assertThat(RelayException.api(401, "unauthorized").getMessage(), is("API error (HTTP 401): unauthorized"));
        assertThat(RelayException.protocol("x").getMessage(), is("Protocol error: x"));
    }
}
