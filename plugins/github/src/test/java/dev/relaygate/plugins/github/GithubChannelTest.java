package dev.relaygate.plugins.github;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.relaygate.api.ChannelEvent;
import dev.relaygate.api.Inbound;
import dev.relaygate.api.SettingsException;
import dev.relaygate.api.SignedRequestVerifier;
import dev.relaygate.api.Verdict;
import dev.relaygate.api.WebhookRequest;
import dev.relaygate.api.spi.Channel;
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
        WebhookRequest.Builder request = WebhookRequest.builder().body(body.getBytes(StandardCharsets.UTF_8))
                .header("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958")
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
    void decodesAnIssueComment() {
        String body = """
                {"action":"created","issue":{"number":42,"title":"Flaky test"},"comment":{"body":"looks fixed"},\
                "repository":{"full_name":"acme/web","owner":{"login":"acme"}},"sender":{"login":"octocat"}}""";
        Inbound.Events events = (Inbound.Events) channel().decode(request(body, "unused", "issue_comment"));
        ChannelEvent event = events.events().getFirst();
        assertThat(event.id(), is("72d3162e-cc78-11e3-81ab-4c9367dc0958"));
        assertThat(event.channel(), is("gh"));
        assertThat(event.type(), is("issue_comment"));
        assertThat(event.provider(), is("github"));
        assertThat(event.scope(), is("acme"));
        assertThat(event.conversation(), is("acme/web"));
        assertThat(event.thread(), is(java.util.Optional.of("42")));
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
}
