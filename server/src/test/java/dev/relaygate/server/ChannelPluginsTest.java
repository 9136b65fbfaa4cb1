package dev.relaygate.server;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Signature;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

import io.helidon.webclient.http1.Http1ClientResponse;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.relaygate.api.ChannelEvent;
import dev.relaygate.api.HmacSignature;
import dev.relaygate.api.Secret;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * The channel plugins as users install them: their jars in a plugins folder (not on the class path), one channel of
 * each type in YAML, and one signed event through each to the handler.
 */
class ChannelPluginsTest {
    @TempDir
    Path dir;

    @Test
    void everyPluginJarTakesOneSignedEvent() throws Exception {
        PluginChannels.install(dir);
        KeyPair discord = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        try (TestGateway gw = TestGateway.start(dir, """
                channels:
                  slack:
                    enabled: false
                %s""".formatted(PluginChannels.channels(discord)))) {
            String github = "{\"action\":\"opened\",\"repository\":{\"full_name\":\"acme/web\",\"owner\":{\"login\":\"acme\"}}}";
            assertOk(gw.post("/github/events", github, "X-GitHub-Event", "issues", "X-GitHub-Delivery", "d-1",
                             "X-Hub-Signature-256", HmacSignature.hex("sha256=").sign(Secret.ofText(PluginChannels.GITHUB_SECRET),
                                                                                       github.getBytes(StandardCharsets.UTF_8))));
            String hook = "{\"type\":\"invoice.paid\"}";
            String ts = Long.toString(TestGateway.NOW);
            String signature = HmacSignature.base64("v1,").sign(Secret.ofStandardWebhooks(PluginChannels.WHSEC),
                                                                ("msg_1." + ts + "." + hook).getBytes(StandardCharsets.UTF_8));
            assertOk(gw.post("/hooks/events", hook, "webhook-id", "msg_1", "webhook-timestamp", ts,
                             "webhook-signature", "v2,unknown " + signature));
            String update = "{\"update_id\":77,\"message\":{\"chat\":{\"id\":5,\"type\":\"private\"},\"from\":{\"id\":5},"
                    + "\"text\":\"hi\"}}";
            assertOk(gw.post("/telegram/updates", update, "X-Telegram-Bot-Api-Secret-Token", PluginChannels.TELEGRAM_TOKEN));
            try (Http1ClientResponse forged = gw.post("/telegram/updates", update, "X-Telegram-Bot-Api-Secret-Token", "nope")) {
                assertThat(forged.status().code(), is(401));
            }

            String interaction = "{\"id\":\"i-9\",\"type\":2,\"channel_id\":\"C1\",\"data\":{\"name\":\"deploy\"}}";
            Signature signer = Signature.getInstance("Ed25519");
            signer.initSign(discord.getPrivate());
            signer.update((ts + interaction).getBytes(StandardCharsets.UTF_8));
            try (Http1ClientResponse deferred = gw.post("/discord/interactions", interaction, "X-Signature-Timestamp", ts,
                                                        "X-Signature-Ed25519", HexFormat.of().formatHex(signer.sign()))) {
                assertThat(deferred.as(String.class), is("{\"type\":5}"));
            }
            try (Http1ClientResponse probe = gw.post("/discord/interactions", interaction, "X-Signature-Timestamp", ts,
                                                     "X-Signature-Ed25519", "00".repeat(64))) {
                assertThat(probe.status().code(), is(401));
            }

            String slack = "{\"type\":\"event_callback\",\"team_id\":\"T1\",\"event_id\":\"Ev1\",\"event\":"
                    + "{\"type\":\"app_mention\",\"channel\":\"C1\",\"user\":\"U1\",\"text\":\"hi\",\"ts\":\"1.2\"}}";
            assertOk(gw.post("/slack/events", slack, "X-Slack-Request-Timestamp", ts, "X-Slack-Signature",
                             HmacSignature.hex("v0=").sign(Secret.ofText(PluginChannels.SLACK_SECRET),
                                                           ("v0:" + ts + ":" + slack).getBytes(StandardCharsets.UTF_8))));

            Map<String, ChannelEvent> byChannel = new HashMap<>();
            for (int i = 0; i < 5; i++) {
                ChannelEvent event = gw.recorder.next();
                byChannel.put(event.channel(), event);
            }
            // GitHub signs only the body: the event id is its SHA-256, never the unsigned delivery header.
            assertThat(byChannel.get("gh").id(), is(HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-256").digest(github.getBytes(StandardCharsets.UTF_8)))));
            assertThat(byChannel.get("gh").type(), is("issues"));
            assertThat(byChannel.get("hooks").id(), is("msg_1"));
            assertThat(byChannel.get("hooks").type(), is("invoice.paid"));
            assertThat(byChannel.get("tg").id(), is("77"));
            assertThat(byChannel.get("tg").type(), is(ChannelEvent.DIRECT_MESSAGE));
            assertThat(byChannel.get("discord").id(), is("i-9"));
            assertThat(byChannel.get("discord").text(), is("/deploy"));
            assertThat(byChannel.get("slack-direct").id(), is("Ev1"));
            assertThat(byChannel.get("slack-direct").type(), is(ChannelEvent.MENTION));
        }
    }

    private static void assertOk(Http1ClientResponse response) {
        try (response) {
            assertThat(response.as(String.class), is("{\"ok\":true}"));
        }
    }
}
