package dev.relaygate.server;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import io.helidon.http.HeaderNames;
import io.helidon.webclient.http1.Http1ClientResponse;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.relaygate.api.Attempt;
import dev.relaygate.api.ChannelEvent;
import dev.relaygate.server.store.Inbox;

import static dev.relaygate.server.TestGateway.NOW;
import static dev.relaygate.server.TestGateway.SECRET;
import static dev.relaygate.server.TestGateway.sign;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.both;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.startsWith;

/**
 * relay-protocol.md section 2.2 row by row, over real HTTP, with the clock frozen at the worked example's timestamp
 * (section 9.3 items 1 to 4).
 */
class RelayWebhookTest {
    private static final String EVENT = """
            {"id":"evt_123","event_type":"direct_message","provider":"slack","provider_scope":"T123",\
            "channel_id":"D456","sender_id":"U789","sender_name":"bob","content":"hi there",\
            "thread_id":"1234567890.123456","raw":{},"timestamp":"2026-03-09T21:00:00Z"}""";
    // relay-protocol.md 2.4, byte for byte (260 bytes).
    private static final String WORKED_EXAMPLE = "{\"id\":\"1773946400.123456\",\"event_type\":\"direct_message\","
            + "\"provider\":\"slack\",\"provider_scope\":\"T0123ABCD\",\"channel_id\":\"D0456EFGH\","
            + "\"sender_id\":\"U0789IJKL\",\"sender_name\":\"alice\",\"content\":\"hello agent\",\"thread_id\":null,"
            + "\"raw\":{},\"timestamp\":\"2026-03-19T18:53:20Z\"}";

    private static final AtomicInteger IDS = new AtomicInteger();

    @TempDir
    static Path dir;
    static TestGateway gw;

    /** EVENT with an id of its own: the shared gateway deduplicates by event id. */
    private static String fresh(String text) {
        return EVENT.replace("evt_123", "evt_" + IDS.incrementAndGet()).replace("hi there", text);
    }

    @BeforeAll
    static void start() {
        gw = TestGateway.relay(dir, "");
    }

    @AfterAll
    static void stop() {
        gw.close();
    }

    private static void assertAnswer(Http1ClientResponse response, int status, String body) {
        try (response) {
            assertThat(response.as(String.class), is(body));
            assertThat(response.status().code(), is(status));
            assertThat(response.headers().contentType().orElseThrow().text(), startsWith("application/json"));
        }
    }

    private static void assertRejected(Http1ClientResponse response, int status, String reason) {
        assertAnswer(response, status, "{\"ok\":false,\"error\":\"" + reason + "\"}");
    }

    private static Http1ClientResponse post(String body, String timestamp, String signature) {
        return gw.post("/relay/events", body, "X-Relay-Timestamp", timestamp, "X-Relay-Signature", signature);
    }

    @Test
    void workedExampleIsAcceptedAndMapped() throws InterruptedException {
        assertThat(WORKED_EXAMPLE.length(), is(260));
        assertAnswer(post(WORKED_EXAMPLE, "1773946426",
                          "sha256=62e77314916230f18aede321e1be2f03e7c75faf716a3ae365cf231fa8a1ca13"),
                     200, "{\"ok\":true}");
        ChannelEvent event = gw.recorder.next();
        assertThat(event.id(), is("1773946400.123456"));
        assertThat(event.channel(), is("slack"));
        assertThat(event.type(), is("direct_message"));
        assertThat(event.provider(), is("slack"));
        assertThat(event.scope(), is("T0123ABCD"));
        assertThat(event.conversation(), is("D0456EFGH"));
        assertThat(event.thread(), is(Optional.empty()));
        assertThat(event.senderId(), is("U0789IJKL"));
        assertThat(event.senderName(), is("alice"));
        assertThat(event.text(), is("hello agent"));
        assertThat(event.raw(), is(WORKED_EXAMPLE));
    }

    @Test
    void signatureWithTheHexTextAsKeyIsRejected() {
        assertRejected(post(WORKED_EXAMPLE, "1773946426",
                            "sha256=5f5afc16d8ea093921a53ec2dd13bd67a56a55922bdf624203677ae497c7aac0"),
                       401, "invalid signature");
    }

    @Test
    void missingSignature() {
        assertRejected(gw.post("/relay/events", EVENT, "X-Relay-Timestamp", Long.toString(NOW)), 401, "missing signature");
    }

