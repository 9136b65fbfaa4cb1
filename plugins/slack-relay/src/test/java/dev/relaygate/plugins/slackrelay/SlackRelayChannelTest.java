package dev.relaygate.plugins.slackrelay;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.relaygate.api.ChannelEvent;
import dev.relaygate.api.Health;
import dev.relaygate.api.HmacSignature;
import dev.relaygate.api.Inbound;
import dev.relaygate.api.Rejection;
import dev.relaygate.api.Secret;
import dev.relaygate.api.SettingsException;
import dev.relaygate.api.SignedRequestVerifier;
import dev.relaygate.api.Verdict;
import dev.relaygate.api.WebhookRequest;
import dev.relaygate.api.spi.Channel;
import dev.relaygate.devrelay.DevRelay;
import dev.relaygate.devrelay.TestContext;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.sameInstance;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * The channel's ingress lifecycle, activation against a real (fake) relay, and secret rotation.
 */
class SlackRelayChannelTest {
    static final String SECRET_HEX = "0101010101010101010101010101010101010101010101010101010101010101";
    static final String BODY = """
            {"id":"evt_1","event_type":"message","provider":"slack","provider_scope":"T123","channel_id":"C456",\
            "sender_id":"U789","content":"hello"}""";

    private DevRelay relay;
    private final Background background = new Background();

    @AfterEach
    void stopRelay() {
        if (relay != null) {
            relay.close();
        }
    }

    static SlackRelayChannel channel(TestContext context) {
        return (SlackRelayChannel) new SlackRelayProvider().create(context);
    }

    private SlackRelayChannel waitable(TestContext context) {
        return SlackRelayProvider.create(context, background);
    }

    private static SlackRelayChannel channel(Map<String, String> settings) {
        return channel(TestContext.of(settings));
    }

    private TestContext relayContext(TestContext.TestClock clock, String... extra) {
        relay = DevRelay.builder().apiKey("sk-agent-test").clock(clock).build().start();
        Map<String, String> settings = new HashMap<>(Map.of("relay-url", relay.url().toString(), "api-key", "sk-agent-test"));
        for (int i = 0; i < extra.length; i += 2) {
            settings.put(extra[i], extra[i + 1]);
        }
        return TestContext.of(settings, clock);
    }

    static WebhookRequest signed(Secret secret, long now, String body) {
        String ts = Long.toString(now);
        return WebhookRequest.builder()
                .header("X-Relay-Timestamp", ts)
                .header("X-Relay-Signature", HmacSignature.hex("sha256=").sign(
                        secret, (ts + "." + body).getBytes(StandardCharsets.UTF_8)))
                .body(body)
                .build();
    }

    private static WebhookRequest signed(String body) {
        return signed(Secret.ofHex(SECRET_HEX), TestContext.NOW, body);
    }

    @Test
    void name() {
        assertThat(new SlackRelayProvider().type(), is("slack-relay"));
    }

    // relay-protocol.md 9.3 item 5, with a configured secret.
    @Test
    void lifecycle() {
        SlackRelayChannel channel = channel(Map.of("signing-secret", SECRET_HEX));
        WebhookRequest request = signed(BODY);
        assertThat("before activation", channel.verifier().verify(request), is(SlackRelayChannel.NOT_CONFIGURED));
        assertThat(channel.health().ready(), is(false));
        channel.start();
        assertThat("after activation", channel.verifier().verify(request), sameInstance(Verdict.ACCEPTED));
        assertThat(channel.health().ready(), is(true));
        channel.deactivate();
        assertThat("after removal", channel.verifier().verify(request), is(SlackRelayChannel.NOT_CONFIGURED));
    }

    @Test
    void deactivatedBetweenVerifyAndDecodeIsNotActive() {
        SlackRelayChannel channel = channel(Map.of("signing-secret", SECRET_HEX));
        channel.start();
        WebhookRequest request = signed(BODY);
        assertThat(channel.verifier().verify(request), sameInstance(Verdict.ACCEPTED));
        channel.deactivate();
        assertThat(channel.decode(request), is(SlackRelayChannel.NOT_ACTIVE));
    }

