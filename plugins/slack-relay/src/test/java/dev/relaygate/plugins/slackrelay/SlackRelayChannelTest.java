package dev.relaygate.plugins.slackrelay;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.relaygate.api.HmacSignature;
import dev.relaygate.api.Inbound;
import dev.relaygate.api.Secret;
import dev.relaygate.api.SettingsException;
import dev.relaygate.api.Verdict;
import dev.relaygate.api.WebhookRequest;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.sameInstance;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SlackRelayChannelTest {
    private static final String SECRET_HEX = "0101010101010101010101010101010101010101010101010101010101010101";
    private static final String BODY = """
            {"id":"evt_1","event_type":"message","provider":"slack","provider_scope":"T123","channel_id":"C456",\
            "sender_id":"U789","content":"hello"}""";

    private static SlackRelayChannel channel(Map<String, String> settings) {
        return new SlackRelayChannel(RelaySettings.from(TestContext.of(settings).settings()), TestContext.of(settings));
    }

    private static WebhookRequest signed(String body) {
        String ts = Long.toString(TestContext.NOW);
        return WebhookRequest.builder()
                .header("X-Relay-Timestamp", ts)
                .header("X-Relay-Signature", HmacSignature.hex("sha256=").sign(
                        Secret.ofHex(SECRET_HEX), (ts + "." + body).getBytes(StandardCharsets.UTF_8)))
                .body(body)
                .build();
    }

    @Test
    void name() {
        assertThat(new SlackRelayProvider().type(), is("slack-relay"));
    }

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
        SlackRelayChannel channel = channel(Map.of());
        assertThat(channel.decode(signed("{")), is(SlackRelayChannel.INVALID_JSON));
    }

    @Test
    void dropsEventsWithoutIdsAndCountsThem() {
        SlackRelayChannel channel = channel(Map.of("signing-secret", SECRET_HEX));
        channel.start();
        for (String missing : List.of("sender_id", "channel_id", "provider_scope")) {
            String body = BODY.replaceAll("\"" + missing + "\":\"[^\"]*\"", "\"" + missing + "\":\"\"");
            Inbound inbound = channel.decode(signed(body));
            assertThat(inbound, is(Inbound.events(List.of())));
        }
        assertThat(channel.dropped(), is(3L));
        Inbound.Events events = (Inbound.Events) channel.decode(signed(BODY.replace("\"message\"", "\"reaction\"")));
        assertThat("other types reach the handler with their own type", events.events().getFirst().type(), is("reaction"));
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
    void relayUrlLosesItsTrailingSlash() {
        RelaySettings settings = RelaySettings.from(TestContext.of(Map.of("relay-url", "http://relay.test:3001/",
                                                                          "api-key", "sk-agent-1")).settings());
        assertThat(settings.relayUrl().orElseThrow().toString(), is("http://relay.test:3001"));
        assertThat(settings.apiKey().orElseThrow().toString(), is("[REDACTED]"));
        assertThat(settings.toString(), not(containsString("sk-agent-1")));
    }
}
