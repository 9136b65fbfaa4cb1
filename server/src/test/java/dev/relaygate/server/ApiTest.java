package dev.relaygate.server;

import java.io.OutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webclient.http1.Http1ClientRequest;
import io.helidon.webclient.http1.Http1ClientResponse;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.relaygate.devrelay.DevRelay;

import jakarta.json.Json;
import jakarta.json.JsonObject;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * {@code /api/v1} over real HTTP, with the dev relay behind the channel.
 */
class ApiTest {
    private static final String TOKEN = "api-test-token-0123456789";
    private static final String PROXY = "/proxy/slack/chat.postMessage";

    @TempDir
    Path dir;
    private DevRelay relay;
    private TestGateway gw;

    @BeforeEach
    void start() {
        relay = DevRelay.builder().apiKey("sk-agent-api").teamId("T0API").clock(TestGateway.CLOCK)
                .out(new PrintStream(OutputStream.nullOutputStream())).build().start();
        gw = TestGateway.start(dir, """
                api-token: %s
                channels:
                  slack:
                    relay-url: %s
                    api-key: sk-agent-api
                    team-id: T0API
                """.formatted(TOKEN, relay.url()));
        relay.gateway(URI.create("http://127.0.0.1:" + gw.gateway.port()));
    }

    @AfterEach
    void stop() {
        gw.close();
        relay.close();
    }

    private Http1ClientResponse call(String method, String path, String body, String authorization) {
        // The client takes a query apart only through queryParam: "?" in a path is sent as part of the path.
        String[] parts = path.split("\\?", 2);
        Http1ClientRequest request = gw.client.method(Method.create(method)).uri(parts[0]);
        if (parts.length == 2) {
            for (String pair : parts[1].split("&")) {
                String[] nameValue = pair.split("=", 2);
                request.queryParam(nameValue[0], nameValue[1]);
            }
        }
        if (authorization != null) {
            request.header(HeaderNames.AUTHORIZATION, authorization);
        }
        return body == null ? request.request() : request.submit(body);
    }

    private Answer api(String method, String path, String body) {
        try (Http1ClientResponse response = call(method, path, body, "Bearer " + TOKEN)) {
            return new Answer(response.status().code(), response.as(String.class));
        }
    }

    private record Answer(int status, String body) {
        JsonObject json() {
            return Json.createReader(new StringReader(body)).readObject();
        }
    }

    @Test
    void missingOrWrongTokensAreRefusedEverywhere() {
        String[] routes = {"GET /api/v1/channels", "POST /api/v1/channels/slack/messages", "POST /api/v1/channels/slack/approvals",
                "GET /api/v1/dead-letters", "POST /api/v1/dead-letters/replay", "POST /api/v1/dead-letters/x/replay",
                "DELETE /api/v1/dead-letters/x", "GET /api/v1/channels/slack/connect", "GET /api/v1/nothing-here"};
        String[] wrong = {null, "Bearer", "Bearer ", "Bearer api-test-token-0123456788", "Bearer " + TOKEN + "x",
                "Bearer" + TOKEN, "Basic " + TOKEN, TOKEN, "Bearer " + TOKEN.substring(1)};
        for (String route : routes) {
            String[] parts = route.split(" ");
            for (String authorization : wrong) {
                try (Http1ClientResponse response = call(parts[0], parts[1], "{}", authorization)) {
                    assertThat(route + " with " + authorization, response.status().code(), is(401));
                    assertThat(response.headers().first(HeaderNames.WWW_AUTHENTICATE).orElseThrow(), is("Bearer"));
                    assertThat(response.as(String.class), is("{\"ok\":false,\"error\":\"unauthorized\"}"));
                }
            }
        }
        assertThat(relay.requests(PROXY).isEmpty(), is(true));
    }

    @Test
    void theSchemeNameIsCaseInsensitive() {
        for (String scheme : new String[] {"Bearer ", "bearer ", "BEARER ", "bEaReR  "}) {
            try (Http1ClientResponse response = call("GET", "/api/v1/channels", null, scheme + TOKEN)) {
                assertThat(scheme, response.status().code(), is(200));
            }
        }
    }

