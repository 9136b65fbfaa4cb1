package dev.relaygate.server;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import io.helidon.http.HeaderNames;
import io.helidon.webclient.http1.Http1ClientResponse;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.relaygate.api.ApprovalDecision.Decision;
import dev.relaygate.api.ChannelEvent;
import dev.relaygate.api.HmacSignature;
import dev.relaygate.api.JsonBodies;
import dev.relaygate.api.Secret;
import dev.relaygate.api.StandardWebhooks;
import dev.relaygate.devrelay.DevRelay.Scripted;
import dev.relaygate.devrelay.FakeProviders;
import dev.relaygate.devrelay.FakeProviders.Call;

import jakarta.json.JsonObject;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

/**
 * Every channel answers: a signed event goes in through the gateway (the plugins loaded from their jars), the handler
 * replies, and the fake provider receives exactly the request the platform documents. Rate limits are waited out,
 * refusals give up with the provider's words, and approvals on Telegram and Discord make one typed decision.
 */
class ChannelRepliesTest {
    static final String TELEGRAM_BOT = "7007007:AAH-telegram-bot-token-for-tests";
    static final String DISCORD_BOT = "discord-bot-token-for-tests";
    static final String GITHUB_TOKEN = "github_pat_11AAAAtokenfortests";
    static final String REPLY_WHSEC = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
    static final String SLACK_BOT = "xoxb-slack-bot-token-for-tests";
    static final String API_TOKEN = "api-token-replies";
    static final String APPLICATION = "111222333";

    private static FakeProviders fake;
    private static KeyPair discord;

    @TempDir
    Path dir;

    @BeforeAll
    static void startFakes() throws Exception {
        fake = fakes();
        discord = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    }

    static FakeProviders fakes() {
        return FakeProviders.builder().telegramToken(TELEGRAM_BOT).discordBotToken(DISCORD_BOT).githubToken(GITHUB_TOKEN)
                .slackToken(SLACK_BOT).hooksSecret(REPLY_WHSEC).build().start();
    }

    @AfterAll
    static void stopFakes() {
        fake.close();
    }

    /**
     * The gateway: every plugin channel pointed at the fakes, with the given handler section.
     */
    static TestGateway gateway(Path dir, String handler) throws Exception {
        PluginChannels.install(dir);
        return TestGateway.start(dir, """
                api-token: %s
                %s
                channels:
                  slack:
                    enabled: false
                %s""".formatted(API_TOKEN, handler, channels(fake, discord)));
    }

    /**
     * One channel of each plugin type, with its reply keys pointed at the fakes (the {@code channels:} entries).
     */
    static String channels(FakeProviders fake, KeyPair discord) {
        byte[] encoded = discord.getPublic().getEncoded();
        String publicKey = HexFormat.of().formatHex(java.util.Arrays.copyOfRange(encoded, encoded.length - 32, encoded.length));
        return """
                  tg:
                    type: telegram
                    secret-token: %s
                    bot-token: "%s"
                    api-url: %s
                  discord:
                    type: discord
                    public-key: %s
                    application-id: "%s"
                    bot-token: %s
                    api-url: %s
                  gh:
                    type: github
                    secret: "%s"
                    token: %s
                    api-url: %s
                  hooks:
                    type: standard-webhooks
                    secrets: [%s]
                    reply-url: %s
                    reply-secret: "%s"
                  slack-direct:
                    type: slack
                    signing-secret: %s
                    bot-token: %s
                    api-url: %s
                """.formatted(PluginChannels.TELEGRAM_TOKEN, TELEGRAM_BOT, fake.telegramUrl(), publicKey, APPLICATION,
                              DISCORD_BOT, fake.discordUrl(), PluginChannels.GITHUB_SECRET, GITHUB_TOKEN, fake.githubUrl(),
                              PluginChannels.WHSEC, fake.hooksUrl(), REPLY_WHSEC, PluginChannels.SLACK_SECRET, SLACK_BOT,
                              fake.slackUrl());
    }