    @Test
    void invalidJsonComesBeforeNotActive() {
        SlackRelayChannel channel = channel(Map.of("signing-secret", SECRET_HEX)); // not started: not active
        assertThat(channel.decode(signed("{")), is(SlackRelayChannel.INVALID_JSON));
    }

    @Test
    void dropsEventsWithoutIdsAndCountsThem() {
        SlackRelayChannel channel = channel(Map.of("signing-secret", SECRET_HEX));
        channel.start();
        for (String missing : List.of("sender_id", "channel_id", "provider_scope")) {
            String body = BODY.replaceAll("\"" + missing + "\":\"[^\"]*\"", "\"" + missing + "\":\"\"");
            assertThat(channel.decode(signed(body)), is(Inbound.events(List.of())));
        }
        assertThat(channel.dropped(), is(3L));
        Inbound.Events events = (Inbound.Events) channel.decode(signed(BODY.replace("\"message\"", "\"reaction\"")));
        assertThat("other types reach the handler with their own type", events.events().getFirst().type(), is("reaction"));
    }

    @Test
    void activationFetchesTheSecretForTheConfiguredTeam() throws Exception {
        TestContext.TestClock clock = new TestContext.TestClock();
        SlackRelayChannel channel = channel(relayContext(clock, "team-id", "T0DEV"));
        assertThat(channel.health().reason(), containsString("not connected"));
        channel.start();
        assertThat(relay.requests("/relay/signing-secret").getFirst().query("team_id"), is(Optional.of("T0DEV")));
        assertThat(channel.verifier().verify(signed(Secret.ofHex(relay.signingSecretHex()), TestContext.NOW, BODY)),
                   sameInstance(Verdict.ACCEPTED));
        assertThat(channel.health(), is(Health.READY));
    }

    @Test
    void aFailedFetchLeavesTheChannelInactive() {
        TestContext.TestClock clock = new TestContext.TestClock();
        SlackRelayChannel channel = channel(relayContext(clock, "team-id", "T0DEV"));
        relay.script("GET /relay/signing-secret", DevRelay.Scripted.answer(500, "relay broke"));
        channel.start();
        assertThat(channel.verifier().verify(signed(Secret.ofHex(relay.signingSecretHex()), TestContext.NOW, BODY)),
                   is(SlackRelayChannel.NOT_CONFIGURED));
        assertThat(channel.health(), is(Health.down("relay error HTTP 500",
                                                    "Failed to fetch relay signing secret: API error (HTTP 500): relay broke")));
    }

    // /observe/health/ready is public; what the relay answers is for operators only.
    @Test
    void readinessNeverQuotesTheRelay() throws Exception {
        TestContext.TestClock clock = new TestContext.TestClock();
        TestContext context = relayContext(clock, "team-id", "T0DEV");
        SlackRelayChannel failed = waitable(context);
        String page = "<html>\n<script>alert(1)</script>\r\n" + "internal stack trace ".repeat(500) + "</html>";
        relay.script("GET /relay/signing-secret", DevRelay.Scripted.answer(500, page));
        failed.start();
        Health down = failed.health();
        assertThat(down.reason(), is("relay error HTTP 500"));
        String detail = down.detail().orElseThrow();
        assertThat(detail, startsWith("Failed to fetch relay signing secret: API error (HTTP 500): <html> <script>"));
        assertThat(detail.length(), lessThanOrEqualTo("Failed to fetch relay signing secret: API error (HTTP 500): ".length()
                                                              + RelayException.MAX_DETAIL + 1));
        assertThat(detail, not(containsString("\n")));

        SlackRelayChannel channel = waitable(context);
        channel.start();
        assertThat(channel.health(), is(Health.READY));
        relay.script("GET /connections", DevRelay.Scripted.answer(200, "{\"not\":\"a list\"}"));
        assertThat(relayCheck(channel, clock).reason(), is("relay protocol error"));
        relay.script("GET /connections", DevRelay.Scripted.answer(502, "bad gateway\nfrom the proxy"));
        Health bad = relayCheck(channel, clock);
        assertThat(bad.reason(), is("relay error HTTP 502"));
        assertThat(bad.detail(), is(Optional.of("relay not reachable: API error (HTTP 502): bad gateway from the proxy")));
        relay.close();
        assertThat(relayCheck(channel, clock).reason(), is("relay unreachable"));
    }