    @Test
    void nonAsciiSignatureCountsAsMissing() throws Exception {
        String ts = Long.toString(NOW);
        byte[] head = ("POST /relay/events HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Relay-Timestamp: " + ts
                + "\r\nX-Relay-Signature: " + sign(SECRET, ts, EVENT)).getBytes(StandardCharsets.US_ASCII);
        byte[] tail = ("\u00e9\r\nContent-Length: " + EVENT.length() + "\r\n\r\n" + EVENT).getBytes(StandardCharsets.ISO_8859_1);
        byte[] request = new byte[head.length + tail.length];
        System.arraycopy(head, 0, request, 0, head.length);
        System.arraycopy(tail, 0, request, head.length, tail.length);
        String answer = gw.raw(request);
        assertThat(answer, startsWith("HTTP/1.1 401"));
        assertThat(answer.endsWith("{\"ok\":false,\"error\":\"missing signature\"}"), is(true));
    }

    @Test
    void missingTimestamp() {
        assertRejected(gw.post("/relay/events", EVENT, "X-Relay-Signature", sign(SECRET, Long.toString(NOW), EVENT)),
                       401, "missing timestamp");
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "1.5", "", "1e9", "0x10", "99999999999999999999"})
    void malformedTimestamp(String ts) {
        assertRejected(post(EVENT, ts, sign(SECRET, ts, EVENT)), 400, "malformed timestamp");
    }

    @ParameterizedTest
    @ValueSource(longs = {-301, 301, 86_400, -1_773_946_426L, 1_773_946_426_000L - NOW})
    void staleTimestamp(long offset) {
        String ts = Long.toString(NOW + offset);
        assertRejected(post(EVENT, ts, sign(SECRET, ts, EVENT)), 401, "stale timestamp");
    }

    @ParameterizedTest
    @ValueSource(longs = {-300, 300, 0})
    void windowBoundariesAreAccepted(long offset) throws InterruptedException {
        String ts = Long.toString(NOW + offset);
        String event = fresh("at " + offset);
        assertAnswer(post(event, ts, sign(SECRET, ts, event)), 200, "{\"ok\":true}");
        assertThat(gw.recorder.next().text(), is("at " + offset));
    }

    @Test
    void timestampIsHashedVerbatim() throws InterruptedException {
        String ts = "+" + NOW;
        String event = fresh("verbatim");
        assertAnswer(post(event, ts, sign(SECRET, ts, event)), 200, "{\"ok\":true}");
        assertThat(gw.recorder.next().text(), is("verbatim"));
        assertRejected(post(EVENT, ts, sign(SECRET, Long.toString(NOW), EVENT)), 401, "invalid signature");
    }

    @Test
    void signatureMustMatchExactly() {
        String ts = Long.toString(NOW);
        String good = sign(SECRET, ts, EVENT);
        assertRejected(post(EVENT, ts, good.toUpperCase()), 401, "invalid signature");
        assertRejected(post(EVENT, ts, "sha256=" + good.substring(7).toUpperCase()), 401, "invalid signature");
        assertRejected(post(EVENT, ts, good.substring(7)), 401, "invalid signature");
        assertRejected(post(EVENT, ts, "sha1=" + good.substring(7)), 401, "invalid signature");
        assertRejected(post(EVENT, ts, "sha256= " + good.substring(7)), 401, "invalid signature");
        assertRejected(post(EVENT, ts, good + "," + good), 401, "invalid signature");
        assertRejected(post(EVENT + " ", ts, good), 401, "invalid signature");
    }

    @ParameterizedTest
    @ValueSource(strings = {"not json", "", "[]", "\"x\"", "{\"content\":\"x\"}", "{\"event_type\":null}",
            "{\"event_type\":\"message\",\"id\":null}", "{\"event_type\":\"message\",\"channel_id\":null}",
            "{\"event_type\":\"message\",\"content\":5}", "{\"event_type\":\"message\"} trailing",
            "{\"event_type\":\"message\",\"team_id\":\"T1\",\"provider_scope\":\"T1\"}",
            "{\"event_type\":\"message\",\"event_type\":\"message\"}", "{\"event_type\":\"message\""})
    void signedButInvalidJson(String body) {
        String ts = Long.toString(NOW);
        assertRejected(post(body, ts, sign(SECRET, ts, body)), 400, "invalid JSON");
    }

    @Test
    void aliasesNullablesAndUnknownFields() throws InterruptedException {
        String body = """
                {"event_type":"mention","id":"1609459200.000100","team_id":"T9","channel_id":"C1","sender_id":"U1",\
                "sender_name":null,"text":"hey","thread_ts":"1609459100.000001","extra":{"nested":[1,2]},\
                "timestamp":null}""";
        assertAnswer(gw.postSigned(body), 200, "{\"ok\":true}");
        ChannelEvent event = gw.recorder.next();
        assertThat(event.type(), is("mention"));
        assertThat(event.scope(), is("T9"));
        assertThat(event.text(), is("hey"));
        assertThat(event.thread(), is(Optional.of("1609459100.000001")));
        assertThat(event.senderName(), is("U1"));
    }

    @Test
    void eventsWithoutIdsAreAcknowledgedAndDropped() throws InterruptedException {
        assertAnswer(gw.postSigned("{\"event_type\":\"message\",\"content\":\"hello\"}"), 200, "{\"ok\":true}");
        assertAnswer(gw.postSigned(fresh("after the dropped one")), 200, "{\"ok\":true}");
        assertThat("the dropped event never reaches the handler", gw.recorder.next().text(), is("after the dropped one"));
    }

    @Test
    void aRelayRetryIsAcknowledgedAndHandledOnce() throws InterruptedException {
        String event = fresh("sent twice");
        assertAnswer(gw.postSigned(event), 200, "{\"ok\":true}");
        assertAnswer(gw.postSigned(event), 200, "{\"ok\":true}");
        assertAnswer(gw.postSigned(fresh("next")), 200, "{\"ok\":true}");
        assertThat(gw.recorder.next().text(), is("sent twice"));
        assertThat("the retry was not handled again", gw.recorder.next().text(), is("next"));
    }

    @Test
    void otherMethodsGet405() {
        try (Http1ClientResponse response = gw.client.get("/relay/events").request()) {
            assertThat(response.status().code(), is(405));
            assertThat(response.headers().first(HeaderNames.ALLOW).orElseThrow(), is("POST"));
            assertThat(response.as(String.class), is("{\"ok\":false,\"error\":\"method not allowed\"}"));
        }
    }

    @Test
    void aHandlerThatThrowsIsRetriedOnTheScheduleThenDeadAndTheConversationGoesOn() throws InterruptedException {
        // The gateway is shared by this class: start from a clean record.
        gw.recorder.attempts.clear();
        gw.pauses.clear();
        assertAnswer(gw.postSigned(fresh("boom")), 200, "{\"ok\":true}");
        assertAnswer(gw.postSigned(fresh("hi there")), 200, "{\"ok\":true}");
        String deliveryId = null;
        for (int attempt = 1; attempt <= 8; attempt++) {
            assertThat(gw.recorder.next().text(), is("boom"));
            Attempt tried = gw.recorder.attempts.take();
            assertThat(tried.number(), is(attempt));
            deliveryId = deliveryId == null ? tried.deliveryId() : deliveryId;
            assertThat("one delivery id across tries", tried.deliveryId(), is(deliveryId));
        }
        assertThat("the next event of the conversation waits for the retries", gw.recorder.next().text(), is("hi there"));
        // The default schedule (5 s ... 10 h), each pause varied by up to 20%.
        List<Duration> schedule = RetrySchedule.DEFAULT.pauses();
        assertThat(gw.pauses.size(), is(7));
        for (int i = 0; i < 7; i++) {
            assertThat(gw.pauses.get(i), both(greaterThanOrEqualTo(schedule.get(i).multipliedBy(8).dividedBy(10)))
                    .and(lessThanOrEqualTo(schedule.get(i).multipliedBy(12).dividedBy(10))));
        }
        Inbox.DeadLetter dead = gw.gateway.inbox().deadLetters(1, Optional.empty()).getFirst();
        assertThat(dead.entry().id(), is(deliveryId));
        assertThat(dead.entry().attempt(), is(8));
        assertThat(dead.error(), is("java.lang.IllegalStateException: boom"));
    }

    @Test
    void badInputNeverYields500() {
        java.util.Random random = new java.util.Random(42);
        String[] timestamps = {Long.toString(NOW), "", "-", "+", "9223372036854775807", "-9223372036854775808", "1 2",
                "1\t2"};
        for (int i = 0; i < 200; i++) {
            byte[] bytes = new byte[random.nextInt(64)];
            random.nextBytes(bytes);
            String body = random.nextBoolean() ? new String(bytes, StandardCharsets.ISO_8859_1) : EVENT.substring(0,
                    random.nextInt(EVENT.length()));
            String ts = timestamps[random.nextInt(timestamps.length)];
            String signature = random.nextBoolean() ? sign(SECRET, ts, body) : "sha256=" + Integer.toHexString(i);
            try (Http1ClientResponse response = post(body, ts, signature)) {
                int status = response.status().code();
                assertThat("status " + status + " for request " + i, status == 400 || status == 401, is(true));
            }
        }
    }
}
