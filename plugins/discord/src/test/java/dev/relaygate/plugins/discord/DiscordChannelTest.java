package dev.relaygate.plugins.discord;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.relaygate.api.ChannelEvent;
import dev.relaygate.api.ChannelException;
import dev.relaygate.api.Ed25519;
import dev.relaygate.api.Inbound;
import dev.relaygate.api.OutboundMessage;
import dev.relaygate.api.SettingsException;
import dev.relaygate.api.Verdict;
import dev.relaygate.api.WebhookRequest;
import dev.relaygate.api.spi.Channel;
import dev.relaygate.devrelay.FakeProviders;
import dev.relaygate.devrelay.TestContext;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Discord's contract: 401 for every bad signature, PONG for PING. The RFC 8032 vectors are in the api's Ed25519Test;
 * here an application key pair signs like Discord does.
 */
class DiscordChannelTest {
    private static KeyPair pair;
    private static String publicKeyHex;

    @BeforeAll
    static void keys() throws Exception {
        pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        byte[] encoded = pair.getPublic().getEncoded();
        publicKeyHex = HexFormat.of().formatHex(Arrays.copyOfRange(encoded, encoded.length - 32, encoded.length));
    }

    private static Channel channel() {
        return new DiscordProvider().create(TestContext.of("discord", Map.of("public-key", publicKeyHex), TestContext.CLOCK));
    }

    static String sign(String timestamp, String body) throws Exception {
        Signature signer = Signature.getInstance("Ed25519");
        signer.initSign(pair.getPrivate());
        signer.update((timestamp + body).getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(signer.sign());
    }

    private static WebhookRequest request(String timestamp, String signature, String body) {
        return WebhookRequest.builder().header("X-Signature-Timestamp", timestamp).header("X-Signature-Ed25519", signature)
                .body(body.getBytes(StandardCharsets.UTF_8)).receivedAt(TestContext.CLOCK.instant()).build();
    }

    @Test
    void everyBadSignatureIs401() throws Exception {
        String ts = Long.toString(TestContext.NOW);
        String body = "{\"type\":1}";
        assertThat(channel().verifier().verify(request(ts, sign(ts, body), body)), is(Verdict.ACCEPTED));
        assertThat(channel().verifier().verify(request(ts, sign(ts, body), body + " ")), is(DiscordVerifier.INVALID));
        assertThat(channel().verifier().verify(request(ts, "00" + sign(ts, body).substring(2), body)),
                   is(DiscordVerifier.INVALID));
        assertThat(channel().verifier().verify(request(ts, "not hex", body)), is(DiscordVerifier.INVALID));
        String old = Long.toString(TestContext.NOW - 301);
        assertThat(channel().verifier().verify(request(old, sign(old, body), body)), is(DiscordVerifier.INVALID));
        assertThat(channel().verifier().verify(WebhookRequest.builder().body(body).build()), is(DiscordVerifier.INVALID));
        assertThat(DiscordVerifier.INVALID.status(), is(401));
    }

    // RFC 8032 section 7.1, TEST 1 and TEST 2, through the key parsing and the check this plugin uses.
    @Test
    void rfc8032Vectors() {
        String key1 = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
        String signature1 = "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd2"
                + "5bf5f0595bbe24655141438e7a100b";
        String key2 = "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c";
        String signature2 = "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c"
                + "387b2eaeb4302aeeb00d291612bb0c00";
        assertThat(new DiscordProvider().create(TestContext.of("discord", Map.of("public-key", key2), TestContext.CLOCK))
                           .path(), is("/discord/interactions"));
        assertThat(Ed25519.publicKeyHex(key1).verify(signature1), is(true));
        assertThat(Ed25519.publicKeyHex(key2).verify(signature2, new byte[] {0x72}), is(true));
        assertThat(Ed25519.publicKeyHex(key2).verify(signature2, new byte[] {0x73}), is(false));
    }

    @Test
    void pingIsAnsweredWithPong() {
        Inbound.Events events = (Inbound.Events) channel().decode(request("1", "x", "{\"type\":1}"));
        assertThat(events.events().isEmpty(), is(true));
        assertThat(new String(events.answer().orElseThrow().body(), StandardCharsets.UTF_8), is("{\"type\":1}"));
    }

    @Test
    void aCommandIsStoredAndDeferred() {
        String body = """
                {"id":"1187","type":2,"guild_id":"G1","channel_id":"C9","member":{"user":{"id":"U7","username":"ann"}},\
                "data":{"name":"deploy"}}""";
        Inbound.Events events = (Inbound.Events) channel().decode(request("1", "x", body));
        ChannelEvent event = events.events().getFirst();
        assertThat(event.id(), is("1187"));
        assertThat(event.type(), is("command"));
        assertThat(event.scope(), is("G1"));
        assertThat(event.conversation(), is("C9"));
        assertThat(event.senderName(), is("ann"));
        assertThat(event.text(), is("/deploy"));
        assertThat(new String(events.answer().orElseThrow().body(), StandardCharsets.UTF_8), is("{\"type\":5}"));
        assertThat(channel().decode(request("1", "x", "{}")), is(DiscordChannel.INVALID_JSON));
        assertThat(assertThrows(SettingsException.class, () -> new DiscordProvider().create(
                TestContext.of("discord", Map.of("public-key", "abcd"), TestContext.CLOCK))).getMessage(),
                   is("relaygate.channels.discord.public-key: expected 64 hex characters (32 bytes), got 4 characters"));
    }

    @Test
    void thePrecheckRefusesWhatNeedsNoBodyAsVerifyDoes() throws Exception {
        String ts = Long.toString(TestContext.NOW);
        String stale = Long.toString(TestContext.NOW - 301);
        String future = Long.toString(TestContext.NOW + 301);
        List<WebhookRequest> refused = List.of(
                WebhookRequest.builder().build(),
                WebhookRequest.builder().header("X-Signature-Timestamp", ts).build(),
                WebhookRequest.builder().header("X-Signature-Ed25519", sign(ts, "")).build(),
                request(stale, sign(stale, ""), ""),
                request(future, sign(future, ""), ""),
                request("not a number", sign(ts, ""), ""));
        for (WebhookRequest headers : refused) {
            assertThat(channel().verifier().precheck(headers), is(Optional.of(DiscordVerifier.INVALID)));
            assertThat(channel().verifier().verify(headers), is(DiscordVerifier.INVALID));
        }
        String body = "{\"type\":1}";
        assertThat("a signature needs the body", channel().verifier().precheck(request(ts, "00", "")), is(Optional.empty()));
        assertThat(channel().verifier().precheck(request(ts, sign(ts, body), "")), is(Optional.empty()));
        assertThat(channel().verifier().verify(request(ts, sign(ts, body), body)), is(Verdict.ACCEPTED));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"type\":", "{\"type\":1} trailing", "{\"type\":1}{}", "[{\"type\":1}]", "{\"type\":1e999999999}",
            "{\"type\":-1e999999999}", "{\"type\":1e-999999999}", "{\"type\":1.5}", "{\"type\":\"1\"}", ""})
    void verifiedBodiesWithoutOneWholeTypeAre400(String body) throws Exception {
        String deep = body.equals("{\"type\":") ? body + "[".repeat(5000) : body;
        String ts = Long.toString(TestContext.NOW);
        WebhookRequest request = request(ts, sign(ts, deep), deep);
        assertThat(channel().verifier().verify(request), is(Verdict.ACCEPTED));
        assertThat(channel().decode(request), is(DiscordChannel.INVALID_JSON));
    }

