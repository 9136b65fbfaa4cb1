package dev.relaygate.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import io.helidon.webclient.http1.Http1ClientResponse;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;

/**
 * The webhook ingress against hostile senders: a body is read only when its headers could verify, bodies in flight
 * are bounded in bytes and in time, and a verifier or decoder that fails fails closed, never with a 500.
 */
class IngressTest {
    private static final String EVENT = """
            {"id":"%s","event_type":"message","provider_scope":"T1","channel_id":"C1","sender_id":"U1","content":"m"}""";
    private static final String TS = Long.toString(TestGateway.NOW);

    @TempDir
    Path dir;

    @Test
    void aRequestThatCanNeverVerifyIsRefusedBeforeItsBodyIsRead() throws IOException {
        try (TestGateway gw = TestGateway.relay(dir, "")) {
            // Each declares 100 000 bytes and sends 7: the answer comes at once, and the connection is closed.
            String unsigned = answerWithoutSendingTheBody(gw, "");
            assertThat(unsigned, startsWith("HTTP/1.1 401"));
            assertThat(unsigned, containsString("Connection: close"));
            assertThat(unsigned, endsWith("{\"ok\":false,\"error\":\"missing signature\"}"));
            String stale = answerWithoutSendingTheBody(gw, "X-Relay-Timestamp: " + (TestGateway.NOW - 301)
                    + "\r\nX-Relay-Signature: sha256=00\r\n");
            assertThat(stale, endsWith("{\"ok\":false,\"error\":\"stale timestamp\"}"));
        }
    }

    private static String answerWithoutSendingTheBody(TestGateway gw, String headers) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", gw.gateway.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("POST /relay/events HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n" + headers
                    + "\r\npartial").getBytes(StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    @Test
    void overTheBudgetLargeBodiesAreBusySmallOnesGetInAndStalledOnesAreCutOff() throws Exception {
        // Bodies over 64 KiB may use half of the 200 000 bytes: one stalled 100 000-byte body fills that half.
        try (TestGateway gw = TestGateway.start(dir, """
                ingress:
                  max-bytes-in-flight: 200000
                  body-timeout: PT60S
                channels:
                  slack:
                    signing-secret: %s""".formatted(TestGateway.SECRET_HEX), "max-payload-size: 100000");
             Socket stalled = stalledBody(gw, 100_000)) {
            TestGateway.eventually("the stalled body holds its bytes", () -> gw.gateway.ingress().inFlight() == 100_000);
            String large = EVENT.formatted("x".repeat(90_000));
            try (Http1ClientResponse busy = gw.postSigned(large)) {
                assertThat(busy.status().code(), is(503));
                assertThat(busy.as(String.class), is("{\"ok\":false,\"error\":\"busy\"}"));
            }
            try (Http1ClientResponse small = gw.postSigned(EVENT.formatted("small"))) {
                assertThat(small.status().code(), is(200));
            }
            // Once the stalled body has been arriving for over a second, a new body cuts it off to make room.
            Thread.sleep(Ingress.CUTTABLE_AFTER.toMillis() + 100);
            try (Http1ClientResponse accepted = gw.postSigned(large)) {
                assertThat(accepted.status().code(), is(200));
            }
            assertThat("the stalled sender's connection was closed", closed(stalled), is(true));
            // A claim is given back just after its answer has been written.
            TestGateway.eventually("every byte given back", () -> gw.gateway.ingress().inFlight() == 0);
        }
    }

    @Test
    void aBodyThatDoesNotArriveWithinTheTimeoutIsCutOff() throws Exception {
        try (TestGateway gw = TestGateway.start(dir, """
                ingress:
                  body-timeout: PT1S
                channels:
                  slack:
                    signing-secret: %s""".formatted(TestGateway.SECRET_HEX));
             Socket stalled = stalledBody(gw, 1000)) {
            assertThat(closed(stalled), is(true));
            // The reader counts the outcome after the interrupt has closed the connection, so not necessarily before now.
            TestGateway.eventually("the timeout is counted", () -> metrics(gw)
                    .contains("relaygate_webhook_requests_total{channel=\"slack\",outcome=\"body_timeout\"} 1.0"));
            assertThat(gw.gateway.ingress().inFlight(), is(0L));
        }
    }

    private static String metrics(TestGateway gw) {
        try (Http1ClientResponse metrics = gw.client.get("/observe/metrics").request()) {
            return metrics.as(String.class);
        }
    }

    /** Headers that pass the precheck, then a few bytes of the declared body, then nothing. */
    private static Socket stalledBody(TestGateway gw, int length) throws IOException {
        Socket socket = new Socket("127.0.0.1", gw.gateway.port());
        OutputStream out = socket.getOutputStream();
        out.write(("POST /relay/events HTTP/1.1\r\nHost: x\r\nContent-Length: " + length + "\r\nX-Relay-Timestamp: " + TS
                + "\r\nX-Relay-Signature: sha256=" + "0".repeat(64) + "\r\n\r\n{\"id\":").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return socket;
    }

    private static boolean closed(Socket socket) throws IOException {
        socket.setSoTimeout(10_000);
        try (InputStream in = socket.getInputStream()) {
            in.readAllBytes();
            return true;
        } catch (SocketException e) {
            return true; // reset
        }
    }

    @Test
    void aVerifierOrDecoderThatFailsFailsClosed() throws InterruptedException {
        try (TestGateway gw = TestGateway.start(dir, "channels:\n  slack:\n    enabled: false\n  broken:\n    type: faulty")) {
            String[][] faults = {
                    {"precheck-throws", "401", "verification failed"},
                    {"verify-throws", "401", "verification failed"},
                    {"verify-error", "401", "verification failed"},
                    {"verify-null", "401", "verification failed"},
                    {"decode-throws", "400", "invalid body"},
                    {"decode-error", "400", "invalid body"},
                    {"decode-null", "400", "invalid body"}};
            for (String[] fault : faults) {
                try (Http1ClientResponse response = gw.post("/faulty", "e-" + fault[0], "X-Fault", fault[0])) {
                    assertThat(fault[0], response.status().code(), is(Integer.parseInt(fault[1])));
                    assertThat(response.as(String.class), is("{\"ok\":false,\"error\":\"" + fault[2] + "\"}"));
                }
            }
            try (Http1ClientResponse response = gw.post("/faulty", "e-fine")) {
                assertThat(response.status().code(), is(200));
            }
            assertThat("only the request without a fault reached the agent", gw.recorder.next().id(), is("e-fine"));
            TestGateway.eventually("nothing left in the inbox", () -> gw.gateway.inbox().backlog().size() == 0);
            assertThat(gw.recorder.events.isEmpty(), is(true));
        }
    }
}
