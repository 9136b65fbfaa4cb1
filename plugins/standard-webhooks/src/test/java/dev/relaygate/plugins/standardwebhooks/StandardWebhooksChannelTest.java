package dev.relaygate.plugins.standardwebhooks;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.relaygate.api.ChannelEvent;
import dev.relaygate.api.HmacSignature;
import dev.relaygate.api.Inbound;
import dev.relaygate.api.Secret;
import dev.relaygate.api.SettingsException;
import dev.relaygate.api.SignedRequestVerifier;
import dev.relaygate.api.Verdict;
import dev.relaygate.api.WebhookRequest;
import dev.relaygate.api.spi.Channel;
import dev.relaygate.devrelay.TestContext;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

class StandardWebhooksChannelTest {
    // The specification's published example.
    private static final String KEY = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static final String ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private static final long TS = 1614265330;
    private static final String BODY = "{\"test\": 2432232314}";
    private static final String SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
    private static final String OTHER_KEY = "whsec_" + java.util.Base64.getEncoder().encodeToString(new byte[24]);

    private static Channel channel(String secrets, long now) {
        return new StandardWebhooksProvider().create(TestContext.of("hooks", Map.of("secrets", secrets),
                                                                    Clock.fixed(Instant.ofEpochSecond(now), ZoneOffset.UTC)));
    }

    private static WebhookRequest request(String signature, long timestamp, String body) {
        return WebhookRequest.builder()
                .header("webhook-id", ID)
                .header("webhook-timestamp", Long.toString(timestamp))
                .header("webhook-signature", signature)
                .body(body.getBytes(StandardCharsets.UTF_8))
                .receivedAt(Instant.ofEpochSecond(TS))
                .build();
    }

    @Test
    void publishedVector() {
        assertThat(channel(KEY, TS).verifier().verify(request(SIGNATURE, TS, BODY)), is(Verdict.ACCEPTED));
        assertThat(channel(KEY, TS).verifier().verify(request(SIGNATURE, TS, BODY + " ")),
                   is(SignedRequestVerifier.INVALID_SIGNATURE));
    }

    @Test
    void aListWithUnknownVersionsAndSeveralKeys() {
        String list = "v2,ignored v1,bm90LXRoaXM= " + SIGNATURE;
        assertThat(channel(KEY, TS).verifier().verify(request(list, TS, BODY)), is(Verdict.ACCEPTED));
        assertThat("rotation: any configured key", channel(OTHER_KEY + "," + KEY, TS).verifier()
                .verify(request(SIGNATURE, TS, BODY)), is(Verdict.ACCEPTED));
        assertThat(channel(OTHER_KEY, TS).verifier().verify(request(SIGNATURE, TS, BODY)),
                   is(SignedRequestVerifier.INVALID_SIGNATURE));
        assertThat(channel(KEY, TS).verifier().verify(request("v2," + SIGNATURE.substring(3), TS, BODY)),
                   is(SignedRequestVerifier.INVALID_SIGNATURE));
    }

    @Test
    void theTimestampWindowIsTwoSided() {
        assertThat(channel(KEY, TS + 300).verifier().verify(request(SIGNATURE, TS, BODY)), is(Verdict.ACCEPTED));
        assertThat(channel(KEY, TS - 300).verifier().verify(request(SIGNATURE, TS, BODY)), is(Verdict.ACCEPTED));
        assertThat(channel(KEY, TS + 301).verifier().verify(request(SIGNATURE, TS, BODY)),
                   is(SignedRequestVerifier.STALE_TIMESTAMP));
        assertThat(channel(KEY, TS - 301).verifier().verify(request(SIGNATURE, TS, BODY)),
                   is(SignedRequestVerifier.STALE_TIMESTAMP));
    }