    @Test
    void telegramRepliesInTheChatTopicAndQuoteInGroups() throws Exception {
        int before = fake.calls("telegram sendMessage").size();
        try (TestGateway gw = gateway(dir, "handler:\n  type: echo")) {
            assertOk(telegram(gw, update(901, "{\"message_id\":55,\"chat\":{\"id\":-100123,\"type\":\"supergroup\"},"
                    + "\"message_thread_id\":7,\"from\":{\"id\":42,\"username\":\"ada\"},\"text\":\"hi\"}")));
            Call group = fake.await("telegram sendMessage", before + 1, Duration.ofSeconds(10));
            assertThat(group.method(), is("POST"));
            assertThat(group.path(), is("/telegram/bot" + TELEGRAM_BOT + "/sendMessage"));
            assertThat(group.header("Content-Type").orElseThrow(), is("application/json"));
            assertThat(group.json(), is(json("""
                    {"chat_id":-100123,"message_thread_id":7,
                     "reply_parameters":{"message_id":55,"allow_sending_without_reply":true},"text":"echo: hi"}""")));

            assertOk(telegram(gw, update(902, "{\"message_id\":3,\"chat\":{\"id\":42,\"type\":\"private\"},"
                    + "\"from\":{\"id\":42},\"text\":\"hello\"}")));
            assertThat(fake.await("telegram sendMessage", before + 2, Duration.ofSeconds(10)).json(),
                       is(json("{\"chat_id\":42,\"text\":\"echo: hello\"}")));

            // Over 4096 characters: two messages, in order, that together are the reply.
            String longText = "word ".repeat(1000).strip();
            assertOk(telegram(gw, update(903, "{\"message_id\":4,\"chat\":{\"id\":42,\"type\":\"private\"},"
                    + "\"from\":{\"id\":42},\"text\":\"" + longText + "\"}")));
            String first = fake.await("telegram sendMessage", before + 3, Duration.ofSeconds(10)).json().getString("text");
            String second = fake.await("telegram sendMessage", before + 4, Duration.ofSeconds(10)).json().getString("text");
            assertThat(first.length() <= 4096 && second.length() <= 4096, is(true));
            assertThat(first + second, is("echo: " + longText));
        }
    }

    @Test
    void telegramWaitsOutRetryAfterAndGivesUpWhenBlocked() throws Exception {
        try (TestGateway gw = gateway(dir, "handler:\n  type: echo")) {
            int before = fake.calls("telegram sendMessage").size();
            fake.script("telegram sendMessage", Scripted.answer(429, """
                    {"ok":false,"error_code":429,"description":"Too Many Requests: retry after 1","parameters":{"retry_after":1}}""",
                                                                "Content-Type", "application/json"));
            assertOk(telegram(gw, update(911, "{\"message_id\":5,\"chat\":{\"id\":42,\"type\":\"private\"},"
                    + "\"from\":{\"id\":42},\"text\":\"slow down\"}")));
            Call limited = fake.await("telegram sendMessage", before + 1, Duration.ofSeconds(10));
            Call retried = fake.await("telegram sendMessage", before + 2, Duration.ofSeconds(10));
            assertThat(retried.nanos() - limited.nanos(), greaterThanOrEqualTo(Duration.ofMillis(950).toNanos()));
            assertThat(retried.body(), is(limited.body()));

            fake.script("telegram sendMessage", Scripted.answer(403, """
                    {"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"}""",
                                                                "Content-Type", "application/json"));
            assertOk(telegram(gw, update(912, "{\"message_id\":6,\"chat\":{\"id\":43,\"type\":\"private\"},"
                    + "\"from\":{\"id\":43},\"text\":\"anyone?\"}")));
            JsonObject letter = deadLetter(gw);
            assertThat(letter.getString("error"), is("Telegram sendMessage failed: HTTP 403: Forbidden: bot was blocked by the user"));
            assertThat(fake.calls("telegram sendMessage"), hasSize(before + 3));
        }
    }

