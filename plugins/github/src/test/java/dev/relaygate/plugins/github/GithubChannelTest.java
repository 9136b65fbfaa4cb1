package dev.relaygate.plugins.github;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.relaygate.api.ChannelEvent;
import dev.relaygate.api.ChannelException;
import dev.relaygate.api.HmacSignature;
import dev.relaygate.api.Inbound;
import dev.relaygate.api.OutboundMessage;
import dev.relaygate.api.Secret;
import dev.relaygate.api.SettingsException;
import dev.relaygate.api.SignedRequestVerifier;
import dev.relaygate.api.Verdict;
import dev.relaygate.api.WebhookRequest;
import dev.relaygate.api.spi.Channel;
import dev.relaygate.devrelay.DevRelay;
import dev.relaygate.devrelay.FakeProviders;
import dev.relaygate.devrelay.TestContext;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

class GithubChannelTest {
    private static final String SECRET = "It's a Secret to Everybody";

    private static Channel channel() {
        return new GithubProvider().create(TestContext.of("gh", Map.of("secret", SECRET), TestContext.CLOCK));
    }

    private static WebhookRequest request(String body, String signature, String event) {
        return request(body, signature, event, "72d3162e-cc78-11e3-81ab-4c9367dc0958");
    }

    private static WebhookRequest request(String body, String signature, String event, String delivery) {
        WebhookRequest.Builder request = WebhookRequest.builder().body(body.getBytes(StandardCharsets.UTF_8))
                .header("X-GitHub-Delivery", delivery)
                .receivedAt(TestContext.CLOCK.instant());
        if (signature != null) {
            request.header("X-Hub-Signature-256", signature);
        }
        if (event != null) {
            request.header("X-GitHub-Event", event);
        }
        return request.build();
    }

    // GitHub's published example.
    @Test
    void publishedVector() {
        String signature = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
        assertThat(channel().verifier().verify(request("Hello, World!", signature, "push")), is(Verdict.ACCEPTED));
        assertThat(channel().verifier().verify(request("Hello, World?", signature, "push")),
                   is(SignedRequestVerifier.INVALID_SIGNATURE));
        assertThat(channel().verifier().verify(request("Hello, World!", null, "push")),
                   is(SignedRequestVerifier.MISSING_SIGNATURE));
        assertThat(channel().verifier().verify(request("Hello, World!", signature.toUpperCase(), "push")),
                   is(SignedRequestVerifier.INVALID_SIGNATURE));
    }