    @Test
    void decodes() {
        Inbound.Events events = (Inbound.Events) channel(KEY, TS).decode(request(SIGNATURE, TS, "{\"type\":\"invoice.paid\"}"));
        ChannelEvent event = events.events().getFirst();
        assertThat(event.id(), is(ID));
        assertThat(event.type(), is("invoice.paid"));
        assertThat(event.channel(), is("hooks"));
        assertThat(channel(KEY, TS).decode(request(SIGNATURE, TS, "[]")), is(StandardWebhooksChannel.INVALID_JSON));
    }

    @Test
    void badKeysAreNamed() {
        assertThat(assertThrows(SettingsException.class, () -> channel("", TS)).getMessage(),
                   is("relaygate.channels.hooks.secrets: required: a list of whsec_ keys"));
        assertThat(assertThrows(SettingsException.class, () -> channel(KEY + ",whsec_%%", TS)).getMessage(),
                   is("relaygate.channels.hooks.secrets.1: expected a whsec_ key: not a base64 string"));
    }

    private static String sign(String key, String body) {
        return HmacSignature.base64("v1,").sign(Secret.ofStandardWebhooks(key),
                                                (ID + "." + TS + ".").getBytes(StandardCharsets.UTF_8),
                                                body.getBytes(StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"type\":", "{\"type\":\"a\"} trailing", "{}{}", "[]", "\"text\"", ""})
    void verifiedBodiesThatAreNotOneJsonObjectAre400(String body) {
        String deep = body.equals("{\"type\":") ? body + "[".repeat(5000) : body;
        WebhookRequest request = request(sign(KEY, deep), TS, deep);
        assertThat(channel(KEY, TS).verifier().verify(request), is(Verdict.ACCEPTED));
        assertThat(channel(KEY, TS).decode(request), is(StandardWebhooksChannel.INVALID_JSON));
    }

    @Test
    void aSignatureListHasAtMostSixteenEntries() {
        String valid = sign(KEY, BODY);
        String wrong = sign(OTHER_KEY, BODY);
        assertThat(channel(KEY, TS).verifier().verify(request(String.join(" ", Collections.nCopies(7000, "v1,junk")), TS, BODY)),
                   is(SignedRequestVerifier.INVALID_SIGNATURE));
        assertThat("17 entries, the valid one last",
                   channel(KEY, TS).verifier().verify(request(String.join(" ", Collections.nCopies(16, wrong)) + " " + valid,
                                                              TS, BODY)),
                   is(SignedRequestVerifier.INVALID_SIGNATURE));
        assertThat("16 entries, the valid one last",
                   channel(KEY, TS).verifier().verify(request(String.join(" ", Collections.nCopies(15, wrong)) + " " + valid,
                                                              TS, BODY)),
                   is(Verdict.ACCEPTED));
        assertThat(SignedRequestVerifier.INVALID_SIGNATURE.status(), is(401));
    }

    @Test
    void everyBadKeyIsReportedAtOnce() {
        SettingsException e = assertThrows(SettingsException.class, () -> new StandardWebhooksProvider().create(
                TestContext.of("hooks", Map.of("path", "hooks", "secrets", "whsec_%%," + KEY + ",whsec_"), TestContext.CLOCK)));
        assertThat(e.problems().stream().map(SettingsException::getMessage).toList(), is(List.of(
                "relaygate.channels.hooks.path: must start with '/', got 'hooks'",
                "relaygate.channels.hooks.secrets.0: expected a whsec_ key: not a base64 string",
                "relaygate.channels.hooks.secrets.2: expected a whsec_ key: an empty key")));
        SettingsException missing = assertThrows(SettingsException.class, () -> new StandardWebhooksProvider().create(
                TestContext.of("hooks", Map.of("path", "hooks"), TestContext.CLOCK)));
        assertThat(missing.problems().stream().map(SettingsException::getMessage).toList(), is(List.of(
                "relaygate.channels.hooks.path: must start with '/', got 'hooks'",
                "relaygate.channels.hooks.secrets: required: a list of whsec_ keys")));
    }
}