    private Health relayCheck(SlackRelayChannel channel, TestContext.TestClock clock) throws InterruptedException {
        clock.advance(SlackRelayChannel.RELAY_CHECK_INTERVAL.plusSeconds(1));
        channel.health();
        background.awaitIdle();
        return channel.health();
    }

    @Test
    void rotationIsAcceptedWithoutLosingEvents() throws Exception {
        TestContext.TestClock clock = new TestContext.TestClock();
        SlackRelayChannel channel = waitable(relayContext(clock, "team-id", "T0DEV"));
        channel.start();
        Secret first = Secret.ofHex(relay.signingSecretHex());
        clock.advance(Duration.ofSeconds(61));
        long now = clock.instant().getEpochSecond();

        relay.rotateSecret();
        Secret second = Secret.ofHex(relay.signingSecretHex());
        assertThat("the first request with the new secret starts a re-fetch and is refused at once",
                   channel.verifier().verify(signed(second, now, BODY)), is(SignedRequestVerifier.INVALID_SIGNATURE));
        background.awaitIdle();
        assertThat(relay.requests("/relay/signing-secret").size(), is(2));
        assertThat("once fetched, the new secret verifies", channel.verifier().verify(signed(second, now, BODY)),
                   sameInstance(Verdict.ACCEPTED));
        assertThat("the previous secret keeps working during the grace period",
                   channel.verifier().verify(signed(first, now, BODY)), sameInstance(Verdict.ACCEPTED));

        relay.rotateSecret();
        Secret third = Secret.ofHex(relay.signingSecretHex());
        assertThat("at most one fetch a minute", channel.verifier().verify(signed(third, now, BODY)),
                   is(SignedRequestVerifier.INVALID_SIGNATURE));
        background.awaitIdle();
        assertThat(relay.requests("/relay/signing-secret").size(), is(2));

        clock.advance(SigningKeys.GRACE.plusSeconds(1));
        now = clock.instant().getEpochSecond();
        assertThat(channel.verifier().verify(signed(third, now, BODY)), is(SignedRequestVerifier.INVALID_SIGNATURE));
        background.awaitIdle();
        assertThat(channel.verifier().verify(signed(third, now, BODY)), sameInstance(Verdict.ACCEPTED));
        assertThat("the first secret's grace is over", channel.verifier().verify(signed(first, now, BODY)),
                   is(SignedRequestVerifier.INVALID_SIGNATURE));
    }

    @Test
    void forgedSignaturesDoNotRotateAnything() throws Exception {
        TestContext.TestClock clock = new TestContext.TestClock();
        SlackRelayChannel channel = waitable(relayContext(clock, "team-id", "T0DEV"));
        channel.start();
        clock.advance(Duration.ofMinutes(2));
        long now = clock.instant().getEpochSecond();
        assertThat(channel.verifier().verify(signed(Secret.ofText("forged"), now, BODY)),
                   is(SignedRequestVerifier.INVALID_SIGNATURE));
        assertThat(channel.verifier().verify(signed(Secret.ofText("forged"), now, BODY)),
                   is(SignedRequestVerifier.INVALID_SIGNATURE));
        background.awaitIdle();
        assertThat("one re-fetch, then rate limited", relay.requests("/relay/signing-secret").size(), is(2));
        assertThat(background.started(), is(1));
        assertThat(channel.verifier().verify(signed(Secret.ofHex(relay.signingSecretHex()), now, BODY)),
                   sameInstance(Verdict.ACCEPTED));
    }