    @Test
    void telegramApprovalDecidesOnceAndRemovesTheButtons() throws Exception {
        try (TestGateway gw = gateway(dir, "handler:\n  type: recording\n  id: " + TestGateway.recorderId(dir))) {
            int sends = fake.calls("telegram sendMessage").size();
            int edits = fake.calls("telegram editMessageReplyMarkup").size();
            int answers = fake.calls("telegram answerCallbackQuery").size();
            assertOk(telegram(gw, update(921, "{\"message_id\":8,\"chat\":{\"id\":42,\"type\":\"private\"},"
                    + "\"from\":{\"id\":42},\"text\":\"needs approval\"}")));
            gw.recorder.next();
            Call prompt = fake.await("telegram sendMessage", sends + 1, Duration.ofSeconds(10));
            JsonObject body = prompt.json();
            assertThat(body.getString("text"), containsString("deploy wants to run: Deploy to production"));
            var row = body.getJsonObject("reply_markup").getJsonArray("inline_keyboard").getJsonArray(0);
            assertThat(row.stream().map(b -> b.asJsonObject().getString("text")).toList(), is(List.of("Approve", "Deny", "Always")));
            String approve = row.getJsonObject(0).getString("callback_data");
            assertThat(approve, approve.matches("[A-Za-z0-9_-]{22}:y"), is(true));
            assertThat(approve.getBytes(StandardCharsets.UTF_8).length <= 64, is(true));
            assertThat(approve, not(containsString(RecordingHandlerProvider.APPROVAL.requestId())));

            // Another person's click decides nothing; the prompted person's click decides once.
            assertOk(telegram(gw, callback(922, "q-1", 77, 42, 1001, approve)));
            fake.await("telegram answerCallbackQuery", answers + 1, Duration.ofSeconds(10));
            assertOk(telegram(gw, callback(923, "q-2", 42, 42, 1001, approve)));
            ChannelEvent decision = gw.recorder.next();
            assertThat(decision.type(), is(ChannelEvent.APPROVAL));
            assertThat(decision.approval().orElseThrow().requestId(), is(RecordingHandlerProvider.APPROVAL.requestId()));
            assertThat(decision.approval().orElseThrow().decision(), is(Decision.APPROVE));
            Call removed = fake.await("telegram editMessageReplyMarkup", edits + 1, Duration.ofSeconds(10));
            assertThat(removed.json(), is(json("{\"chat_id\":42,\"message_id\":1001,\"reply_markup\":{\"inline_keyboard\":[]}}")));
            Call answered = fake.await("telegram answerCallbackQuery", answers + 2, Duration.ofSeconds(10));
            assertThat(answered.json(), is(json("{\"callback_query_id\":\"q-2\",\"text\":\"Approved by 42\"}")));

            // A second click (a new update) is answered and dropped: no second decision.
            assertOk(telegram(gw, callback(924, "q-3", 42, 42, 1001, approve)));
            assertThat(fake.await("telegram answerCallbackQuery", answers + 3, Duration.ofSeconds(10)).json().getString("text"),
                       is("This approval was already decided or is not yours."));
            // The decision's own reply ("decision APPROVE") is the handler's last call; nothing else reached it.
            assertThat(fake.await("telegram sendMessage", sends + 2, Duration.ofSeconds(10)).json().getString("text"),
                       is("decision APPROVE"));
            assertThat(gw.recorder.events.poll(), is((ChannelEvent) null));
        }
    }

    @Test
    void discordEditsTheDeferredResponseThenFollowsUpAndUsesTheBotOutsideInteractions() throws Exception {
        try (TestGateway gw = gateway(dir, "handler:\n  type: echo")) {
            int edits = fake.calls("discord edit-original").size();
            String interaction = """
                    {"id":"i-100","type":2,"token":"interaction-token-secret-1","channel_id":"C9","guild_id":"G1",
                     "member":{"user":{"id":"U7","username":"ada"}},
                     "data":{"name":"deploy","options":[{"name":"env","type":3,"value":"prod"}]}}""";
            try (Http1ClientResponse deferred = discord(gw, interaction)) {
                assertThat(deferred.as(String.class), is("{\"type\":5}"));
            }
            Call edit = fake.await("discord edit-original", edits + 1, Duration.ofSeconds(10));
            assertThat(edit.method(), is("PATCH"));
            assertThat(edit.path(), is("/discord/api/v10/webhooks/" + APPLICATION + "/interaction-token-secret-1/messages/@original"));
            assertThat(edit.json(), is(json("{\"content\":\"echo: /deploy env:prod\"}")));
            assertThat(edit.header("Authorization").isPresent(), is(false));

            // A proactive message: the channel route with the bot token.
            int creates = fake.calls("discord create-message").size();
            JsonObject sent = api(gw, "/api/v1/channels/discord/messages", "{\"conversation\":\"C9\",\"text\":\"deployed\"}");
            assertThat(sent.getBoolean("ok"), is(true));
            Call create = fake.await("discord create-message", creates + 1, Duration.ofSeconds(10));
            assertThat(create.path(), is("/discord/api/v10/channels/C9/messages"));
            assertThat(create.header("Authorization").orElseThrow(), is("Bot " + DISCORD_BOT));
            assertThat(create.json(), is(json("{\"content\":\"deployed\"}")));
        }
    }