    @Test
    void withoutAConfiguredTokenEverythingIsRefused() {
        gw.close();
        gw = TestGateway.relay(dir.resolve("no-token"), "");
        for (String authorization : new String[] {null, "Bearer ", "Bearer " + TOKEN}) {
            try (Http1ClientResponse response = call("GET", "/api/v1/channels", null, authorization)) {
                assertThat(response.status().code(), is(401));
            }
        }
    }

    @Test
    void listsChannelsWithTheirState() {
        Answer answer = api("GET", "/api/v1/channels", null);
        assertThat(answer.status(), is(200));
        assertThat(answer.json(), is(Json.createReader(new StringReader("""
                {"ok":true,"channels":[{"name":"slack","type":"slack-relay","path":"/relay/events","ready":true,\
                "reason":"ready","webhooks":{}}]}""")).readObject()));

        // Webhooks are counted by outcome.
        try (Http1ClientResponse forged = gw.post("/relay/events", "{}", "X-Relay-Timestamp", Long.toString(TestGateway.NOW),
                                                  "X-Relay-Signature", "sha256=" + "0".repeat(64))) {
            assertThat(forged.status().code(), is(401));
        }
        assertThat(relay.message("direct_message", "D1", "counted", Optional.empty()).status(), is(200));
        assertThat(api("GET", "/api/v1/channels", null).json().getJsonArray("channels").getJsonObject(0)
                           .getJsonObject("webhooks"),
                   is(Json.createReader(new StringReader("{\"accepted\":1,\"invalid signature\":1}")).readObject()));

        // The same channel before any workspace is connected.
        gw.close();
        gw = TestGateway.start(dir.resolve("unconnected"), """
                api-token: %s
                channels:
                  slack:
                    relay-url: %s
                    api-key: sk-agent-api
                """.formatted(TOKEN, relay.url()));
        JsonObject channel = api("GET", "/api/v1/channels", null).json().getJsonArray("channels").getJsonObject(0);
        assertThat(channel.getBoolean("ready"), is(false));
        assertThat(channel.getString("reason"),
                   is("not connected: GET /api/v1/channels/slack/connect starts the Slack OAuth flow"));
    }

    @Test
    void sendsAMessageThroughTheChannel() throws InterruptedException {
        Answer answer = api("POST", "/api/v1/channels/slack/messages",
                            "{\"conversation\":\"C5\",\"text\":\"deploy finished\",\"thread\":\"1700000000.000300\"}");
        assertThat(answer.status(), is(200));
        JsonObject json = answer.json();
        assertThat(json.getBoolean("ok"), is(true));
        assertThat(json.getString("conversation"), is("C5"));
        assertThat(json.getString("thread"), is("1700000000.000300"));
        JsonObject posted = relay.await(PROXY, 1, Duration.ofSeconds(10)).json();
        assertThat(posted.getString("channel"), is("C5"));
        assertThat(posted.getString("text"), is("deploy finished"));
        assertThat(posted.getString("thread_ts"), is("1700000000.000300"));
        assertThat("the Slack ts of the new message", json.getString("message_id"), is(TestGateway.NOW + ".000001"));

        assertThat(api("POST", "/api/v1/channels/slack/messages", "{\"conversation\":\"C5\",\"text\":\"top level\"}")
                           .status(), is(200));
        assertThat("no thread unless asked", relay.await(PROXY, 2, Duration.ofSeconds(10)).json().containsKey("thread_ts"),
                   is(false));
    }