    // The re-fetch never runs on the request thread, so a forged request cannot make one wait for the relay.
    @Test
    void aForgedRequestIsRefusedWhileTheRelayIsStillAnswering() throws Exception {
        TestContext.TestClock clock = new TestContext.TestClock();
        SlackRelayChannel channel = waitable(relayContext(clock, "team-id", "T0DEV"));
        channel.start();
        clock.advance(Duration.ofMinutes(2));
        long now = clock.instant().getEpochSecond();
        relay.rotateSecret();
        Secret rotated = Secret.ofHex(relay.signingSecretHex());
        DevRelay.Hold hold = new DevRelay.Hold();
        relay.script("GET /relay/signing-secret", DevRelay.Scripted.hold(hold));
        try {
            Verdict forged = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> channel.verifier().verify(
                    signed(Secret.ofText("forged"), now, BODY)));
            assertThat(forged, is(SignedRequestVerifier.INVALID_SIGNATURE));
            hold.awaitArrival(Duration.ofSeconds(10));
            assertThat("the relay is still holding the secret", channel.verifier().verify(signed(rotated, now, BODY)),
                       is(SignedRequestVerifier.INVALID_SIGNATURE));
        } finally {
            hold.release();
        }
        background.awaitIdle();
        assertThat(channel.verifier().verify(signed(rotated, now, BODY)), sameInstance(Verdict.ACCEPTED));
    }

    @Test
    void readinessFollowsTheRelaysConnections() throws Exception {
        TestContext.TestClock clock = new TestContext.TestClock();
        SlackRelayChannel channel = waitable(relayContext(clock, "team-id", "T0DEV"));
        channel.start();
        assertThat(channel.health().ready(), is(true));
        assertThat(relay.requests("/connections").getFirst().query("instance_id"),
                   is(Optional.of("916180a7-0b43-5c08-b3c8-c738826880bb")));
        relay.connected(false);
        assertThat("cached: probes do not reach the relay", channel.health().ready(), is(true));
        assertThat(relay.requests("/connections").size(), is(1));
        assertThat(relayCheck(channel, clock).reason(), is("workspace T0DEV is disconnected at the relay"));
        assertThat(relay.requests("/connections").size(), is(2));
    }

    // A relay that serves several workspaces must not deliver another team's events into this channel.
    @Test
    void eventsOfAnotherTeamAreRefused() {
        SlackRelayChannel channel = channel(Map.of("signing-secret", SECRET_HEX, "team-id", "T123"));
        channel.start();
        assertThat(channel.decode(signed(BODY.replace("T123", "T999"))), is(SlackRelayChannel.TEAM_NOT_CONNECTED));
        assertThat(channel.decode(signed(BODY.replace("\"provider_scope\"", "\"team_id\"").replace("T123", "T999"))),
                   is(new Rejection(403, "team not connected")));
        assertThat(((Inbound.Events) channel.decode(signed(BODY))).events().size(), is(1));
        assertThat("no team: acknowledged and dropped as before",
                   channel.decode(signed(BODY.replace("\"provider_scope\":\"T123\",", ""))), is(Inbound.events(List.of())));

        SlackRelayChannel teamUnknown = channel(Map.of("signing-secret", SECRET_HEX));
        teamUnknown.start();
        assertThat(((Inbound.Events) teamUnknown.decode(signed(BODY.replace("T123", "T999")))).events().size(), is(1));
    }

    // Parsson refuses nesting deeper than 1000 with a plain RuntimeException.
    @Test
    void deeplyNestedBodiesAreInvalidJsonNotAnException() {
        SlackRelayChannel channel = channel(Map.of("signing-secret", SECRET_HEX));
        channel.start();
        String deep = "[".repeat(5000);
        assertThat(channel.decode(signed("{\"raw\":" + deep)), is(SlackRelayChannel.INVALID_JSON));
        assertThat(channel.decode(signed(BODY.replace("\"content\"", "\"raw\":" + deep + "]".repeat(5000) + ",\"content\""))),
                   is(SlackRelayChannel.INVALID_JSON));
        String text = "{\"ExecApproval\":" + deep;
        String body = jakarta.json.Json.createObjectBuilder().add("event_type", "direct_message").add("provider_scope", "T1")
                .add("channel_id", "D1").add("sender_id", "U1").add("content", text).build().toString();
        ChannelEvent event = ((Inbound.Events) channel.decode(signed(body))).events().getFirst();
        assertThat("a deep text is just a message", event.type(), is("direct_message"));
        assertThat(event.text(), is(text));
    }

    // The host runs the precheck before it reads the body.
    @Test
    void precheckRefusesWhatVerifyWouldWithoutTheBody() {
        SlackRelayChannel channel = channel(Map.of("signing-secret", SECRET_HEX));
        WebhookRequest headers = WebhookRequest.builder()
                .header("X-Relay-Timestamp", Long.toString(TestContext.NOW))
                .header("X-Relay-Signature", "sha256=" + "0".repeat(64))
                .build();
        assertThat("not active", channel.verifier().precheck(headers), is(Optional.of(SlackRelayChannel.NOT_CONFIGURED)));
        channel.start();
        assertThat("the signature needs the body", channel.verifier().precheck(headers), is(Optional.empty()));
        assertThat(channel.verifier().precheck(WebhookRequest.builder().build()),
                   is(Optional.of(SignedRequestVerifier.MISSING_SIGNATURE)));
        assertThat(channel.verifier().precheck(WebhookRequest.builder().header("X-Relay-Signature", "sha256=0").build()),
                   is(Optional.of(SignedRequestVerifier.MISSING_TIMESTAMP)));
        assertThat(channel.verifier().precheck(WebhookRequest.builder().header("X-Relay-Signature", "sha256=0")
                                                       .header("X-Relay-Timestamp", "1.5").build()),
                   is(Optional.of(SignedRequestVerifier.MALFORMED_TIMESTAMP)));
        assertThat(channel.verifier().precheck(WebhookRequest.builder().header("X-Relay-Signature", "sha256=0")
                                                       .header("X-Relay-Timestamp", Long.toString(TestContext.NOW - 301))
                                                       .build()),
                   is(Optional.of(SignedRequestVerifier.STALE_TIMESTAMP)));
    }

    @Test
    void settingsAreValidated() {
        Map<String, String> settings = new HashMap<>();
        settings.put("team-id", "X123");
        assertThat(assertThrows(SettingsException.class, () -> channel(settings)).getMessage(),
                   is("relaygate.channels.slack.team-id: expected 'T' and up to 20 letters or digits, got 'X123'; "
                              + "relaygate.channels.slack.relay-url: required unless signing-secret is set "
                              + "(env CHANNEL_RELAY_URL)"));
        settings.put("team-id", "T123");
        settings.put("relay-url", "https://relay.test");
        settings.put("api-key", "sk-agent-1");
        settings.put("path", "relay");
        assertThat(assertThrows(SettingsException.class, () -> channel(settings)).getMessage(),
                   is("relaygate.channels.slack.path: must start with '/', got 'relay'"));
        settings.remove("path");
        settings.put("signing-secret", SECRET_HEX.substring(2));
        String message = assertThrows(SettingsException.class, () -> channel(settings)).getMessage();
        assertThat(message, is("relaygate.channels.slack.signing-secret: expected 64 hex characters (32 bytes), got 62 characters"));
        assertThat(message, not(containsString("0101")));
    }

    // The api key travels in every relay call.
    @Test
    void plainHttpOnlyToThisMachine() {
        for (String url : List.of("http://localhost:3001", "http://LOCALHOST", "http://127.0.0.1:8081/", "http://127.255.0.9",
                                  "http://[::1]:3001", "https://relay.test")) {
            assertThat(url, relaySettings(url).relayUrl().isPresent(), is(true));
        }
        for (String url : List.of("http://relay.test", "http://10.0.0.1", "http://127.0.0.1.example", "http://128.0.0.1",
                                  "http://[::2]", "http://localhost.example")) {
            SettingsException e = assertThrows(SettingsException.class, () -> relaySettings(url));
            assertThat(url, e.getMessage(), is("relaygate.channels.slack.relay-url: must be https unless the host is loopback "
                                                       + "(localhost, 127.0.0.0/8, [::1])"));
        }
    }

    @Test
    void loopbackIsDecidedFromTheTextAlone() {
        for (String host : List.of("localhost", "127.0.0.1", "127.1.2.3", "[::1]", "[0:0:0:0:0:0:0:1]", "[::ffff:127.0.0.1]")) {
            assertThat(host, RelaySettings.isLoopback(host), is(true));
        }
        for (String host : List.of("127.0.0.256", "127.1", "0177.0.0.1", "0x7f.0.0.1", "2130706433", "localhost.", "[::]",
                                   "[fe80::1]", "[localhost]", "relay.test")) {
            assertThat(host, RelaySettings.isLoopback(host), is(false));
        }
    }

    private static RelaySettings relaySettings(String url) {
        return RelaySettings.from(TestContext.of(Map.of("relay-url", url, "api-key", "sk-agent-1")).settings());
    }

    // check-config names every bad key of a channel, not just the first.
    @Test
    void everyProblemOfAChannelAtOnce() {
        Map<String, String> settings = Map.of("path", "relay", "callback-path", "callback", "relay-url", "http://relay.test",
                                              "team-id", "X1", "signing-secret", "abc", "request-timeout", "30 seconds",
                                              "tolerance", "-PT1M");
        SettingsException e = assertThrows(SettingsException.class, () -> channel(settings));
        assertThat(e.problems().stream().map(Throwable::getMessage).toList(), is(List.of(
                "relaygate.channels.slack.path: must start with '/', got 'relay'",
                "relaygate.channels.slack.callback-path: must start with '/', got 'callback'",
                "relaygate.channels.slack.relay-url: must be https unless the host is loopback (localhost, 127.0.0.0/8, [::1])",
                "relaygate.channels.slack.team-id: expected 'T' and up to 20 letters or digits, got 'X1'",
                "relaygate.channels.slack.signing-secret: expected 64 hex characters (32 bytes), got 3 characters",
                "relaygate.channels.slack.request-timeout: expected an ISO-8601 duration such as PT30S, got '30 seconds'",
                "relaygate.channels.slack.tolerance: must not be negative, got '-PT1M'")));
        assertThat("a bad relay-url is not also reported as needing an api-key",
                   e.getMessage(), not(containsString("api-key")));

        SettingsException crossKeys = assertThrows(SettingsException.class, () -> channel(
                Map.of("api-key", "sk-agent-1", "request-timeout", "soon", "callback-path", "/relay/events")));
        assertThat(crossKeys.problems().stream().map(Throwable::getMessage).toList(), is(List.of(
                "relaygate.channels.slack.request-timeout: expected an ISO-8601 duration such as PT30S, got 'soon'",
                "relaygate.channels.slack.callback-path: must differ from path, both are '/relay/events'",
                "relaygate.channels.slack.relay-url: required when api-key is set")));
    }

    @Test
    void settingsNeverShowSecrets() {
        RelaySettings settings = RelaySettings.from(TestContext.of(Map.of("relay-url", "https://relay.test:3001/",
                                                                          "api-key", "sk-agent-1",
                                                                          "signing-secret", SECRET_HEX)).settings());
        assertThat(settings.relayUrl().orElseThrow().toString(), is("https://relay.test:3001"));
        assertThat(settings.callbackPath(), is("/oauth/slack/callback"));
        assertThat(settings.toString(), not(containsString("sk-agent-1")));
        assertThat(settings.toString(), not(containsString("0101")));
        Channel channel = channel(TestContext.of(Map.of("signing-secret", SECRET_HEX)));
        assertThat(channel.toString(), not(containsString("0101")));
    }

    @Test
    void messageTypes() {
        for (String type : new String[] {"message", "direct_message", "mention"}) {
            assertThat(ChannelEvent.of("", "c", type, "", "", "", Optional.empty(), "", "", "", "",
                                       java.time.Instant.EPOCH).isMessage(), is(true));
        }
    }
}