    @Test
    void discordHonoursRetryAfterAndRouteLimits() throws Exception {
        try (TestGateway gw = gateway(dir, "handler:\n  type: echo")) {
            int creates = fake.calls("discord create-message").size();
            fake.script("discord create-message", Scripted.answer(429, "{\"message\":\"You are being rate limited.\","
                    + "\"retry_after\":0.6,\"global\":false}", "Content-Type", "application/json"));
            api(gw, "/api/v1/channels/discord/messages", "{\"conversation\":\"C5\",\"text\":\"one\"}");
            Call limited = fake.await("discord create-message", creates + 1, Duration.ofSeconds(10));
            Call retried = fake.await("discord create-message", creates + 2, Duration.ofSeconds(10));
            assertThat(retried.nanos() - limited.nanos(), greaterThanOrEqualTo(Duration.ofMillis(550).toNanos()));

            // The route's last request: the next call on it waits for the reset.
            fake.script("discord create-message", Scripted.answer(200, "{\"id\":\"m-1\"}", "Content-Type", "application/json",
                                                                  "X-RateLimit-Remaining", "0",
                                                                  "X-RateLimit-Reset-After", "0.7"));
            api(gw, "/api/v1/channels/discord/messages", "{\"conversation\":\"C6\",\"text\":\"two\"}");
            api(gw, "/api/v1/channels/discord/messages", "{\"conversation\":\"C6\",\"text\":\"three\"}");
            List<Call> calls = fake.calls("discord create-message");
            Call exhausted = calls.get(creates + 2);
            Call next = calls.get(creates + 3);
            assertThat(next.nanos() - exhausted.nanos(), greaterThanOrEqualTo(Duration.ofMillis(650).toNanos()));

            // A refusal gives up with Discord's message.
            fake.script("discord create-message", Scripted.answer(403, "{\"message\":\"Missing Permissions\",\"code\":50013}",
                                                                  "Content-Type", "application/json"));
            JsonObject refused = apiAnswer(gw, "/api/v1/channels/discord/messages", "{\"conversation\":\"C7\",\"text\":\"x\"}", 422);
            assertThat(refused.getString("error"), is("Discord create-message failed: HTTP 403: Missing Permissions"));
        }
    }

    @Test
    void discordApprovalDecidesOnceWithUpdateMessage() throws Exception {
        try (TestGateway gw = gateway(dir, "handler:\n  type: recording\n  id: " + TestGateway.recorderId(dir))) {
            int edits = fake.calls("discord edit-original").size();
            int creates = fake.calls("discord create-message").size();
            int followUps = fake.calls("discord follow-up").size();
            try (Http1ClientResponse deferred = discord(gw, """
                    {"id":"i-200","type":2,"token":"interaction-token-secret-2","channel_id":"C9",
                     "user":{"id":"U7","username":"ada"},"data":{"name":"needs approval"}}""")) {
                assertThat(deferred.status().code(), is(200));
            }
            gw.recorder.next();
            // The recording handler asks on "needs approval"; its text here is "/needs approval", so ask via the API.
            JsonObject asked = api(gw, "/api/v1/channels/discord/approvals",
                                   "{\"conversation\":\"C9\",\"tool\":\"deploy\",\"description\":\"ship\",\"request_id\":\"r-1\"}");
            assertThat(asked.getString("request_id"), is("r-1"));
            Call prompt = fake.await("discord create-message", creates + 1, Duration.ofSeconds(10));
            JsonObject row = prompt.json().getJsonArray("components").getJsonObject(0);
            assertThat(row.getInt("type"), is(1));
            JsonObject approve = row.getJsonArray("components").getJsonObject(0);
            assertThat(approve.getInt("type"), is(2));
            assertThat(approve.getString("label"), is("Approve"));
            String customId = approve.getString("custom_id");
            assertThat(customId, customId.matches("[A-Za-z0-9_-]{22}:y"), is(true));
            String deny = row.getJsonArray("components").getJsonObject(1).getString("custom_id");

            String click = """
                    {"id":"i-201","type":3,"token":"interaction-token-secret-3","channel_id":"C9",
                     "member":{"user":{"id":"U8","username":"bob"}},"message":{"id":"m-9"},
                     "data":{"component_type":2,"custom_id":"%s"}}""".formatted(deny);
            try (Http1ClientResponse updated = discord(gw, click)) {
                assertThat(JsonBodies.object(updated.as(String.class)).orElseThrow(), is(json("""
                        {"type":7,"data":{"content":"Approval needed: deploy wants to run: ship\\nDenied by <@U8>","components":[]}}""")));
            }
            ChannelEvent decision = gw.recorder.next();
            assertThat(decision.approval().orElseThrow().requestId(), is("r-1"));
            assertThat(decision.approval().orElseThrow().decision(), is(Decision.DENY));

            // The other button of the same prompt, clicked later: refused, ephemeral, no event.
            try (Http1ClientResponse refused = discord(gw, click.replace("i-201", "i-202").replace(deny, customId))) {
                assertThat(JsonBodies.object(refused.as(String.class)).orElseThrow(), is(json("""
                        {"type":4,"data":{"content":"This approval was already decided or is not yours.","flags":64}}""")));
            }
            // The decision's reply ("decision DENY") follows up on the click's interaction.
            Call followUp = fake.await("discord follow-up", followUps + 1, Duration.ofSeconds(10));
            assertThat(followUp.path(), is("/discord/api/v10/webhooks/" + APPLICATION + "/interaction-token-secret-3"));
            assertThat(followUp.json(), is(json("{\"content\":\"decision DENY\"}")));
            assertThat(gw.recorder.events.poll(), is((ChannelEvent) null));
            assertThat(fake.calls("discord edit-original"), hasSize(edits));
        }
    }