    @Test
    void aTypeIsNeverWrappedOrExpanded() {
        assertThat(channel().decode(request("1", "x", "{\"type\":" + "9".repeat(400) + "}")), is(DiscordChannel.INVALID_JSON));
        Inbound.Events wrapped = (Inbound.Events) channel().decode(request("1", "x", "{\"id\":\"9\",\"type\":4294967297}"));
        assertThat("2^32 + 1 is not PING", wrapped.events().getFirst().type(), is("interaction"));
        assertThat(new String(wrapped.answer().orElseThrow().body(), StandardCharsets.UTF_8), is("{\"type\":5}"));
    }

    @Test
    void everyBadKeyIsReportedAtOnce() {
        SettingsException e = assertThrows(SettingsException.class, () -> new DiscordProvider().create(
                TestContext.of("discord", Map.of("path", "discord", "public-key", "abcd"), TestContext.CLOCK)));
        assertThat(e.problems().stream().map(SettingsException::getMessage).toList(), is(List.of(
                "relaygate.channels.discord.path: must start with '/', got 'discord'",
                "relaygate.channels.discord.public-key: expected 64 hex characters (32 bytes), got 4 characters")));
        SettingsException missing = assertThrows(SettingsException.class, () -> new DiscordProvider().create(
                TestContext.of("discord", Map.of("path", "discord"), TestContext.CLOCK)));
        assertThat(missing.problems().stream().map(SettingsException::getMessage).toList(), is(List.of(
                "relaygate.channels.discord.path: must start with '/', got 'discord'",
                "relaygate.channels.discord.public-key: required")));
    }

    @Test
    void afterFifteenMinutesARepliesGoesToTheChannelWithTheBotToken() throws Exception {
        try (FakeProviders fake = FakeProviders.builder().discordBotToken("bot-secret").build().start()) {
            TestContext.TestClock clock = new TestContext.TestClock();
            Map<String, String> settings = Map.of("public-key", publicKeyHex, "application-id", "42",
                                                  "bot-token", "bot-secret", "api-url", fake.discordUrl().toString());
            Channel channel = new DiscordProvider().create(TestContext.of("discord", settings, clock));
            String body = "{\"id\":\"i-1\",\"type\":2,\"token\":\"tok-1\",\"channel_id\":\"C5\",\"data\":{\"name\":\"x\"}}";
            ChannelEvent event = ((Inbound.Events) channel.decode(WebhookRequest.builder()
                    .body(body.getBytes(StandardCharsets.UTF_8)).receivedAt(clock.instant()).build())).events().getFirst();

            clock.advance(Duration.ofMinutes(14));
            channel.send(OutboundMessage.reply(event, "in time"));
            assertThat(fake.await("discord edit-original", 1, Duration.ofSeconds(5)).path(),
                       is("/discord/api/v10/webhooks/42/tok-1/messages/@original"));

            clock.advance(Duration.ofMinutes(1));
            channel.send(OutboundMessage.reply(event, "too late for the token"));
            FakeProviders.Call late = fake.await("discord create-message", 1, Duration.ofSeconds(5));
            assertThat(late.path(), is("/discord/api/v10/channels/C5/messages"));
            assertThat(late.header("Authorization"), is(Optional.of("Bot bot-secret")));

            Channel withoutBot = new DiscordProvider().create(TestContext.of("discord", Map.of(
                    "public-key", publicKeyHex, "application-id", "42", "api-url", fake.discordUrl().toString()), clock));
            assertThat(assertThrows(ChannelException.class, () -> withoutBot.send(OutboundMessage.reply(event, "x")))
                               .getMessage(), is("the discord channel discord cannot post to channel C5 without a bot "
                                                         + "token: set relaygate.channels.discord.bot-token (replies to an "
                                                         + "interaction within 15 minutes need only application-id)"));
        }
    }
}
