package dev.relaygate.server;

import java.io.OutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import io.helidon.webclient.http1.Http1ClientResponse;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.relaygate.devrelay.DevRelay;
import dev.relaygate.devrelay.TestContext;

import jakarta.json.Json;
import jakarta.json.JsonObject;


import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * {@code /observe/health/ready} goes DOWN with its cause and comes back UP: a full backlog, a relay that stops
 * answering or reports the workspace disconnected.
 */
class ReadinessTest {
    private static final String EVENT = """
            {"id":"%d","event_type":"message","provider_scope":"T1","channel_id":"C%d","sender_id":"U1","content":"m"}""";

    private static final String TOKEN = "readiness-api-token-0123";

    @TempDir
    Path dir;

    private record Ready(int status, String reason) {
    }

    private static Ready ready(TestGateway gw) {
        try (Http1ClientResponse response = gw.client.get("/observe/health/ready").request()) {
            JsonObject body = Json.createReader(new StringReader(response.as(String.class))).readObject();
            return new Ready(response.status().code(),
                             body.getJsonArray("checks").getJsonObject(0).getJsonObject("data").getString("reason"));
        }
    }

    private static Ready await(TestGateway gw, int status) throws InterruptedException {
        for (int i = 0; i < 1000; i++) {
            Ready ready = ready(gw);
            if (ready.status() == status) {
                return ready;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("readiness did not become " + status + ": " + ready(gw));
    }

    @Test
    void aBacklogOver90PercentIsNotReady() throws InterruptedException {
        try (TestGateway gw = TestGateway.relay(dir, "inbox:\n  capacity: 10")) {
            assertThat(ready(gw), is(new Ready(200, "ready")));
            gw.recorder.hold();
            for (int i = 0; i < 9; i++) {
                gw.postSigned(EVENT.formatted(i, i)).close();
            }
            assertThat("90% is still ready", ready(gw).status(), is(200));
            gw.postSigned(EVENT.formatted(9, 9)).close();
            assertThat(ready(gw), is(new Ready(503, "inbox backlog at 10 of 10")));
            gw.recorder.release();
            assertThat(await(gw, 200).reason(), is("ready"));
        }
    }

    @Test
    void theRelaysAnswerDecides() throws InterruptedException {
        TestContext.TestClock clock = new TestContext.TestClock(Instant.ofEpochSecond(TestGateway.NOW));
        DevRelay relay = DevRelay.builder().apiKey("sk-agent-r").teamId("T0R").clock(clock)
                .out(new PrintStream(OutputStream.nullOutputStream())).build().start();
        try (TestGateway gw = TestGateway.start(dir, """
                api-token: %s
                channels:
                  slack:
                    relay-url: %s
                    api-key: sk-agent-r
                    team-id: T0R
                """.formatted(TOKEN, relay.url()), "", clock)) {
            relay.gateway(URI.create("http://127.0.0.1:" + gw.gateway.port()));
            assertThat(await(gw, 200).reason(), is("ready"));

            relay.connected(false);
            clock.advance(Duration.ofSeconds(31));
            assertThat(await(gw, 503).reason(), is("workspace T0R is disconnected at the relay"));

            relay.connected(true);
            clock.advance(Duration.ofSeconds(31));
            assertThat(await(gw, 200).reason(), is("ready"));

            // Public readiness shows a fixed reason; what the relay said is for operators, behind the token.
            relay.script("GET /connections", DevRelay.Scripted.answer(500, "stack trace: db=prod-7 at line 42"));
            clock.advance(Duration.ofSeconds(31));
            assertThat(await(gw, 503).reason(), is("relay error HTTP 500"));
            try (Http1ClientResponse response = gw.client.get("/observe/health/ready").request()) {
                assertThat(response.as(String.class).contains("prod-7"), is(false));
            }
            try (Http1ClientResponse response = gw.client.get("/api/v1/channels")
                    .header(io.helidon.http.HeaderNames.AUTHORIZATION, "Bearer " + TOKEN).request()) {
                JsonObject channel = Json.createReader(new StringReader(response.as(String.class))).readObject()
                        .getJsonArray("channels").getJsonObject(0);
                assertThat(channel.getString("reason"), is("relay error HTTP 500"));
                assertThat(channel.getString("detail").contains("stack trace: db=prod-7"), is(true));
            }

            relay.close();
            clock.advance(Duration.ofSeconds(31));
            TestGateway.eventually("relay unreachable", () -> ready(gw).equals(new Ready(503, "relay unreachable")));
        } finally {
            relay.close();
        }
    }

    @Test
    void withoutAConnectedWorkspaceTheChannelIsNotReady() {
        try (TestGateway gw = TestGateway.start(dir, "channels:\n  slack:\n    relay-url: http://127.0.0.1:9\n    api-key: sk-agent-x")) {
            assertThat(ready(gw), is(new Ready(503, "not connected: GET /api/v1/channels/slack/connect starts the Slack "
                                                    + "OAuth flow")));
        }
    }
}