    @Test
    void githubCommentsOnTheIssueAndIgnoresItsOwnComment() throws Exception {
        try (TestGateway gw = gateway(dir, "handler:\n  type: echo")) {
            int before = fake.calls("github create-comment").size();
            assertOk(github(gw, "issue_comment", """
                    {"action":"created","issue":{"number":17,"title":"Bug"},"comment":{"id":5,"body":"please look"},
                     "repository":{"full_name":"acme/web","owner":{"login":"acme"}},"sender":{"login":"ada"}}"""));
            Call comment = fake.await("github create-comment", before + 1, Duration.ofSeconds(10));
            assertThat(comment.method(), is("POST"));
            assertThat(comment.path(), is("/github/repos/acme/web/issues/17/comments"));
            assertThat(comment.header("Authorization").orElseThrow(), is("Bearer " + GITHUB_TOKEN));
            assertThat(comment.header("Accept").orElseThrow(), is("application/vnd.github+json"));
            assertThat(comment.header("X-GitHub-Api-Version").orElseThrow(), is("2022-11-28"));
            assertThat(comment.json(), is(json("{\"body\":\"echo: please look\"}")));
            // Done once the handler returned, by when the channel has noted the comment as its own; the call is counted.
            String metrics = metricsOnceHandled(gw, "gh", 1);
            assertThat(metric(metrics, "relaygate_sends_total{call=\"create-comment\",channel=\"gh\",status=\"201\"}"), is(1.0));

            // GitHub's webhook for that comment: acknowledged, not answered again.
            long ownId = JsonBodies.object(comment.answer()).orElseThrow().getJsonNumber("id").longValue();
            assertOk(github(gw, "issue_comment", """
                    {"action":"created","issue":{"number":17,"title":"Bug"},"comment":{"id":%d,"body":"echo: please look"},
                     "repository":{"full_name":"acme/web","owner":{"login":"acme"}},"sender":{"login":"bot"}}""".formatted(ownId)));

            // A repository event without an issue: nowhere to comment, given up at once.
            assertOk(github(gw, "push", """
                    {"ref":"refs/heads/main","head_commit":{"message":"x"},"issue":{"title":"t"},
                     "repository":{"full_name":"acme/web","owner":{"login":"acme"}},"sender":{"login":"ada"}}"""));
            JsonObject letter = deadLetter(gw);
            assertThat(letter.getString("error"), containsString("a GitHub reply goes to an issue or pull request"));
            assertThat(fake.calls("github create-comment"), hasSize(before + 1));

            // Rate limited: x-ratelimit-remaining 0 and a reset a second away are waited out.
            fake.script("github create-comment", Scripted.answer(403, "{\"message\":\"API rate limit exceeded\"}",
                                                                 "Content-Type", "application/json", "Retry-After", "1"));
            assertThat(api(gw, "/api/v1/channels/gh/messages",
                           "{\"conversation\":\"acme/web\",\"thread\":\"18\",\"text\":\"hello\"}").getBoolean("ok"), is(true));
            List<Call> calls = fake.calls("github create-comment");
            assertThat(calls, hasSize(before + 3));
            assertThat(calls.get(before + 2).nanos() - calls.get(before + 1).nanos(),
                       greaterThanOrEqualTo(Duration.ofMillis(950).toNanos()));

            JsonObject noButtons = apiAnswer(gw, "/api/v1/channels/gh/approvals",
                                             "{\"conversation\":\"acme/web\",\"thread\":\"18\",\"tool\":\"deploy\"}", 422);
            assertThat(noButtons.getString("error"), is("GitHub has no buttons: the github channel cannot ask for approvals"));
        }
    }

