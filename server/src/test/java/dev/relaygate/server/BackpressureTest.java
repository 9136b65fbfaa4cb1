package dev.relaygate.server;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import io.helidon.webclient.http1.Http1ClientResponse;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;

/**
 * The inbox bound, a closed inbox and the gateway's own lifecycle, through real HTTP.
 */
class BackpressureTest {
    private static final String EVENT = """
            {"id":"%d","event_type":"message","provider_scope":"T1","channel_id":"C1","sender_id":"U1","content":"m%d"}""";

    @TempDir
    Path dir;

    private static void assertStatus(Http1ClientResponse response, int status, String body) {
        try (response) {
            assertThat(response.status().code(), is(status));
            assertThat(response.as(String.class), is(body));
        }
    }

    @Test
    void fullQueueAnswers503AndNothingIsLost() throws InterruptedException {
        int capacity = 64;
        try (TestGateway gw = TestGateway.relay(dir, "inbox:\n  capacity: " + capacity)) {
            gw.recorder.hold();
            // The first event waits in the handler and still counts: the backlog is everything not yet handled.
            assertStatus(gw.postSigned(EVENT.formatted(0, 0)), 200, "{\"ok\":true}");
            gw.recorder.awaitEntered();
            for (int i = 1; i < capacity; i++) {
                assertStatus(gw.postSigned(EVENT.formatted(i, i)), 200, "{\"ok\":true}");
            }
            assertStatus(gw.postSigned(EVENT.formatted(99, 99)), 503, "{\"ok\":false,\"error\":\"event queue full\"}");
            assertThat(gw.gateway.inbox().backlog().size(), is(capacity));
            gw.recorder.release();
            for (int i = 0; i < capacity; i++) {
                assertThat(gw.recorder.next().id(), is(Integer.toString(i)));
            }
            assertThat(gw.recorder.events.isEmpty(), is(true));
        }
    }

    @Test
    void closedInboxAnswers503() {
        try (TestGateway gw = TestGateway.relay(dir, "")) {
            gw.gateway.inbox().close();
            assertStatus(gw.postSigned(EVENT.formatted(1, 1)), 503, "{\"ok\":false,\"error\":\"not ready\"}");
        }
    }

    @Test
    void oversizedBodiesGet413Json() throws Exception {
        try (TestGateway gw = TestGateway.start(dir, """
                channels:
                  slack:
                    signing-secret: %s""".formatted(TestGateway.SECRET_HEX), "max-payload-size: 100")) {
            String big = "x".repeat(101);
            assertStatus(gw.postSigned(big), 413, "{\"ok\":false,\"error\":\"payload too large\"}");
            // Signature headers that pass the precheck, so that the body is read.
            String ts = Long.toString(TestGateway.NOW);
            String chunked = gw.raw(("POST /relay/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                    + "X-Relay-Timestamp: " + ts + "\r\nX-Relay-Signature: " + TestGateway.sign(TestGateway.SECRET, ts, big)
                    + "\r\n\r\n65\r\n" + big + "\r\n0\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            // Helidon 4.5.0 answers 413 with Connection: close, then still parses the unread chunk bytes as a second
            // request (a 400); only the first answer is ours to check.
            assertThat(chunked, startsWith("HTTP/1.1 413"));
            assertThat(chunked, containsString("Content-Type: application/json\r\n\r\n"
                    + "{\"ok\":false,\"error\":\"payload too large\"}"));
        }
    }
}
