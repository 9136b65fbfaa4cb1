package dev.relaygate.plugins.slack;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.relaygate.api.ApprovalDecision;
import dev.relaygate.api.ApprovalRequest;
import dev.relaygate.api.ChannelEvent;
import dev.relaygate.api.ChannelException;
import dev.relaygate.api.HmacSignature;
import dev.relaygate.api.Inbound;
import dev.relaygate.api.OutboundMessage;
import dev.relaygate.api.Secret;
import dev.relaygate.api.SignedRequestVerifier;
import dev.relaygate.api.Verdict;
import dev.relaygate.api.WebhookRequest;
import dev.relaygate.api.spi.Channel;
import dev.relaygate.devrelay.TestContext;

import jakarta.json.Json;
import jakarta.json.JsonObject;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SlackChannelTest {
    // Slack's published example (api.slack.com, "Verifying requests from Slack").
    private static final String SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
    private static final long TS = 1531420618;
    private static final String COMMAND = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id="
            + "G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&"
            + "response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&"
            + "trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    private static final String SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

    private WebServer slack;

    @AfterEach
    void stop() {
        if (slack != null) {
            slack.stop();
        }
    }

    private static Channel channel(long now) {
        return new SlackProvider().create(TestContext.of("slack-direct", Map.of("signing-secret", SECRET),
                                                         Clock.fixed(Instant.ofEpochSecond(now), ZoneOffset.UTC)));
    }

    private static WebhookRequest request(String body, long ts, String signature) {
        return WebhookRequest.builder().header("X-Slack-Request-Timestamp", Long.toString(ts))
                .header("X-Slack-Signature", signature).body(body.getBytes(StandardCharsets.UTF_8))
                .receivedAt(Instant.ofEpochSecond(ts)).build();
    }

    private static String sign(String body, long ts) {
        return HmacSignature.hex("v0=").sign(Secret.ofText(SECRET), ("v0:" + ts + ":" + body).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void publishedVectorOverTheRawFormBytes() {
        assertThat(channel(TS).verifier().verify(request(COMMAND, TS, SIGNATURE)), is(Verdict.ACCEPTED));
        assertThat("one byte decoded differently is another body",
                   channel(TS).verifier().verify(request(COMMAND.replace("%2F", "/"), TS, SIGNATURE)),
                   is(SignedRequestVerifier.INVALID_SIGNATURE));
        ChannelEvent command = ((Inbound.Events) channel(TS).decode(request(COMMAND, TS, SIGNATURE))).events().getFirst();
        assertThat(command.type(), is("command"));
        assertThat(command.text(), is("/webhook-collect"));
        assertThat(command.id(), is("398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"));
        assertThat(command.conversation(), is("G8PSS9T3V"));
        assertThat(command.senderName(), is("roadrunner"));
    }

    @Test
    void theWindowIsTwoSidedUnlikeBolt() {
        assertThat(channel(TS + 300).verifier().verify(request(COMMAND, TS, SIGNATURE)), is(Verdict.ACCEPTED));
        assertThat(channel(TS - 300).verifier().verify(request(COMMAND, TS, SIGNATURE)), is(Verdict.ACCEPTED));
        assertThat(channel(TS + 301).verifier().verify(request(COMMAND, TS, SIGNATURE)),
                   is(SignedRequestVerifier.STALE_TIMESTAMP));
        assertThat("a timestamp from the future", channel(TS - 301).verifier().verify(request(COMMAND, TS, SIGNATURE)),
                   is(SignedRequestVerifier.STALE_TIMESTAMP));
    }

    @Test
    void urlVerificationIsAnsweredWithTheChallenge() {
        String body = "{\"token\":\"t\",\"challenge\":\"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P\",\"type\":\"url_verification\"}";
        assertThat(channel(TS).verifier().verify(request(body, TS, sign(body, TS))), is(Verdict.ACCEPTED));
        Inbound.Events answer = (Inbound.Events) channel(TS).decode(request(body, TS, sign(body, TS)));
        assertThat(answer.events().isEmpty(), is(true));
        assertThat(new String(answer.answer().orElseThrow().body(), StandardCharsets.UTF_8),
                   is("{\"challenge\":\"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P\"}"));
    }

    @Test
    void eventCallbacks() {
        String dm = """
                {"type":"event_callback","team_id":"T1","event_id":"Ev1","event":{"type":"message","channel":"D1",\
                "channel_type":"im","user":"U1","text":"hello","ts":"1700000000.000100"}}""";
        ChannelEvent event = ((Inbound.Events) channel(TS).decode(request(dm, TS, "x"))).events().getFirst();
        assertThat(event.type(), is(ChannelEvent.DIRECT_MESSAGE));
        assertThat(event.id(), is("Ev1"));
        assertThat(event.scope(), is("T1"));
        assertThat(event.conversation(), is("D1"));
        assertThat(event.text(), is("hello"));
        String mention = dm.replace("\"type\":\"message\"", "\"type\":\"app_mention\"").replace("\"channel_type\":\"im\",", "")
                .replace("\"ts\"", "\"thread_ts\":\"1699.1\",\"ts\"");
        ChannelEvent mentioned = ((Inbound.Events) channel(TS).decode(request(mention, TS, "x"))).events().getFirst();
        assertThat(mentioned.type(), is(ChannelEvent.MENTION));
        assertThat(mentioned.thread(), is(Optional.of("1699.1")));
        String own = dm.replace("\"user\":\"U1\"", "\"bot_id\":\"B1\"");
        assertThat("the bot's own messages are dropped",
                   ((Inbound.Events) channel(TS).decode(request(own, TS, "x"))).events().isEmpty(), is(true));
        assertThat(channel(TS).decode(request("{\"type\":\"other\"}", TS, "x")), is(SlackChannel.INVALID_BODY));
    }

    @Test
    void approvalButtonsComeBackAsDecisions() {
        String payload = """
                {"type":"block_actions","team":{"id":"T1"},"user":{"id":"U1","username":"ann"},\
                "channel":{"id":"D1"},"container":{"channel_id":"D1","thread_ts":"1699.1"},\
                "actions":[{"action_id":"always_tool","value":"req-7","action_ts":"1700000001.2"}]}""";
        String body = "payload=" + URLEncoder.encode(payload, StandardCharsets.UTF_8);
        assertThat(channel(TS).verifier().verify(request(body, TS, sign(body, TS))), is(Verdict.ACCEPTED));
        ChannelEvent decision = ((Inbound.Events) channel(TS).decode(request(body, TS, "x"))).events().getFirst();
        assertThat(decision.type(), is(ChannelEvent.APPROVAL));
        assertThat(decision.approval(), is(Optional.of(new ApprovalDecision("req-7", ApprovalDecision.Decision.APPROVE_ALWAYS))));
        assertThat(decision.thread(), is(Optional.of("1699.1")));
        assertThat(decision.id(), is("1700000001.2"));
    }

    @Test
    void repliesThroughChatPostMessagePacedAndHonouringRetryAfter() {
        ConcurrentLinkedDeque<int[]> script = new ConcurrentLinkedDeque<>(List.of(new int[] {429, 2}));
        List<JsonObject> posted = new CopyOnWriteArrayList<>();
        List<String> tokens = new CopyOnWriteArrayList<>();
        slack = WebServer.builder().host("127.0.0.1").port(0).routing(r -> r.post("/api/chat.postMessage", (req, res) -> {
            tokens.add(req.headers().first(HeaderNames.AUTHORIZATION).orElse(""));
            JsonObject body = Json.createReader(new java.io.StringReader(req.content().as(String.class))).readObject();
            int[] next = script.pollFirst();
            if (next != null) {
                res.status(Status.create(next[0])).header(HeaderNames.RETRY_AFTER, Integer.toString(next[1])).send();
                return;
            }
            posted.add(body);
            res.send(body.getString("channel").equals("C404") ? "{\"ok\":false,\"error\":\"channel_not_found\"}"
                             : "{\"ok\":true,\"ts\":\"1700000002.000" + posted.size() + "\"}");
        })).build().start();
        List<Duration> pauses = new CopyOnWriteArrayList<>();
        Clock clock = Clock.fixed(Instant.ofEpochSecond(TS), ZoneOffset.UTC);
        SlackApi api = new SlackApi(URI.create("http://127.0.0.1:" + slack.port() + "/api"),
                                    Optional.of(Secret.ofText("xoxb-test")), clock).pause(pauses::add);
        SlackChannel channel = new SlackChannel("slack-direct", "/slack/events", request -> Verdict.ACCEPTED, api,
                                                System.getLogger("test"));
        String message = """
                {"type":"event_callback","team_id":"T1","event_id":"Ev2","event":{"type":"message","channel":"C1",\
                "user":"U1","text":"deploy?","ts":"1700000000.000200"}}""";
        ChannelEvent event = ((Inbound.Events) channel.decode(request(message, TS, "x"))).events().getFirst();

        var delivery = channel.send(OutboundMessage.reply(event, "on it"));
        assertThat(delivery.messageId(), is(Optional.of("1700000002.0001")));
        assertThat(posted.getFirst().getString("thread_ts"), is("1700000000.000200"));
        assertThat(tokens.getFirst(), is("Bearer xoxb-test"));
        channel.send(OutboundMessage.to("C1", "second"));
        assertThat("Retry-After, then one message per second per conversation", pauses,
                   is(List.of(Duration.ofSeconds(2), Duration.ofSeconds(1))));

        assertThat(assertThrows(ChannelException.class, () -> channel.send(OutboundMessage.to("C404", "x"))).getMessage(),
                   is("Slack API error: channel_not_found"));
        ApprovalRequest deploy = new ApprovalRequest("req-9", "deploy", "Deploy web", "{}", true);
        assertThat(assertThrows(ChannelException.class, () -> channel.send(OutboundMessage.reply(event, "").asking(deploy)))
                           .getMessage(), is(SlackChannel.REFUSAL.formatted("deploy")));
        channel.send(OutboundMessage.to("D1", "").asking(deploy));
        var buttons = posted.getLast().getJsonArray("blocks").getJsonObject(1).getJsonArray("elements");
        assertThat(buttons.getJsonObject(2).getString("action_id"), is("always_tool"));
        assertThat(buttons.getJsonObject(0).getString("value"), is("req-9"));
    }
}
