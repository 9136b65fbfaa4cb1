package dev.relaygate.plugins.slack;

import java.io.StringReader;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import dev.relaygate.api.ApprovalDecision;
import dev.relaygate.api.ApprovalRequest;
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
import dev.relaygate.api.spi.Counters;
import dev.relaygate.api.spi.Settings;
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
    private static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(TS), ZoneOffset.UTC);

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
    void repliesThroughChatPostMessagePacedAndHonouringRetryAfter() {
        ConcurrentLinkedDeque<int[]> script = new ConcurrentLinkedDeque<>(List.of(new int[] {429, 2}));
        List<JsonObject> posted = new CopyOnWriteArrayList<>();
        List<String> tokens = new CopyOnWriteArrayList<>();
        slack = WebServer.builder().host("127.0.0.1").port(0).routing(r -> r.post("/api/chat.postMessage", (req, res) -> {
            tokens.add(req.headers().first(HeaderNames.AUTHORIZATION).orElse(""));
            JsonObject body = Json.createReader(new StringReader(req.content().as(String.class))).readObject();
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
                                    Optional.of(Secret.ofText("xoxb-test")), clock, Counters.NONE).pause(pauses::add);
        SlackChannel channel = new SlackChannel("slack-direct", "/slack/events", request -> Verdict.ACCEPTED, api,
                                                new TestContext.MapState(), System.getLogger("test"));
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

    /**
     * A fake Slack Web API: {@code chat.postMessage} answers with a new ts, {@code chat.update} is recorded (and
     * answered with {@code updateAnswer}).
     */
    private SlackChannel approvals(List<JsonObject> posted, BlockingQueue<JsonObject> updates, String updateAnswer) {
        slack = WebServer.builder().host("127.0.0.1").port(0).routing(r -> r
                .post("/api/chat.postMessage", (req, res) -> {
                    posted.add(Json.createReader(new StringReader(req.content().as(String.class))).readObject());
                    res.send("{\"ok\":true,\"ts\":\"1700000009.00" + posted.size() + "\"}");
                })
                .post("/api/chat.update", (req, res) -> {
                    updates.add(Json.createReader(new StringReader(req.content().as(String.class))).readObject());
                    res.send(updateAnswer);
                })).build().start();
        SlackApi api = new SlackApi(URI.create("http://127.0.0.1:" + slack.port() + "/api"),
                                    Optional.of(Secret.ofText("xoxb-test")), CLOCK, Counters.NONE).pause(pause -> { });
        return new SlackChannel("slack-direct", "/slack/events", request -> Verdict.ACCEPTED, api,
                                new TestContext.MapState(), System.getLogger("test"));
    }

    private static WebhookRequest click(String action, String requestId, String user, String conversation) {
        String payload = Json.createObjectBuilder().add("type", "block_actions")
                .add("team", Json.createObjectBuilder().add("id", "T1"))
                .add("user", Json.createObjectBuilder().add("id", user).add("username", user.toLowerCase()))
                .add("channel", Json.createObjectBuilder().add("id", conversation))
                .add("container", Json.createObjectBuilder().add("channel_id", conversation))
                .add("actions", Json.createArrayBuilder().add(Json.createObjectBuilder().add("action_id", action)
                        .add("value", requestId).add("action_ts", "1700000010." + user))).build().toString();
        String body = "payload=" + URLEncoder.encode(payload, StandardCharsets.UTF_8);
        return request(body, TS, sign(body, TS));
    }

    private static List<ChannelEvent> events(Channel channel, WebhookRequest request) {
        assertThat(channel.verifier().verify(request), is(Verdict.ACCEPTED));
        return ((Inbound.Events) channel.decode(request)).events();
    }

    private static ChannelEvent directMessage(Channel channel, String user, String thread) {
        String dm = """
                {"type":"event_callback","team_id":"T1","event_id":"Ev1","event":{"type":"message","channel":"D1",\
                "channel_type":"im","user":"%s","text":"deploy please","ts":"1699.0","thread_ts":"%s"}}"""
                .formatted(user, thread);
        return ((Inbound.Events) channel.decode(request(dm, TS, "x"))).events().getFirst();
    }

    @Test
    void approvalButtonsComeBackAsDecisions() throws Exception {
        List<JsonObject> posted = new CopyOnWriteArrayList<>();
        BlockingQueue<JsonObject> updates = new LinkedBlockingQueue<>();
        SlackChannel channel = approvals(posted, updates, "{\"ok\":true}");
        ChannelEvent ask = directMessage(channel, "U1", "1699.1");
        channel.send(OutboundMessage.reply(ask, "").asking(new ApprovalRequest("req-7", "deploy", "Deploy web", "{}", true)));

        ChannelEvent decision = events(channel, click("always_tool", "req-7", "U1", "D1")).getFirst();
        assertThat(decision.type(), is(ChannelEvent.APPROVAL));
        assertThat(decision.approval(), is(Optional.of(new ApprovalDecision("req-7", ApprovalDecision.Decision.APPROVE_ALWAYS))));
        assertThat(decision.thread(), is(Optional.of("1699.1")));
        assertThat(decision.id(), is("1700000010.U1"));
        assertThat(decision.senderId(), is("U1"));
        assertThat(decision.senderName(), is("u1"));

        JsonObject update = updates.poll(10, TimeUnit.SECONDS);
        assertThat("the prompt shows the outcome instead of its buttons", update.getString("channel"), is("D1"));
        assertThat(update.getString("ts"), is("1700000009.001"));
        assertThat(update.getString("text"), is("Always approved by <@U1>"));
        assertThat(update.getJsonArray("blocks").getJsonObject(0).getJsonObject("text").getString("text"),
                   is("*deploy* wants to run: Deploy web"));
        assertThat(update.getJsonArray("blocks").toString().contains("\"actions\""), is(false));
    }

    @Test
    void anApprovalIsDecidedOnceByThePromptedPersonInItsConversation() throws Exception {
        List<JsonObject> posted = new CopyOnWriteArrayList<>();
        BlockingQueue<JsonObject> updates = new LinkedBlockingQueue<>();
        SlackChannel channel = approvals(posted, updates, "{\"ok\":true}");
        ChannelEvent ask = directMessage(channel, "U1", "1699.1");
        channel.send(OutboundMessage.reply(ask, "").asking(new ApprovalRequest("req-1", "deploy", "", "{}", false)));

        assertThat("another person", events(channel, click("approve", "req-1", "U2", "D1")), is(List.of()));
        assertThat("another conversation, say a shared channel", events(channel, click("approve", "req-1", "U1", "C1")),
                   is(List.of()));
        assertThat("a request never prompted", events(channel, click("approve", "req-0", "U1", "D1")), is(List.of()));
        List<ChannelEvent> first = events(channel, click("deny", "req-1", "U1", "D1"));
        assertThat("the refused clicks left the prompt to its person", first.getFirst().approval(),
                   is(Optional.of(new ApprovalDecision("req-1", ApprovalDecision.Decision.DENY))));
        assertThat("already decided", events(channel, click("approve", "req-1", "U1", "D1")), is(List.of()));
        assertThat(events(channel, click("deny", "req-1", "U1", "D1")), is(List.of()));
        assertThat(updates.poll(10, TimeUnit.SECONDS).getString("text"), is("Denied by <@U1>"));

        // A proactive prompt in a DM names nobody: whoever is in that DM decides, once.
        channel.send(OutboundMessage.to("D2", "").asking(new ApprovalRequest("req-2", "restart", "", "{}", false)));
        assertThat(events(channel, click("approve", "req-2", "U1", "D1")), is(List.of()));
        assertThat(events(channel, click("approve", "req-2", "U9", "D2")).getFirst().approval(),
                   is(Optional.of(new ApprovalDecision("req-2", ApprovalDecision.Decision.APPROVE))));
        assertThat(events(channel, click("approve", "req-2", "U9", "D2")), is(List.of()));
        JsonObject update = updates.poll(10, TimeUnit.SECONDS);
        assertThat(update.getString("channel"), is("D2"));
        assertThat(update.getString("ts"), is("1700000009.002"));
        assertThat("one update per decision", updates.isEmpty(), is(true));
    }

    @Test
    void aFailedOutcomeUpdateDoesNotUndoTheDecision() throws Exception {
        List<JsonObject> posted = new CopyOnWriteArrayList<>();
        BlockingQueue<JsonObject> updates = new LinkedBlockingQueue<>();
        SlackChannel channel = approvals(posted, updates, "{\"ok\":false,\"error\":\"message_not_found\"}");
        channel.send(OutboundMessage.to("D1", "").asking(new ApprovalRequest("req-3", "deploy", "", "{}", false)));
        assertThat(events(channel, click("approve", "req-3", "U1", "D1")).getFirst().type(), is(ChannelEvent.APPROVAL));
        assertThat(updates.poll(10, TimeUnit.SECONDS).getString("ts"), is("1700000009.001"));
        assertThat(events(channel, click("approve", "req-3", "U1", "D1")), is(List.of()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"command=%zz", "command=%", "text=%e2%8&command=%2Fx", "payload=%", "%zz=1&command=%2Fx"})
    void badPercentEscapesAre400(String body) {
        assertThat(channel(TS).verifier().verify(request(body, TS, sign(body, TS))), is(Verdict.ACCEPTED));
        assertThat(channel(TS).decode(request(body, TS, sign(body, TS))), is(SlackChannel.INVALID_BODY));
    }

    static List<String> unparseable() {
        String deep = "[".repeat(5000);
        return List.of("{\"type\":\"event_callback\",\"event\":" + deep,
                       "{\"type\":\"url_verification\",\"challenge\":\"c\"} trailing",
                       "{\"type\":\"url_verification\",\"challenge\":\"c\"}{}",
                       "{\"type\":\"event_callback\",\"event_id\":\"Ev1\",\"event\":[]}",
                       "payload=" + URLEncoder.encode(deep, StandardCharsets.UTF_8),
                       "payload=" + URLEncoder.encode("{\"type\":\"block_actions\"} x", StandardCharsets.UTF_8),
                       "payload=%22block_actions%22",
                       "payload=");
    }

    @ParameterizedTest
    @MethodSource("unparseable")
    void verifiedBytesThatDoNotParseAre400(String body) {
        assertThat(channel(TS).verifier().verify(request(body, TS, sign(body, TS))), is(Verdict.ACCEPTED));
        assertThat(channel(TS).decode(request(body, TS, sign(body, TS))), is(SlackChannel.INVALID_BODY));
    }

    @Test
    void pacingForgetsPastSlotsAndStaysBounded() {
        TestContext.TestClock clock = new TestContext.TestClock();
        List<Duration> pauses = new CopyOnWriteArrayList<>();
        SlackApi api = new SlackApi(URI.create("http://127.0.0.1:9/api"), Optional.empty(), clock, Counters.NONE).pause(pauses::add);
        for (int i = 0; i < SlackApi.MAX_PACED + 100; i++) {
            api.waitForSlot("C" + i);
        }
        assertThat(api.nextSlot.size(), is(SlackApi.MAX_PACED));
        api.waitForSlot("C0");
        assertThat("a conversation still paced waits for its slot", pauses, is(List.of(Duration.ofSeconds(1))));
        clock.advance(Duration.ofSeconds(5));
        api.waitForSlot("D1");
        assertThat("slots in the past are forgotten", api.nextSlot.keySet(), is(Set.of("D1")));
        api.waitForSlot("D1");
        assertThat(pauses, is(List.of(Duration.ofSeconds(1), Duration.ofSeconds(1))));
    }

    @Test
    void slacksAnswersAreReadUpToOneMebibyteAndErrorsStayShort() {
        slack = WebServer.builder().host("127.0.0.1").port(0).routing(r -> r.post("/api/chat.postMessage", (req, res) -> {
            String channel = Json.createReader(new StringReader(req.content().as(String.class))).readObject()
                    .getString("channel");
            res.send(switch (channel) {
                case "C-big" -> "{\"ok\":true,\"ts\":\"1.2\",\"pad\":\"" + "x".repeat(SlackApi.MAX_ANSWER_BYTES) + "\"}";
                case "C-long-error" -> "{\"ok\":false,\"error\":\"" + "e\\n".repeat(5000) + "\"}";
                default -> "{\"ok\":true,\"ts\":\"1.1\",\"nested\":" + "[".repeat(5000) + "}";
            });
        })).build().start();
        SlackApi api = new SlackApi(URI.create("http://127.0.0.1:" + slack.port() + "/api"),
                                    Optional.of(Secret.ofText("xoxb-test")), CLOCK, Counters.NONE).pause(pause -> { });
        assertThat(assertThrows(ChannelException.class, () -> post(api, "C-big")).getMessage(),
                   is("Slack answered more than 1048576 bytes"));
        assertThat(assertThrows(ChannelException.class, () -> post(api, "C-long-error")).getMessage(),
                   is("Slack API error: " + "e?".repeat(32) + "..."));
        assertThat(assertThrows(ChannelException.class, () -> post(api, "C-deep")).getMessage(),
                   is("Slack answered something other than a JSON object"));
    }

    private static JsonObject post(SlackApi api, String conversation) {
        return api.postMessage(conversation, Json.createObjectBuilder().add("channel", conversation).add("text", "hi").build());
    }

    @Test
    void everyBadKeyIsReportedAtOnce() {
        SettingsException e = assertThrows(SettingsException.class, () -> new SlackProvider().create(TestContext.of(
                "slack-direct", Map.of("path", "slack/events", "api-url", "ftp://slack.example"), CLOCK)));
        assertThat(e.problems().stream().map(SettingsException::getMessage).toList(), is(List.of(
                "relaygate.channels.slack-direct.path: must start with '/', got 'slack/events'",
                "relaygate.channels.slack-direct.signing-secret: required",
                "relaygate.channels.slack-direct.api-url: expected an http or https URL, got 'ftp://slack.example'")));

        SettingsException both = assertThrows(SettingsException.class, () -> new SlackProvider().create(
                TestContext.of("slack-direct", Map.of("tolerance", "5 minutes"), CLOCK)));
        assertThat(both.problems().stream().map(SettingsException::getMessage).toList(), is(List.of(
                "relaygate.channels.slack-direct.signing-secret: required",
                "relaygate.channels.slack-direct.tolerance: expected an ISO-8601 duration such as PT30S, got '5 minutes'")));
    }
}
