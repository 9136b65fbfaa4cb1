package dev.relaygate.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringReader;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import io.helidon.http.HeaderNames;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webclient.http1.Http1ClientResponse;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import jakarta.json.Json;
import jakarta.json.JsonObject;

import dev.relaygate.server.store.Inbox;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.isOneOf;

/**
 * What an attacker without any secret, or a sender with a backlog of huge events, does to a gateway running with
 * {@code bin/relaygate}'s JVM flags (a 144 MiB heap): it keeps answering, keeps accepting signed events, and never runs
 * out of memory.
 */
class AvailabilityTest {
    private static final String TOKEN = "availability-api-token";
    private static final int NEAR_MAXIMUM = 960 * 1024;

    @TempDir
    Path dir;

    private Path config(String handlerYaml, String extraYaml) throws IOException {
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, """
                server:
                  host: 127.0.0.1
                  port: 0
                relaygate:
                  data-dir: %s
                  plugins-dir: %s
                  api-token: %s
                  channels:
                    slack:
                      signing-secret: %s
                  handler:
                %s
                %s""".formatted(dir.resolve("data"), dir.resolve("plugins"), TOKEN, TestGateway.SECRET_HEX,
                                handlerYaml.indent(4), extraYaml.indent(2)));
        return config;
    }

    @Test
    void hundredsOfStalledNearMaximumBodiesLeaveHealthAndSignedEventsAlone() throws Exception {
        Path log = dir.resolve("gateway.log");
        ChildGateway child = ChildGateway.startWithScriptFlags(config("type: log", """
                ingress:
                  body-timeout: PT3S"""), log);
        List<Socket> attackers = new ArrayList<>();
        try (ExecutorService writers = Executors.newVirtualThreadPerTaskExecutor()) {
            // 300 bodies that look signed (a fresh timestamp and a signature header pass the header checks) and 100
            // that do not: each declares 1 MiB, sends 960 KiB and stalls.
            for (int i = 0; i < 400; i++) {
                Socket socket = new Socket("127.0.0.1", child.port());
                attackers.add(socket);
                boolean looksSigned = i % 4 != 3;
                writers.submit(() -> stall(socket, looksSigned));
            }
            Http1Client http = child.client();
            for (int n = 0; n < 20; n++) {
                assertThat(status(http, "/observe/health/live"), is(200));
                assertThat(status(http, "/observe/health/ready"), is(200));
                assertThat("a signed event is accepted", sendSigned(http, "during-" + n, "hello"), is(200));
            }
            String metrics = get(http, "/observe/metrics");
            assertThat("the budget refused bodies", metrics, containsString("outcome=\"busy\""));
            assertThat("the precheck refused the unsigned ones unread", metrics, containsString("outcome=\"missing_signature\""));

            // Past the body deadline every stalled connection is closed by the gateway.
            for (Socket socket : attackers) {
                assertThat("closed by the gateway", closedByPeer(socket), is(true));
            }
            assertThat(sendSigned(http, "after", "hello"), is(200));
            assertThat(child.process().isAlive(), is(true));
        } finally {
            for (Socket socket : attackers) {
                socket.close();
            }
            child.kill();
        }
        String output = Files.readString(log);
        assertThat(output, not(containsString("OutOfMemoryError")));
        assertThat(output, containsString("body timeout; connection closed"));
    }

    @Test
    void aBacklogOfHugeEventsAndHundredsOfDeadLettersStayOnDisk() throws Exception {
        // The agent is down (nothing listens on port 1): every event waits in the backlog for its next try.
        Path log = dir.resolve("first.log");
        ChildGateway first = ChildGateway.startWithScriptFlags(config("""
                type: forward
                url: http://127.0.0.1:1/agent
                secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw""", ""), log);
        String text = "x".repeat(NEAR_MAXIMUM - 200);
        Map<Integer, Integer> statuses = new HashMap<>();
        try {
            Http1Client http = first.client();
            for (int n = 0; n < 110; n++) {
                statuses.merge(sendSigned(http, "big-" + n, text), 1, Integer::sum);
            }
            assertThat(statuses.keySet().stream().allMatch(status -> status == 200 || status == 503), is(true));
            assertThat("inbox.max-bytes (64 MiB) holds some", statuses.get(200), greaterThan(10));
            assertThat("and refuses the rest with 503 event queue full", statuses.getOrDefault(503, 0), greaterThan(0));
            assertThat(get(http, "/observe/metrics"), containsString("outcome=\"event_queue_full\""));
        } finally {
            first.terminate();
        }
        assertThat(Files.readString(log), not(containsString("OutOfMemoryError")));

        // The next run takes the backlog over (its bodies stay on disk) and the agent now refuses everything: all
        // become dead letters, and more keep coming.
        log = dir.resolve("second.log");
        ChildGateway second = ChildGateway.startWithScriptFlags(config("type: give-up", ""), log);
        try {
            Http1Client http = second.client();
            int accepted = 0;
            for (int n = 0; accepted < 120 && n < 1000; n++) {
                int status = sendSigned(http, "dead-" + n, text);
                assertThat(status, isOneOf(200, 503));
                accepted += status == 200 ? 1 : 0;
            }
            int total = statuses.get(200) + accepted;
            // Each of these events is read back from disk for its one try: give the machine time.
            Instant deadline = Instant.now().plusSeconds(120);
            while (json(get(http, "/api/v1/dead-letters", "limit", "1")).getInt("total") < total) {
                assertThat("every event a dead letter in time", Instant.now().isBefore(deadline), is(true));
                Thread.sleep(200);
            }

            JsonObject page = json(get(http, "/api/v1/dead-letters"));
            assertThat(page.getJsonArray("dead_letters").size(), is(ApiRoutes.PAGE));
            JsonObject listed = page.getJsonArray("dead_letters").getJsonObject(0);
            assertThat("listings leave the body out", listed.getJsonObject("event").containsKey("raw"), is(false));
            assertThat(listed.getJsonObject("event").getString("text").length(), is(Inbox.TEXT_PREVIEW));
            assertThat(page.getInt("total"), is(total));
            JsonObject next = json(get(http, "/api/v1/dead-letters", "limit", "500", "after", page.getString("next")));
            assertThat(next.getJsonArray("dead_letters").size(), is(total - ApiRoutes.PAGE));
            assertThat("the last page", next.containsKey("next"), is(false));

            JsonObject whole = json(get(http, "/api/v1/dead-letters/" + listed.getString("id"))).getJsonObject("dead_letter");
            assertThat(whole.getJsonObject("event").getString("text"), is(text));
            try (Http1ClientResponse replayed = http.post("/api/v1/dead-letters/replay")
                    .header(HeaderNames.AUTHORIZATION, "Bearer " + TOKEN).request()) {
                assertThat(replayed.status().code(), is(200));
                assertThat(json(replayed.as(String.class)).getInt("replayed"), is(lessThan(total)));
            }
            assertThat(status(http, "/observe/health/live"), is(200));
            assertThat(second.process().isAlive(), is(true));
        } finally {
            second.kill();
        }
        assertThat(Files.readString(log), not(containsString("OutOfMemoryError")));
    }

    @Test
    void aFullInMemoryBacklogOfHugeEventsFitsTheHeap() throws Exception {
        // The memory inbox keeps every waiting event, body and text, on the heap: inbox.max-bytes (64 MiB) of them,
        // while eight senders keep near-maximum bodies in flight.
        Path log = dir.resolve("memory.log");
        ChildGateway child = ChildGateway.startWithScriptFlags(config("""
                type: forward
                url: http://127.0.0.1:1/agent
                secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw""", """
                inbox:
                  type: memory"""), log);
        String text = "x".repeat(NEAR_MAXIMUM - 200);
        Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
        try {
            try (ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int sender = 0; sender < 8; sender++) {
                    String prefix = "big-" + sender + "-";
                    senders.submit(() -> {
                        Http1Client http = child.client();
                        for (int n = 0; n < 15; n++) {
                            statuses.merge(sendSigned(http, prefix + n, text), 1, Integer::sum);
                        }
                        return null;
                    });
                }
            }
            assertThat(statuses.keySet().stream().allMatch(status -> status == 200 || status == 503), is(true));
            assertThat("a full backlog", statuses.getOrDefault(503, 0), greaterThan(0));
            assertThat(get(child.client(), "/observe/metrics"), containsString("outcome=\"event_queue_full\""));
            assertThat(status(child.client(), "/observe/health/live"), is(200));
            assertThat(child.process().isAlive(), is(true));
        } finally {
            child.kill();
        }
        assertThat(Files.readString(log), not(containsString("OutOfMemoryError")));
    }

    @Test
    void aGatewayThatRunsOutOfMemoryExitsNonZeroForItsSupervisor() throws Exception {
        assertThat(ChildGateway.scriptFlags(), hasItem("-XX:+ExitOnOutOfMemoryError"));
        Path log = dir.resolve("hog.log");
        ChildGateway child = ChildGateway.startWithScriptFlags(config("type: memory-hog", ""), log);
        try {
            assertThat(sendSigned(child.client(), "hog", "take it all"), is(200));
            assertThat("the JVM ended", child.process().waitFor(60, TimeUnit.SECONDS), is(true));
            assertThat("with a status a supervisor restarts on", child.process().exitValue(), is(3));
        } finally {
            child.process().destroyForcibly();
        }
        assertThat(Files.readString(log), containsString("Terminating due to java.lang.OutOfMemoryError"));
    }

    /** Headers (with or without plausible signature headers), 960 KiB of a declared 1 MiB, then nothing. */
    private static Void stall(Socket socket, boolean looksSigned) {
        try {
            OutputStream out = socket.getOutputStream();
            String ts = Long.toString(Instant.now().getEpochSecond());
            out.write(("POST /relay/events HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576\r\n"
                    + (looksSigned ? "X-Relay-Timestamp: " + ts + "\r\nX-Relay-Signature: sha256=" + "0".repeat(64) + "\r\n" : "")
                    + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[NEAR_MAXIMUM]);
            out.flush();
        } catch (IOException e) {
            // The gateway refused and closed it before the body was sent: what it should do.
        }
        return null;
    }

    /** Whether the gateway closed the connection (an answer and then the end, or a reset). */
    private static boolean closedByPeer(Socket socket) throws IOException {
        socket.setSoTimeout(20_000);
        try (InputStream in = socket.getInputStream()) {
            in.readAllBytes();
            return true;
        } catch (SocketException e) {
            return true; // reset
        }
    }

    private static int sendSigned(Http1Client http, String id, String text) {
        String body = """
                {"id":"%s","event_type":"message","provider_scope":"T1","channel_id":"C1","sender_id":"U1","content":"%s"}"""
                .formatted(id, text);
        String ts = Long.toString(Instant.now().getEpochSecond());
        try (Http1ClientResponse response = http.post("/relay/events")
                .header(HeaderNames.create("X-Relay-Timestamp"), ts)
                .header(HeaderNames.create("X-Relay-Signature"), TestGateway.sign(TestGateway.SECRET, ts, body))
                .submit(body)) {
            return response.status().code();
        }
    }

    private static int status(Http1Client http, String path) {
        try (Http1ClientResponse response = http.get(path).request()) {
            return response.status().code();
        }
    }

    /** A GET with the API token; query parameters as name, value pairs. */
    private static String get(Http1Client http, String path, String... query) {
        var request = http.get(path).header(HeaderNames.AUTHORIZATION, "Bearer " + TOKEN);
        for (int i = 0; i < query.length; i += 2) {
            request.queryParam(query[i], query[i + 1]);
        }
        try (Http1ClientResponse response = request.request()) {
            assertThat(path, response.status().code(), is(200));
            return response.as(String.class);
        }
    }

    private static JsonObject json(String text) {
        return Json.createReader(new StringReader(text)).readObject();
    }
}
