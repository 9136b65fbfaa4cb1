package dev.relaygate.plugins.slackrelay;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.relaygate.api.ApprovalDecision;
import dev.relaygate.api.ApprovalDecision.Decision;
import dev.relaygate.api.ApprovalRequest;
import dev.relaygate.api.ChannelEvent;
import dev.relaygate.api.ChannelException;
import dev.relaygate.api.Delivery;
import dev.relaygate.api.Inbound;
import dev.relaygate.api.OutboundMessage;
import dev.relaygate.api.Secret;
import dev.relaygate.devrelay.DevRelay;

import jakarta.json.JsonObject;
import dev.relaygate.devrelay.TestContext;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Replies through the relay proxy with the threading rules (relay-protocol.md 3.7, issue #3), and approvals (section 8).
 */
class RepliesAndApprovalsTest {
    private static final String PROXY = "/proxy/slack/chat.postMessage";
    private static final ApprovalRequest DEPLOY = new ApprovalRequest("7c1f6a9e-0d7b-4a51-9d52-3f5b8e1f2a10", "deploy",
                                                                      "Deploy the web app", "{\"env\":\"prod\"}", false);
    private DevRelay relay;
    private SlackRelayChannel channel;

    @BeforeEach
    void start() {
        relay = DevRelay.builder().apiKey("sk-agent-test").build().start();
        channel = SlackRelayChannelTest.channel(TestContext.of(Map.of("relay-url", relay.url().toString(),
                                                                      "api-key", "sk-agent-test",
                                                                      "team-id", "T0DEV")));
        channel.start();
    }

    @AfterEach
    void stop() {
        relay.close();
    }

    private static ChannelEvent event(String type, String conversation, Optional<String> thread) {
        return ChannelEvent.of("1700000000.000100", "slack", type, "slack", "T9", conversation, thread, "U1", "bob", "hi",
                               "{}", Instant.EPOCH);
    }

    private JsonObject lastPost() {
        List<DevRelay.Recorded> posts = relay.requests(PROXY);
        return posts.getLast().json();
    }

    @Test
    void channelMessagesAreAnsweredInTheirThread() {
        Delivery delivery = channel.send(OutboundMessage.reply(event("message", "C1", Optional.empty()), "pong"));
        JsonObject body = lastPost();
        assertThat(body.getString("channel"), is("C1"));
        assertThat(body.getString("text"), is("pong"));
        assertThat("a top-level message gets a thread under itself", body.getString("thread_ts"), is("1700000000.000100"));
        assertThat(relay.requests(PROXY).getLast().query("team_id"), is(Optional.of("T9")));
        assertThat(delivery.messageId().isPresent(), is(true));
        assertThat(delivery.thread(), is(Optional.of("1700000000.000100")));

        channel.send(OutboundMessage.reply(event("mention", "C1", Optional.of("1699.5")), "in thread"));
        assertThat(lastPost().getString("thread_ts"), is("1699.5"));
    }

    @Test
    void directMessagesAreThreadedOnlyWhenTheUserWroteInAThread() {
        channel.send(OutboundMessage.reply(event("direct_message", "D1", Optional.empty()), "plain"));
        assertThat(lastPost().containsKey("thread_ts"), is(false));
        channel.send(OutboundMessage.reply(event("direct_message", "D1", Optional.of("1699.5")), "threaded"));
        assertThat(lastPost().getString("thread_ts"), is("1699.5"));
    }

    @Test
    void proactiveMessagesUseTheActivationTeam() {
        channel.send(OutboundMessage.to("C7", "news"));
        assertThat(lastPost().containsKey("thread_ts"), is(false));
        assertThat(relay.requests(PROXY).getLast().query("team_id"), is(Optional.of("T0DEV")));
        channel.send(OutboundMessage.to("C7", "follow-up").inThread("1699.9"));
        assertThat(lastPost().getString("thread_ts"), is("1699.9"));
    }

    @Test
    void withoutARelayNothingCanBeSent() {
        SlackRelayChannel ingressOnly = SlackRelayChannelTest.channel(
                TestContext.of(Map.of("signing-secret", SlackRelayChannelTest.SECRET_HEX)));
        ChannelException error = assertThrows(ChannelException.class,
                                               () -> ingressOnly.send(OutboundMessage.to("C1", "x")));
        assertThat(error.getMessage(), is("cannot send: relay-url and api-key are not set"));
    }

    @Test
    void approvalsAreRefusedOutsideDirectMessages() {
        ChannelException error = assertThrows(ChannelException.class, () -> channel.send(
                OutboundMessage.reply(event("message", "C1", Optional.empty()), "").asking(DEPLOY)));
        assertThat(error.getMessage(), is("Tool 'deploy' requires approval and cannot run in shared channels. "
                                                  + "Ask the user to message me directly (DM) to use this tool."));
        assertThat(relay.requests("/approvals").isEmpty(), is(true));
        assertThat(relay.requests(PROXY).isEmpty(), is(true));
    }

    @Test
    void approvalButtonsCarryOnlyTheToken() {
        channel.send(OutboundMessage.reply(event("direct_message", "D1", Optional.of("1699.5")), "").asking(DEPLOY));
        JsonObject registration = relay.requests("/approvals").getFirst().json();
        assertThat(registration.getString("team_id"), is("T9"));
        assertThat(registration.getString("channel_id"), is("D1"));
        assertThat(registration.getString("request_id"), is(DEPLOY.requestId()));
        assertThat(registration.getString("thread_ts"), is("1699.5"));

        JsonObject message = lastPost();
        assertThat(message.getString("text"), is("Tool approval required: deploy - Deploy the web app"));
        assertThat(message.getString("thread_ts"), is("1699.5"));
        JsonObject section = message.getJsonArray("blocks").getJsonObject(0);
        assertThat(section.getString("type"), is("section"));
        assertThat(section.getJsonObject("text").getString("type"), is("mrkdwn"));
        assertThat(section.getJsonObject("text").getString("text"),
                   is("*Tool approval required*\n`deploy`: Deploy the web app\n```\n{\n    \"env\": \"prod\"\n}\n```"));
        var buttons = message.getJsonArray("blocks").getJsonObject(1).getJsonArray("elements");
        assertThat(buttons.size(), is(2));
        String token = buttons.getJsonObject(0).getString("value");
        assertThat(token.startsWith("{\"approval_token\":\"apr_"), is(true));
        assertThat(buttons.getJsonObject(0).getString("action_id"), is("approve_tool"));
        assertThat(buttons.getJsonObject(0).getString("style"), is("primary"));
        assertThat(buttons.getJsonObject(0).getJsonObject("text").getString("text"), is("Approve"));
        assertThat(buttons.getJsonObject(1).getString("action_id"), is("deny_tool"));
        assertThat(buttons.getJsonObject(1).getString("style"), is("danger"));
        assertThat(buttons.getJsonObject(1).getString("value"), is(token));
    }

    @Test
    void alwaysButtonWhenOffered() {
        ApprovalRequest offered = new ApprovalRequest("r-2", "shell", "Run ls", "{}", true);
        channel.send(OutboundMessage.to("D1", "").asking(offered));
        var buttons = lastPost().getJsonArray("blocks").getJsonObject(1).getJsonArray("elements");
        assertThat(buttons.size(), is(3));
        assertThat(buttons.getJsonObject(2).getJsonObject("text").getString("text"), is("Always"));
        assertThat(buttons.getJsonObject(2).getString("action_id"), is("always_tool"));
    }

    @Test
    void failedRegistrationPostsNothing() {
        relay.script("POST /approvals", DevRelay.Scripted.answer(500, "no"));
        ChannelException error = assertThrows(ChannelException.class, () -> channel.send(
                OutboundMessage.reply(event("direct_message", "D1", Optional.empty()), "").asking(DEPLOY)));
        assertThat(error.getMessage(), is("Failed to register approval: API error (HTTP 500): no"));
        assertThat(relay.requests(PROXY).isEmpty(), is(true));
    }

    private ChannelEvent decode(String conversation, Optional<String> thread, String text) {
        String body = jakarta.json.Json.createObjectBuilder()
                .add("id", "1700000001.000200").add("event_type", "direct_message").add("provider", "slack")
                .add("provider_scope", "T0DEV").add("channel_id", conversation).add("sender_id", "U1")
                .add("content", text)
                .add("thread_id", thread.<jakarta.json.JsonValue>map(jakarta.json.Json::createValue)
                        .orElse(jakarta.json.JsonValue.NULL))
                .build().toString();
        Inbound inbound = channel.decode(SlackRelayChannelTest.signed(Secret.ofHex(relay.signingSecretHex()),
                                                                      TestContext.NOW, body));
        return ((Inbound.Events) inbound).events().getFirst();
    }

    @Test
    void replyWordsAnswerThePendingApprovalOnce() {
        assertThat("no approval pending: just a message", decode("D1", Optional.empty(), "yes").type(), is("direct_message"));
        channel.send(OutboundMessage.reply(event("direct_message", "D1", Optional.empty()), "").asking(DEPLOY));
        assertThat("another conversation", decode("D2", Optional.empty(), "yes").type(), is("direct_message"));
        ChannelEvent decision = decode("D1", Optional.empty(), "  Yes ");
        assertThat(decision.type(), is(ChannelEvent.APPROVAL));
        assertThat(decision.approval(), is(Optional.of(new ApprovalDecision(DEPLOY.requestId(), Decision.APPROVE))));
        assertThat("answered already", decode("D1", Optional.empty(), "no").type(), is("direct_message"));

        for (String[] word : new String[][] {{"/always", "APPROVE_ALWAYS"}, {"cancel", "DENY"}, {"ok", "APPROVE"}}) {
            channel.send(OutboundMessage.to("D1", "").asking(DEPLOY));
            assertThat(decode("D1", Optional.empty(), word[0]).approval().orElseThrow().decision(),
                       is(Decision.valueOf(word[1])));
        }
    }

    @Test
    void theApprovalIsPendingBeforeThePromptIsVisibleAndNotAfterAFailedPrompt() throws Exception {
        // The relay shows the prompt, then is slow to answer: a click in between must find the request.
        relay.script("POST " + PROXY, DevRelay.Scripted.delay(Duration.ofMillis(500)));
        Thread sending = Thread.ofVirtual().start(() -> channel.send(
                OutboundMessage.reply(event("direct_message", "D1", Optional.empty()), "").asking(DEPLOY)));
        relay.await(PROXY, 1, Duration.ofSeconds(10));
        assertThat(decode("D1", Optional.empty(), "yes").type(), is(ChannelEvent.APPROVAL));
        sending.join();

        relay.script("POST " + PROXY, DevRelay.Scripted.answer(500, "down"));
        assertThrows(ChannelException.class, () -> channel.send(
                OutboundMessage.reply(event("direct_message", "D1", Optional.empty()), "").asking(DEPLOY)));
        assertThat("no prompt, nothing pending", decode("D1", Optional.empty(), "yes").type(), is("direct_message"));

        // A failed second prompt leaves the first, which the user can see, pending.
        channel.send(OutboundMessage.reply(event("direct_message", "D1", Optional.empty()), "").asking(DEPLOY));
        relay.script("POST " + PROXY, DevRelay.Scripted.answer(500, "down"));
        ApprovalRequest other = new ApprovalRequest("other-request", "drop", "Drop the table", "{}", false);
        assertThrows(ChannelException.class, () -> channel.send(
                OutboundMessage.reply(event("direct_message", "D1", Optional.empty()), "").asking(other)));
        assertThat(decode("D1", Optional.empty(), "yes").approval().orElseThrow().requestId(), is(DEPLOY.requestId()));
    }

    @Test
    void structuredDecisionsMustNameThePendingRequest() {
        channel.send(OutboundMessage.reply(event("direct_message", "D1", Optional.of("1699.5")), "").asking(DEPLOY));
        String wrong = "{\"ExecApproval\":{\"request_id\":\"other\",\"approved\":true,\"always\":false}}";
        assertThat(decode("D1", Optional.of("1699.5"), wrong).type(), is("direct_message"));
        String deny = "{\"ExecApproval\":{\"request_id\":\"" + DEPLOY.requestId() + "\",\"approved\":false,\"always\":false}}";
        assertThat("the thread must match too", decode("D1", Optional.empty(), deny).type(), is("direct_message"));
        assertThat(decode("D1", Optional.of("1699.5"), deny).approval(),
                   is(Optional.of(new ApprovalDecision(DEPLOY.requestId(), Decision.DENY))));
    }
}