    @Test
    void badRequestsAreNamed() {
        assertThat(api("POST", "/api/v1/channels/slack/messages", "not json"),
                   is(new Answer(400, "{\"ok\":false,\"error\":\"the body must be a JSON object\"}")));
        assertThat(api("POST", "/api/v1/channels/slack/messages", "[1]"),
                   is(new Answer(400, "{\"ok\":false,\"error\":\"the body must be a JSON object\"}")));
        assertThat(api("POST", "/api/v1/channels/slack/messages", "{\"conversation\":\"C5\"}"),
                   is(new Answer(400, "{\"ok\":false,\"error\":\"'text' is required (a non-empty string)\"}")));
        assertThat(api("POST", "/api/v1/channels/slack/messages", "{\"conversation\":5,\"text\":\"x\"}"),
                   is(new Answer(400, "{\"ok\":false,\"error\":\"'conversation' must be a string\"}")));
        assertThat(api("POST", "/api/v1/channels/slack/approvals", "{\"conversation\":\"D1\",\"tool\":\"x\",\"allow_always\":\"yes\"}"),
                   is(new Answer(400, "{\"ok\":false,\"error\":\"'allow_always' must be true or false\"}")));
        assertThat(api("POST", "/api/v1/channels/nope/messages", "{\"conversation\":\"C5\",\"text\":\"x\"}"),
                   is(new Answer(404, "{\"ok\":false,\"error\":\"no channel named 'nope'\"}")));
        assertThat(api("GET", "/api/v1/nothing-here", null),
                   is(new Answer(404, "{\"ok\":false,\"error\":\"no such API route\"}")));
        assertThat(relay.requests(PROXY).isEmpty(), is(true));
    }

    @Test
    void channelRefusalsAreReportedWithTheChannelsText() {
        Answer answer = api("POST", "/api/v1/channels/slack/approvals", "{\"conversation\":\"C1\",\"tool\":\"deploy\"}");
        assertThat(answer, is(new Answer(422, "{\"ok\":false,\"error\":\"Tool 'deploy' requires approval and cannot run in "
                + "shared channels. Ask the user to message me directly (DM) to use this tool.\",\"retryable\":false}")));

        relay.script("POST " + PROXY, DevRelay.Scripted.answer(200, "{\"ok\":false,\"error\":\"channel_not_found\"}"));
        assertThat(api("POST", "/api/v1/channels/slack/messages", "{\"conversation\":\"C404\",\"text\":\"x\"}"),
                   is(new Answer(422, "{\"ok\":false,\"error\":\"Slack API error: channel_not_found\",\"retryable\":false}")));

        relay.script("POST " + PROXY, DevRelay.Scripted.answer(500, "relay broke"));
        assertThat("the relay failed: a retry may help", api("POST", "/api/v1/channels/slack/messages",
                                                              "{\"conversation\":\"C5\",\"text\":\"x\"}").status(), is(502));
    }

    @Test
    void deadLettersStartEmpty() {
        assertThat(api("GET", "/api/v1/dead-letters", null), is(new Answer(200, "{\"ok\":true,\"dead_letters\":[],\"total\":0}")));
        assertThat(api("DELETE", "/api/v1/dead-letters/msg_nope", null),
                   is(new Answer(404, "{\"ok\":false,\"error\":\"no dead letter 'msg_nope'\"}")));
        assertThat(api("POST", "/api/v1/dead-letters/replay", null),
                   is(new Answer(200, "{\"ok\":true,\"replayed\":0,\"remaining\":0}")));
        assertThat(api("GET", "/api/v1/dead-letters/msg_nope", null),
                   is(new Answer(404, "{\"ok\":false,\"error\":\"no dead letter 'msg_nope'\"}")));
    }

    @Test
    void deadLetterPagesAreBounded() {
        for (String limit : new String[] {"0", "501", "-1", "lots", "99999999999"}) {
            assertThat(limit, api("GET", "/api/v1/dead-letters?limit=" + limit, null), is(new Answer(400,
                    "{\"ok\":false,\"error\":\"'limit' must be a whole number from 1 to 500\"}")));
        }
        assertThat(api("GET", "/api/v1/dead-letters?limit=500", null).status(), is(200));
        assertThat(api("GET", "/api/v1/dead-letters?after=msg_nope", null), is(new Answer(400,
                "{\"ok\":false,\"error\":\"'after' is not a delivery id this gateway knows\"}")));
    }
}
