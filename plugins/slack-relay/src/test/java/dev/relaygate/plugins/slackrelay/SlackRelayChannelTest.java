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
import dev.relaygate.api.HmacSignature;
import dev.relaygate.api.Inbound;
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
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.sameInstance;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The channel's ingress lifecycle, activation against a real (fake) relay, and secret rotation.
 */
class SlackRelayChannelTest {
    static final String SECRET_HEX = "0101010101010101010101010101010101010101010101010101010101010101";
    static final String BODY = """
            {"id":"evt_1","event_type":"message","provider":"slack","provider_scope":"T123","channel_id":"C456",\
            "sender_id":"U789","content":"hello"}""";

    private DevRelay relay;

    @AfterEach
    void stopRelay() {
        if (relay != null) {
            relay.close();
        }
    }

    static SlackRelayChannel channel(TestContext context) {
        return (SlackRelayChannel) new SlackRelayProvider().create(context);
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
        assertThat(channel.health(), is(dev.relaygate.api.Health.READY));
    }

    @Test
    void aFailedFetchLeavesTheChannelInactive() {
        TestContext.TestClock clock = new TestContext.TestClock();
        SlackRelayChannel channel = channel(relayContext(clock, "team-id", "T0DEV"));
        relay.script("GET /relay/signing-secret", DevRelay.Scripted.answer(500, "relay broke"));
        channel.start();
        assertThat(channel.verifier().verify(signed(Secret.ofHex(relay.signingSecretHex()), TestContext.NOW, BODY)),
                   is(SlackRelayChannel.NOT_CONFIGURED));
        assertThat(channel.health().reason(),
                   is("Failed to fetch relay signing secret: API error (HTTP 500): relay broke"));
    }

    @Test
    void rotationIsAcceptedWithoutLosingEvents() {
        TestContext.TestClock clock = new TestContext.TestClock();
        SlackRelayChannel channel = channel(relayContext(clock, "team-id", "T0DEV"));
        channel.start();
        Secret first = Secret.ofHex(relay.signingSecretHex());
        clock.advance(Duration.ofSeconds(61));
        long now = clock.instant().getEpochSecond();

        relay.rotateSecret();
        Secret second = Secret.ofHex(relay.signingSecretHex());
        assertThat("signed with the new secret: re-fetched and accepted",
                   channel.verifier().verify(signed(second, now, BODY)), sameInstance(Verdict.ACCEPTED));
        assertThat(relay.requests("/relay/signing-secret").size(), is(2));
        assertThat("the previous secret keeps working during the grace period",
                   channel.verifier().verify(signed(first, now, BODY)), sameInstance(Verdict.ACCEPTED));

        relay.rotateSecret();
        Secret third = Secret.ofHex(relay.signingSecretHex());
        assertThat("at most one fetch a minute", channel.verifier().verify(signed(third, now, BODY)),
                   is(SignedRequestVerifier.INVALID_SIGNATURE));
        assertThat(relay.requests("/relay/signing-secret").size(), is(2));

        clock.advance(SigningKeys.GRACE.plusSeconds(1));
        now = clock.instant().getEpochSecond();
        assertThat(channel.verifier().verify(signed(third, now, BODY)), sameInstance(Verdict.ACCEPTED));
        assertThat("the first secret's grace is over", channel.verifier().verify(signed(first, now, BODY)),
                   is(SignedRequestVerifier.INVALID_SIGNATURE));
    }

    @Test
    void forgedSignaturesDoNotRotateAnything() {
        TestContext.TestClock clock = new TestContext.TestClock();
        SlackRelayChannel channel = channel(relayContext(clock, "team-id", "T0DEV"));
        channel.start();
        clock.advance(Duration.ofMinutes(2));
        long now = clock.instant().getEpochSecond();
        assertThat(channel.verifier().verify(signed(Secret.ofText("forged"), now, BODY)),
                   is(SignedRequestVerifier.INVALID_SIGNATURE));
        assertThat(channel.verifier().verify(signed(Secret.ofText("forged"), now, BODY)),
                   is(SignedRequestVerifier.INVALID_SIGNATURE));
        assertThat("one re-fetch, then rate limited", relay.requests("/relay/signing-secret").size(), is(2));
        assertThat(channel.verifier().verify(signed(Secret.ofHex(relay.signingSecretHex()), now, BODY)),
                   sameInstance(Verdict.ACCEPTED));
    }

    @Test
    void readinessFollowsTheRelaysConnections() throws Exception {
        TestContext.TestClock clock = new TestContext.TestClock();
        SlackRelayChannel channel = channel(relayContext(clock, "team-id", "T0DEV"));
        channel.start();
        assertThat(channel.health().ready(), is(true));
        assertThat(relay.requests("/connections").getFirst().query("instance_id"),
                   is(Optional.of("916180a7-0b43-5c08-b3c8-c738826880bb")));
        relay.connected(false);
        assertThat("cached: probes do not reach the relay", channel.health().ready(), is(true));
        assertThat(relay.requests("/connections").size(), is(1));
        clock.advance(SlackRelayChannel.RELAY_CHECK_INTERVAL.plusSeconds(1));
        channel.health();
        relay.await("/connections", 2, Duration.ofSeconds(10));
        assertThat(eventually(() -> channel.health().reason()), is("workspace T0DEV is disconnected at the relay"));
    }

    static String eventually(java.util.function.Supplier<String> reason) throws InterruptedException {
        // The refresh runs on its own thread after the request was recorded; give it a bounded moment.
        String last = reason.get();
        for (int i = 0; i < 500 && last.equals("ready"); i++) {
            Thread.sleep(10);
            last = reason.get();
        }
        return last;
    }

    @Test
    void settingsAreValidated() {
        Map<String, String> settings = new HashMap<>();
        settings.put("team-id", "X123");
        assertThat(assertThrows(SettingsException.class, () -> channel(settings)).getMessage(),
                   is("relaygate.channels.slack.team-id: expected 'T' and up to 20 letters or digits, got 'X123'"));
        settings.put("team-id", "T123");
        settings.put("path", "relay");
        assertThat(assertThrows(SettingsException.class, () -> channel(settings)).getMessage(),
                   is("relaygate.channels.slack.path: must start with '/', got 'relay'"));
        settings.remove("path");
        settings.put("signing-secret", SECRET_HEX.substring(2));
        String message = assertThrows(SettingsException.class, () -> channel(settings)).getMessage();
        assertThat(message, is("relaygate.channels.slack.signing-secret: expected 64 hex characters (32 bytes), got 62 characters"));
        assertThat(message, not(containsString("0101")));
    }

    @Test
    void settingsNeverShowSecrets() {
        RelaySettings settings = RelaySettings.from(TestContext.of(Map.of("relay-url", "http://relay.test:3001/",
                                                                          "api-key", "sk-agent-1",
                                                                          "signing-secret", SECRET_HEX)).settings());
        assertThat(settings.relayUrl().orElseThrow().toString(), is("http://relay.test:3001"));
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