    @Test
    void standardWebhooksRepliesAreSignedAndRetriedWithTheSameId() throws Exception {
        try (TestGateway gw = gateway(dir, "handler:\n  type: echo")) {
            int before = fake.calls("hooks reply").size();
            fake.script("hooks reply", Scripted.answer(503, "busy", "Retry-After", "1"));
            assertOk(hooks(gw, "msg_r1", "{\"type\":\"chat.message\",\"data\":{\"text\":\"ping\",\"conversation\":\"room-1\"}}"));
            Call refused = fake.await("hooks reply", before + 1, Duration.ofSeconds(10));
            Call reply = fake.await("hooks reply", before + 2, Duration.ofSeconds(10));
            assertThat(reply.nanos() - refused.nanos(), greaterThanOrEqualTo(Duration.ofMillis(950).toNanos()));
            assertThat(reply.header("webhook-id"), is(refused.header("webhook-id")));
            assertThat(reply.json(), is(json("""
                    {"type":"relaygate.reply","conversation":"room-1","text":"echo: ping","in_reply_to":"msg_r1"}""")));
            String expected = StandardWebhooks.headers(Secret.ofStandardWebhooks(REPLY_WHSEC), reply.header("webhook-id").orElseThrow(),
                                                       Long.parseLong(reply.header("webhook-timestamp").orElseThrow()),
                                                       reply.body().getBytes(StandardCharsets.UTF_8)).get("webhook-signature");
            assertThat(reply.header("webhook-signature").orElseThrow(), is(expected));

            // A refusal that is not a 429 or 5xx gives up at once.
            fake.script("hooks reply", Scripted.answer(400, "bad"));
            JsonObject failed = apiAnswer(gw, "/api/v1/channels/hooks/messages", "{\"conversation\":\"room-1\",\"text\":\"x\"}", 422);
            assertThat(failed.getString("error"), is("Reply URL reply failed: HTTP 400"));
        }
    }

    @Test
    void standardWebhooksWithoutAReplyUrlRefusesToSendAndHalfAConfigurationDoesNotStart() throws Exception {
        PluginChannels.install(dir);
        try (TestGateway gw = TestGateway.start(dir, """
                api-token: %s
                channels:
                  slack:
                    enabled: false
                  hooks:
                    type: standard-webhooks
                    secrets: [%s]
                """.formatted(API_TOKEN, PluginChannels.WHSEC))) {
            JsonObject refused = apiAnswer(gw, "/api/v1/channels/hooks/messages", "{\"conversation\":\"c\",\"text\":\"x\"}", 422);
            assertThat(refused.getString("error"), is("the standard-webhooks channel hooks has no reply URL: set "
                                                              + "relaygate.channels.hooks.reply-url and reply-secret"));
        }
        PluginChannels.install(dir.resolve("half"));
        assertThat(TestGateway.startupFailure(dir.resolve("half"), """
                channels:
                  hooks:
                    type: standard-webhooks
                    secrets: [%s]
                    reply-url: http://127.0.0.1:9/replies
                """.formatted(PluginChannels.WHSEC)), containsString("relaygate.channels.hooks.reply-secret: required when reply-url is set"));
    }

    // ---- signed requests, as each provider sends them ----

    static String update(long id, String message) {
        return "{\"update_id\":" + id + ",\"message\":" + message + "}";
    }