    @Test
    void decodesAnIssueComment() throws Exception {
        String body = """
                {"action":"created","issue":{"number":42,"title":"Flaky test"},"comment":{"body":"looks fixed"},\
                "repository":{"full_name":"acme/web","owner":{"login":"acme"}},"sender":{"login":"octocat"}}""";
        Inbound.Events events = (Inbound.Events) channel().decode(request(body, "unused", "issue_comment"));
        ChannelEvent event = events.events().getFirst();
        assertThat("the body's SHA-256", event.id(), is(HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest(body.getBytes(StandardCharsets.UTF_8)))));
        assertThat(event.channel(), is("gh"));
        assertThat(event.type(), is("issue_comment"));
        assertThat(event.provider(), is("github"));
        assertThat(event.scope(), is("acme"));
        assertThat(event.conversation(), is("acme/web"));
        assertThat(event.thread(), is(Optional.of("42")));
        assertThat(event.senderId(), is("octocat"));
        assertThat(event.text(), is("looks fixed"));
        assertThat(event.raw(), is(body));
    }

    @Test
    void pingIsAnsweredAndNotStored() {
        Inbound.Events events = (Inbound.Events) channel().decode(request("{\"zen\":\"Keep it logically awesome.\"}",
                                                                          "unused", "ping"));
        assertThat(events.events().isEmpty(), is(true));
        assertThat(events.answer().orElseThrow().status(), is(200));
    }

    @Test
    void badInputIsRefused() {
        assertThat(channel().decode(request("{}", "unused", null)), is(GithubChannel.MISSING_EVENT));
        assertThat(channel().decode(request("[1]", "unused", "push")), is(GithubChannel.INVALID_JSON));
        assertThat(channel().decode(request("{", "unused", "push")), is(GithubChannel.INVALID_JSON));
        assertThat(assertThrows(SettingsException.class, () -> new GithubProvider().create(
                TestContext.of("gh", Map.of(), TestContext.CLOCK))).getMessage(), is("relaygate.channels.gh.secret: required"));
    }

    private static String sign(String body) {
        return HmacSignature.hex("sha256=").sign(Secret.ofText(SECRET), body.getBytes(StandardCharsets.UTF_8));
    }

    private static Inbound decodeVerified(WebhookRequest request) {
        assertThat(channel().verifier().verify(request), is(Verdict.ACCEPTED));
        return channel().decode(request);
    }

    @Test
    void aReplayedBodyKeepsItsEventIdUnderAnyDeliveryId() {
        String body = "{\"action\":\"created\",\"repository\":{\"full_name\":\"acme/web\",\"owner\":{\"login\":\"acme\"}}}";
        ChannelEvent first = ((Inbound.Events) decodeVerified(request(body, sign(body), "star", "delivery-1"))).events()
                .getFirst();
        ChannelEvent replayed = ((Inbound.Events) decodeVerified(request(body, sign(body), "star", "delivery-2"))).events()
                .getFirst();
        assertThat("the delivery id is not signed, so it does not make a new event", replayed.id(), is(first.id()));
        assertThat(first.id().matches("[0-9a-f]{64}"), is(true));
        String other = body.replace("created", "deleted");
        ChannelEvent different = ((Inbound.Events) decodeVerified(request(other, sign(other), "star", "delivery-1"))).events()
                .getFirst();
        assertThat(different.id().equals(first.id()), is(false));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"a\":", "{\"zen\":\"z\"} trailing", "{}{}", "[]", "\"text\"", "1e999999999", ""})
    void verifiedBodiesThatAreNotOneJsonObjectAre400(String body) {
        String deep = body.equals("{\"a\":") ? body + "[".repeat(5000) : body;
        assertThat(decodeVerified(request(deep, sign(deep), "push")), is(GithubChannel.INVALID_JSON));
        assertThat(decodeVerified(request(deep, sign(deep), "ping")), is(GithubChannel.INVALID_JSON));
    }

    @Test
    void hugeNumbersAreNoThread() {
        for (String number : new String[] {"1e999999999", "9".repeat(400), "1.5", "-1e-999999999"}) {
            String body = "{\"issue\":{\"number\":" + number + "}}";
            ChannelEvent event = ((Inbound.Events) decodeVerified(request(body, sign(body), "issues"))).events().getFirst();
            assertThat(event.thread(), is(Optional.empty()));
        }
    }

    @Test
    void everyBadKeyIsReportedAtOnce() {
        SettingsException e = assertThrows(SettingsException.class, () -> new GithubProvider().create(
                TestContext.of("gh", Map.of("path", "github/events"), TestContext.CLOCK)));
        assertThat(e.problems().stream().map(SettingsException::getMessage).toList(), is(List.of(
                "relaygate.channels.gh.path: must start with '/', got 'github/events'",
                "relaygate.channels.gh.secret: required")));
    }

    @Test
    void anExhaustedRateLimitIsWaitedOutUntilItsReset() throws Exception {
        try (FakeProviders fake = FakeProviders.builder().githubToken("ghp-test").build().start()) {
            Channel channel = new GithubProvider().create(TestContext.of("gh", Map.of(
                    "secret", SECRET, "token", "ghp-test", "api-url", fake.githubUrl().toString()), TestContext.CLOCK));
            fake.script("github create-comment", DevRelay.Scripted.answer(
                    403, "{\"message\":\"API rate limit exceeded\"}", "Content-Type", "application/json",
                    "x-ratelimit-remaining", "0", "x-ratelimit-reset", Long.toString(TestContext.NOW + 1)));
            assertThat(channel.send(OutboundMessage.to("acme/web", "hello").inThread("7")).messageId().isPresent(), is(true));
            List<FakeProviders.Call> calls = fake.calls("github create-comment");
            assertThat(calls.size(), is(2));
            assertThat(calls.get(1).nanos() - calls.get(0).nanos() >= Duration.ofMillis(950).toNanos(), is(true));

            // A 403 that is not a rate limit is a permission problem: given up with GitHub's words.
            fake.script("github create-comment", DevRelay.Scripted.answer(
                    403, "{\"message\":\"Resource not accessible by integration\"}", "Content-Type", "application/json"));
            ChannelException refused = assertThrows(ChannelException.class,
                    () -> channel.send(OutboundMessage.to("acme/web", "hello").inThread("7")));
            assertThat(refused.getMessage(), is("GitHub create-comment failed: HTTP 403: Resource not accessible by integration"));
            assertThat(refused.retryable(), is(false));
            assertThat(fake.calls("github create-comment").size(), is(3));
        }
    }
}
