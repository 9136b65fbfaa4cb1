package dev.relaygate.server;

import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import io.helidon.webclient.http1.Http1ClientResponse;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

/**
 * Step 1 of relay-protocol.md 2.2 ({@code 503 not ready}) and readiness that tells why, through a gateway that
 * serves HTTP while one channel is still starting.
 */
class LifecycleTest {
    private static final String EVENT = """
            {"id":"e1","event_type":"message","provider_scope":"T1","channel_id":"C1","sender_id":"U1","content":"x"}""";

    @TempDir
    Path dir;

    @Test
    void notReadyUntilEveryChannelStarted() throws Exception {
        String gateId = UUID.randomUUID().toString();
        GatedChannelProvider.Gate gate = GatedChannelProvider.gate(gateId);
        Gateway gateway = Gateway.create(TestGateway.config(dir, """
                channels:
                  slack:
                    signing-secret: %s
                  slow:
                    type: gated
                    path: /slow
                    gate: %s""".formatted(TestGateway.SECRET_HEX, gateId), ""), TestGateway.CLOCK);
        Thread starter = Thread.ofVirtual().start(gateway::start);
        try {
            assertThat(gate.starting.await(10, TimeUnit.SECONDS), is(true));
            TestGateway gw = new TestGateway(gateway, TestGateway.recorderOf(dir));
            try (Http1ClientResponse response = gw.postSigned(EVENT)) {
                assertThat(response.status().code(), is(503));
                assertThat(response.as(String.class), is("{\"ok\":false,\"error\":\"not ready\"}"));
            }
            try (Http1ClientResponse response = gw.client.get("/observe/health/ready").request()) {
                assertThat(response.status().code(), is(503));
                assertThat(response.as(String.class), containsString("gateway is starting"));
            }
            gate.open.countDown();
            starter.join();
            try (Http1ClientResponse response = gw.postSigned(EVENT)) {
                assertThat(response.status().code(), is(200));
            }
            assertThat(gw.recorder.next().id(), is("e1"));
        } finally {
            gate.open.countDown();
            starter.join();
            gateway.close();
        }
    }

    @Test
    void readinessNamesTheChannelThatCannotAcceptEvents() {
        // A relay is configured but no workspace is connected yet: no secret to check signatures with.
        try (TestGateway gw = TestGateway.start(dir, "channels:\n  slack:\n    relay-url: http://127.0.0.1:9\n    api-key: sk-agent-x")) {
            try (Http1ClientResponse response = gw.client.get("/observe/health/ready").request()) {
                assertThat(response.status().code(), is(503));
                String body = response.as(String.class);
                assertThat(body, containsString("\"name\":\"channel:slack\",\"status\":\"DOWN\""));
                assertThat(body, containsString("\"reason\":\"not connected: GET /api/v1/channels/slack/connect starts "
                                                        + "the Slack OAuth flow\""));
            }
            try (Http1ClientResponse response = gw.client.get("/observe/health/live").request()) {
                assertThat(response.status().code(), is(200));
            }
            try (Http1ClientResponse response = gw.postSigned(EVENT)) {
                assertThat(response.status().code(), is(503));
                assertThat(response.as(String.class), is("{\"ok\":false,\"error\":\"relay not configured\"}"));
            }
        }
    }

    @Test
    void readyWithASecret() {
        try (TestGateway gw = TestGateway.relay(dir, "")) {
            try (Http1ClientResponse response = gw.client.get("/observe/health").request()) {
                assertThat(response.status().code(), is(200));
                assertThat(response.as(String.class), containsString("\"status\":\"UP\""));
            }
        }
    }
}
