package dev.relaygate.server;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import io.helidon.http.HeaderNames;
import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webclient.api.WebClient;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.relaygate.api.ApprovalDecision;
import dev.relaygate.api.ChannelEvent;
import dev.relaygate.devrelay.DevRelay;

import jakarta.json.JsonObject;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

/**
 * The whole relay protocol over real HTTP: a gateway and the dev relay on random loopback ports, with one frozen clock.
 */
class RelayEndToEndTest {
    private static final String TOKEN = "e2e-api-token-0123456";
    private static final String PROXY = "/proxy/slack/chat.postMessage";

    @TempDir
    Path dir;
    private DevRelay relay;
    private TestGateway gw;
    private final ByteArrayOutputStream relayOutput = new ByteArrayOutputStream();

    @BeforeEach
    void startRelay() {
        relay = DevRelay.builder().apiKey("sk-agent-e2e").teamId("T0E2E").clock(TestGateway.CLOCK)
                .out(new PrintStream(relayOutput, true, StandardCharsets.UTF_8)).build().start();
    }

    @AfterEach
    void stop() {
        if (gw != null) {
            gw.close();
        }
        relay.close();
    }

    private void startGateway(String handler, String extra) {
        gw = TestGateway.start(dir, """
                api-token: %s
                handler:
                  type: %s
                  id: %s
                channels:
                  slack:
                    relay-url: %s
                    api-key: sk-agent-e2e
                %s""".formatted(TOKEN, handler, TestGateway.recorderId(dir), relay.url(), extra));
        relay.gateway(URI.create("http://127.0.0.1:" + gw.gateway.port()));
    }

    private static HttpClientResponse get(WebClient client, String url, boolean bearer) {
        // WebClient.get(String) would take a query in the string as part of the path; a URI keeps it a query.
        var request = client.get().uri(URI.create(url));
        if (bearer) {
            request.header(HeaderNames.AUTHORIZATION, "Bearer " + TOKEN);
        }
        return request.request();
    }

    @Test
    void oauthConnectThenEventThenEchoReply() throws Exception {
        startGateway("echo", "");
        assertThat("not connected yet", relay.message("direct_message", "D1", "too early", Optional.empty()).status(),
                   is(503));

        WebClient browser = WebClient.builder().followRedirects(false).build();
        String base = "http://127.0.0.1:" + gw.gateway.port();
        try (HttpClientResponse refused = get(browser, base + "/api/v1/channels/slack/connect", false)) {
            assertThat(refused.status().code(), is(401));
        }
        String authorize;
        try (HttpClientResponse connect = get(browser, base + "/api/v1/channels/slack/connect", true)) {
            assertThat(connect.status().code(), is(302));
            authorize = connect.headers().first(HeaderNames.LOCATION).orElseThrow();
        }
        String callback;
        try (HttpClientResponse slack = get(browser, authorize, false)) {
            assertThat(slack.status().code(), is(302));
            callback = slack.headers().first(HeaderNames.LOCATION).orElseThrow();
        }
        assertThat(callback, containsString("/oauth/slack/callback?team_id=T0E2E&provider=slack&state="));
        try (HttpClientResponse page = get(browser, callback, false)) {
            assertThat(page.status().code(), is(200));
            assertThat(page.as(String.class), containsString("Slack Connected!"));
        }

        assertThat(relay.message("message", "C1", "hello", Optional.empty()),
                   is(new DevRelay.GatewayAnswer(200, "{\"ok\":true}")));
        JsonObject reply = relay.await(PROXY, 1, Duration.ofSeconds(10)).json();
        assertThat(reply.getString("channel"), is("C1"));
        assertThat(reply.getString("text"), is("echo: hello"));
        // The dev relay numbers its message ts; "too early" had the first.
        assertThat("a channel message is answered in a thread under it", reply.getString("thread_ts"),
                   is(TestGateway.NOW + ".000002"));
        assertThat(relay.requests(PROXY).getFirst().query("team_id"), is(Optional.of("T0E2E")));
        assertThat(relayOutput.toString(StandardCharsets.UTF_8), containsString("text=\"echo: hello\""));

        try (HttpClientResponse disconnect = browser.delete(base + "/api/v1/channels/slack/connection")
                .header(HeaderNames.AUTHORIZATION, "Bearer " + TOKEN).request()) {
            assertThat(disconnect.status().code(), is(200));
        }
        assertThat(relay.message("direct_message", "D1", "after", Optional.empty()),
                   is(new DevRelay.GatewayAnswer(503, "{\"ok\":false,\"error\":\"relay not configured\"}")));
    }