    static String callback(long id, String queryId, long from, long chat, long messageId, String data) {
        return "{\"update_id\":" + id + ",\"callback_query\":{\"id\":\"" + queryId + "\",\"from\":{\"id\":" + from + "},"
                + "\"message\":{\"message_id\":" + messageId + ",\"chat\":{\"id\":" + chat + ",\"type\":\"private\"}},"
                + "\"data\":\"" + data + "\"}}";
    }

    static Http1ClientResponse telegram(TestGateway gw, String body) {
        return gw.post("/telegram/updates", body, "X-Telegram-Bot-Api-Secret-Token", PluginChannels.TELEGRAM_TOKEN);
    }

    static Http1ClientResponse discord(TestGateway gw, String body) throws Exception {
        String ts = Long.toString(TestGateway.NOW);
        Signature signer = Signature.getInstance("Ed25519");
        signer.initSign(discord.getPrivate());
        signer.update((ts + body).getBytes(StandardCharsets.UTF_8));
        return gw.post("/discord/interactions", body, "X-Signature-Timestamp", ts,
                       "X-Signature-Ed25519", HexFormat.of().formatHex(signer.sign()));
    }

    static Http1ClientResponse github(TestGateway gw, String event, String body) {
        return gw.post("/github/events", body, "X-GitHub-Event", event, "X-GitHub-Delivery", "d-" + body.hashCode(),
                       "X-Hub-Signature-256", HmacSignature.hex("sha256=").sign(Secret.ofText(PluginChannels.GITHUB_SECRET),
                                                                               body.getBytes(StandardCharsets.UTF_8)));
    }

    static Http1ClientResponse hooks(TestGateway gw, String id, String body) {
        Map<String, String> headers = StandardWebhooks.headers(Secret.ofStandardWebhooks(PluginChannels.WHSEC), id,
                                                               TestGateway.NOW, body.getBytes(StandardCharsets.UTF_8));
        return gw.post("/hooks/events", body, "webhook-id", headers.get("webhook-id"), "webhook-timestamp",
                       headers.get("webhook-timestamp"), "webhook-signature", headers.get("webhook-signature"));
    }

    // ---- the API ----

    static JsonObject api(TestGateway gw, String path, String body) {
        return apiAnswer(gw, path, body, 200);
    }

    static JsonObject apiAnswer(TestGateway gw, String path, String body, int status) {
        try (Http1ClientResponse response = gw.client.post(path).header(HeaderNames.AUTHORIZATION, "Bearer " + API_TOKEN)
                .submit(body)) {
            String text = response.as(String.class);
            assertThat(text, response.status().code(), is(status));
            return JsonBodies.object(text).orElseThrow();
        }
    }

    /** Waits for the one dead letter and returns it with its error. */
    static JsonObject deadLetter(TestGateway gw) throws InterruptedException {
        JsonObject[] page = new JsonObject[1];
        TestGateway.eventually("a dead letter", () -> {
            try (Http1ClientResponse response = gw.client.get("/api/v1/dead-letters")
                    .header(HeaderNames.AUTHORIZATION, "Bearer " + API_TOKEN).request()) {
                page[0] = JsonBodies.object(response.as(String.class)).orElseThrow();
            }
            return !page[0].getJsonArray("dead_letters").isEmpty();
        });
        return page[0].getJsonArray("dead_letters").getJsonObject(0);
    }

    /** The metrics text once the handler has returned {@code n} times for the channel. */
    static String metricsOnceHandled(TestGateway gw, String channel, int n) throws InterruptedException {
        String[] text = new String[1];
        String series = "relaygate_handler_duration_seconds_count{channel=\"" + channel + "\"}";
        TestGateway.eventually("the handler returned " + n + " times", () -> {
            try (Http1ClientResponse response = gw.client.get("/observe/metrics").request()) {
                text[0] = response.as(String.class);
            }
            return metric(text[0], series) >= n;
        });
        return text[0];
    }

    /** A series' value in Prometheus text, 0 when absent. */
    static double metric(String text, String series) {
        return text.lines().filter(line -> line.startsWith(series + " ")).findFirst()
                .map(line -> Double.parseDouble(line.substring(series.length() + 1).strip())).orElse(0.0);
    }

    static void assertOk(Http1ClientResponse response) {
        try (response) {
            assertThat(response.as(String.class), is("{\"ok\":true}"));
        }
    }

    static JsonObject json(String text) {
        return JsonBodies.object(text.replace("\n", "")).orElseThrow(() -> new AssertionError("bad JSON in test: " + text));
    }

}