    @Test
    void approvalThroughButtonsReachesTheHandlerAsADecision() throws Exception {
        startGateway("recording", "    team-id: T0E2E");
        assertThat(relay.message("direct_message", "D9", "needs approval", Optional.of("1773946000.000001")).status(),
                   is(200));
        gw.recorder.next();
        JsonObject prompt = relay.await(PROXY, 1, Duration.ofSeconds(10)).json();
        assertThat(prompt.getString("thread_ts"), is("1773946000.000001"));
        var buttons = prompt.getJsonArray("blocks").getJsonObject(1).getJsonArray("elements");
        assertThat(buttons.size(), is(3));
        String value = buttons.getJsonObject(0).getString("value");
        String token = jakarta.json.Json.createReader(new java.io.StringReader(value)).readObject()
                .getString("approval_token");
        assertThat(relay.approval(token).orElseThrow().requestId(), is(RecordingHandlerProvider.APPROVAL.requestId()));

        assertThat(relay.decide(token, true, true).status(), is(200));
        ChannelEvent decision = gw.recorder.next();
        assertThat(decision.type(), is(ChannelEvent.APPROVAL));
        assertThat(decision.approval(), is(Optional.of(new ApprovalDecision(RecordingHandlerProvider.APPROVAL.requestId(),
                                                                            ApprovalDecision.Decision.APPROVE_ALWAYS))));
        JsonObject answer = relay.await(PROXY, 2, Duration.ofSeconds(10)).json();
        assertThat(answer.getString("text"), is("decision APPROVE_ALWAYS"));
        assertThat(answer.getString("thread_ts"), is("1773946000.000001"));
    }

    @Test
    void echoRepliesFollowTheThreadRules() throws Exception {
        startGateway("echo", "    team-id: T0E2E");
        String thread = "1773940000.000042";
        // The dev relay numbers its message ts from .000001: the mention is the first message.
        relay.message("mention", "C2", "<@bot> status?", Optional.empty());
        relay.message("direct_message", "D2", "in a thread", Optional.of(thread));
        relay.message("direct_message", "D2", "top level", Optional.empty());
        relay.message("message", "C3", "reply in thread", Optional.of(thread));
        // Four conversations are handled in parallel: find each reply by its text.
        relay.await(PROXY, 4, Duration.ofSeconds(10));
        Map<String, JsonObject> replies = new HashMap<>();
        relay.requests(PROXY).forEach(request -> replies.put(request.json().getString("text"), request.json()));
        JsonObject mention = replies.get("echo: <@bot> status?");
        JsonObject directInThread = replies.get("echo: in a thread");
        JsonObject direct = replies.get("echo: top level");
        JsonObject inThread = replies.get("echo: reply in thread");
        assertThat(mention.getString("channel"), is("C2"));
        assertThat("a mention is answered under it", mention.getString("thread_ts"), is(TestGateway.NOW + ".000001"));
        assertThat(directInThread.getString("channel"), is("D2"));
        assertThat(directInThread.getString("thread_ts"), is(thread));
        assertThat(direct.getString("text"), is("echo: top level"));
        assertThat("a direct message is answered at top level", direct.containsKey("thread_ts"), is(false));
        assertThat(inThread.getString("channel"), is("C3"));
        assertThat(inThread.getString("thread_ts"), is(thread));
    }

    @Test
    void sendCommandGoesThroughTheDevRelay() throws Exception {
        startGateway("echo", "    team-id: T0E2E");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int status = Demo.send(new String[] {"--relay", relay.url().toString(), "hi", "there"},
                               new PrintStream(out, true, StandardCharsets.UTF_8));
        assertThat(out.toString(StandardCharsets.UTF_8), is("gateway answered 200 {\"ok\":true}" + System.lineSeparator()));
        assertThat(status, is(0));
        JsonObject reply = relay.await(PROXY, 1, Duration.ofSeconds(10)).json();
        assertThat(reply.getString("channel"), is(Demo.CONVERSATION));
        assertThat(reply.getString("text"), is("echo: hi there"));
        assertThat("a direct message is not threaded", reply.containsKey("thread_ts"), is(false));
    }

    @Test
    void twoRelayChannelsCannotShareTheCallback() {
        StartupException e = org.junit.jupiter.api.Assertions.assertThrows(StartupException.class, () -> Gateway.create(
                TestGateway.config(dir, """
                        channels:
                          slack:
                            signing-secret: %s
                          second:
                            type: slack-relay
                            path: /relay/second
                            signing-secret: %s""".formatted(TestGateway.SECRET_HEX, TestGateway.SECRET_HEX), ""),
                TestGateway.CLOCK));
        assertThat(e.getMessage(),
                   // Channels are set up in name order: "second" claims the route first.
                   is("relaygate.channels.slack: route GET /oauth/slack/callback is already taken by channel second"));
    }
}
