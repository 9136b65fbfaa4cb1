package dev.relaygate.server;

import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import io.helidon.http.HeaderNames;
import io.helidon.webclient.http1.Http1ClientResponse;

import com.standardwebhooks.Webhook;
import com.standardwebhooks.exceptions.WebhookVerificationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.relaygate.devrelay.DevRelay;

import jakarta.json.Json;
import jakarta.json.JsonObject;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.both;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The {@code forward} handler against a real agent over HTTP, with the dev relay as the channel: Standard Webhooks
 * signatures checked by the reference Java library, replies, retries, {@code Retry-After}, 410, dead letters and
 * replay through {@code /api/v1}.
 */
class ForwardHandlerTest {
    private static final String KEY = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static final String TOKEN = "forward-api-token-0";
    private static final String PROXY = "/proxy/slack/chat.postMessage";
    // Frozen, but at the real now: the reference library checks webhook-timestamp against the system clock.
    private static final Clock CLOCK = Clock.fixed(Instant.now().truncatedTo(ChronoUnit.SECONDS), ZoneOffset.UTC);

    @TempDir
    Path dir;
    private DevRelay relay;
    private FakeAgent agent;
    private TestGateway gw;

    @BeforeEach
    void start() {
        relay = DevRelay.builder().apiKey("sk-agent-fw").teamId("T0FW").clock(CLOCK)
                .out(new PrintStream(OutputStream.nullOutputStream())).build().start();
        agent = new FakeAgent();
        gw = TestGateway.start(dir, """
                api-token: %s
                handler:
                  type: forward
                  url: %s
                  secret: %s
                  retry-schedule: [PT1S, PT2S, PT3S]
                channels:
                  slack:
                    relay-url: %s
                    api-key: sk-agent-fw
                    team-id: T0FW
                """.formatted(TOKEN, agent.url(), KEY, relay.url()), "", CLOCK);
        relay.gateway(URI.create("http://127.0.0.1:" + gw.gateway.port()));
    }

    @AfterEach
    void stop() {
        gw.close();
        agent.close();
        relay.close();
    }

    @Test
    void deliversAStandardWebhooksSignedEventAndSendsTheAgentsReply() throws Exception {
        agent.answer(new FakeAgent.Answer(200, "{\"reply\":{\"text\":\"hi back\"}}", "Content-Type", "application/json"));
        assertThat(relay.message("message", "C1", "hello agent", Optional.empty()).status(), is(200));

        FakeAgent.Received delivery = agent.next();
        new Webhook(KEY).verify(delivery.body(), delivery.headers());
        assertThat(delivery.header("webhook-id"), startsWith("msg_"));
        assertThat(delivery.header("webhook-timestamp"), is(Long.toString(CLOCK.instant().getEpochSecond())));
        JsonObject event = delivery.json();
        assertThat(event.getString("schema"), is("relaygate.event.v1"));
        assertThat(event.getString("id"), is(delivery.header("webhook-id")));
        assertThat(event.getString("channel"), is("slack"));
        assertThat(event.getString("type"), is("message"));
        assertThat(event.getString("provider"), is("slack"));
        assertThat(event.getString("team"), is("T0FW"));
        assertThat(event.getString("conversation"), is("C1"));
        assertThat(event.isNull("thread"), is(true));
        assertThat(event.getJsonObject("sender").getString("name"), is("dev-user"));
        assertThat(event.getString("text"), is("hello agent"));
        assertThat(event.getJsonObject("raw").getString("content"), is("hello agent"));
        assertThat(event.getString("received_at"), is(CLOCK.instant().toString()));
        assertThat(event.getInt("attempt"), is(1));

        // A tampered body fails the reference check: the signature covers the exact bytes.
        assertThrows(WebhookVerificationException.class,
                     () -> new Webhook(KEY).verify(delivery.body().replace("hello", "HELLO"), delivery.headers()));

        JsonObject reply = relay.await(PROXY, 1, Duration.ofSeconds(10)).json();
        assertThat(reply.getString("channel"), is("C1"));
        assertThat(reply.getString("text"), is("hi back"));
        assertThat("a channel message is answered in its thread", reply.getString("thread_ts"),
                   is(event.getString("event_id")));
    }

    @Test
    void theAgentCanChooseTheThread() throws Exception {
        agent.answer(new FakeAgent.Answer(200, "{\"reply\":{\"text\":\"over here\",\"thread\":\"1700000000.000100\"}}"));
        relay.message("direct_message", "D1", "hi", Optional.empty());
        agent.next();
        JsonObject reply = relay.await(PROXY, 1, Duration.ofSeconds(10)).json();
        assertThat(reply.getString("channel"), is("D1"));
        assertThat(reply.getString("thread_ts"), is("1700000000.000100"));
    }

    @Test
    void aReplyTheChannelRefusesIsTheChannelsErrorNotTheAgents() throws Exception {
        agent.answer(new FakeAgent.Answer(200, "{\"reply\":{\"text\":\"into the void\"}}"));
        relay.script("POST " + PROXY, DevRelay.Scripted.answer(200, "{\"ok\":false,\"error\":\"channel_not_found\"}"));
        relay.message("direct_message", "D1", "hi", Optional.empty());
        agent.next();
        JsonObject letter = awaitDeadLetter();
        assertThat(letter.getString("error"), is("Slack API error: channel_not_found"));
        assertThat("not retried: the channel said a retry cannot help", letter.getInt("attempts"), is(1));
    }

    @Test
    void retriesOn500And429HonouringRetryAfterWithTheSameDeliveryId() throws Exception {
        agent.answer(new FakeAgent.Answer(500, "down"), new FakeAgent.Answer(429, "", "Retry-After", "7"));
        relay.message("direct_message", "D1", "again and again", Optional.empty());

        FakeAgent.Received first = agent.next();
        FakeAgent.Received second = agent.next();
        FakeAgent.Received third = agent.next();
        for (FakeAgent.Received delivery : List.of(first, second, third)) {
            new Webhook(KEY).verify(delivery.body(), delivery.headers());
            assertThat(delivery.header("webhook-id"), is(first.header("webhook-id")));
        }
        assertThat(List.of(first.json().getInt("attempt"), second.json().getInt("attempt"), third.json().getInt("attempt")),
                   is(List.of(1, 2, 3)));
        assertThat(gw.pauses.size(), is(2));
        assertThat("the schedule's first pause, with jitter", gw.pauses.getFirst(),
                   both(greaterThanOrEqualTo(Duration.ofMillis(800))).and(lessThanOrEqualTo(Duration.ofMillis(1200))));
        assertThat("Retry-After replaces the schedule", gw.pauses.get(1), is(Duration.ofSeconds(7)));
        assertThat(deadLetters().getJsonArray("dead_letters"), empty());
    }

    @Test
    void goneStopsAtOnceAndTheDeadLetterCanBeReplayed() throws Exception {
        agent.answer(new FakeAgent.Answer(410, "unsubscribed"));
        relay.message("direct_message", "D1", "anyone?", Optional.empty());
        String id = agent.next().header("webhook-id");

        JsonObject letter = awaitDeadLetter();
        assertThat(letter.getString("id"), is(id));
        assertThat(letter.getInt("attempts"), is(1));
        assertThat(letter.getString("error"), is("agent answered HTTP 410 (410 Gone: not retried): unsubscribed"));
        assertThat(letter.getJsonObject("event").getString("text"), is("anyone?"));
        assertThat("no retry after 410", gw.pauses, empty());

        try (Http1ClientResponse response = api("POST", "/api/v1/dead-letters/" + id + "/replay")) {
            assertThat(response.status().code(), is(200));
            assertThat(response.as(String.class), is("{\"ok\":true,\"replayed\":1}"));
        }
        FakeAgent.Received replayed = agent.next();
        assertThat("a replay keeps the delivery id", replayed.header("webhook-id"), is(id));
        assertThat("the agent saw it before: attempt 2", replayed.json().getInt("attempt"), is(2));
        assertThat(deadLetters().getJsonArray("dead_letters"), empty());
        try (Http1ClientResponse response = api("POST", "/api/v1/dead-letters/" + id + "/replay")) {
            assertThat(response.status().code(), is(404));
        }
    }

    @Test
    void deadAfterTheLastTryThenReplayAll() throws Exception {
        agent.answer(new FakeAgent.Answer(500, "down"), new FakeAgent.Answer(502, "<html>bad gateway</html>"),
                     new FakeAgent.Answer(503, "busy"), new FakeAgent.Answer(500, "still down"));
        relay.message("direct_message", "D1", "persist", Optional.empty());
        for (int attempt = 1; attempt <= 4; attempt++) {
            assertThat(agent.next().json().getInt("attempt"), is(attempt));
        }
        JsonObject letter = awaitDeadLetter();
        assertThat(letter.getInt("attempts"), is(4));
        assertThat(letter.getString("error"), is("agent answered HTTP 500: still down"));
        assertThat("the three pauses of the schedule", gw.pauses.size(), is(3));

        try (Http1ClientResponse response = api("POST", "/api/v1/dead-letters/replay")) {
            assertThat(response.as(String.class), is("{\"ok\":true,\"replayed\":1,\"remaining\":0}"));
        }
        assertThat(agent.next().json().getString("text"), is("persist"));
    }

    @Test
    void anUnreachableAgentIsRetried() throws Exception {
        agent.close();
        relay.message("direct_message", "D1", "hello?", Optional.empty());
        JsonObject letter = awaitDeadLetter();
        assertThat(letter.getInt("attempts"), is(4));
        assertThat(letter.getString("error"), startsWith("agent unreachable at 127.0.0.1:"));
    }

    @Test
    void approvalDecisionsAreForwardedTyped() throws Exception {
        String request = """
                {"conversation":"D7","thread":"1700000000.000200","request_id":"req-42","tool":"deploy",
                 "description":"Deploy web","parameters":{"env":"prod"},"allow_always":true}""";
        try (Http1ClientResponse response = api("POST", "/api/v1/channels/slack/approvals", request)) {
            assertThat(response.status().code(), is(200));
            assertThat(Json.createReader(new java.io.StringReader(response.as(String.class))).readObject()
                               .getString("request_id"), is("req-42"));
        }
        JsonObject prompt = relay.await(PROXY, 1, Duration.ofSeconds(10)).json();
        String value = prompt.getJsonArray("blocks").getJsonObject(1).getJsonArray("elements").getJsonObject(0)
                .getString("value");
        String token = Json.createReader(new java.io.StringReader(value)).readObject().getString("approval_token");
        assertThat(relay.decide(token, true, false).status(), is(200));

        JsonObject event = agent.next().json();
        assertThat(event.getString("type"), is("approval"));
        assertThat(event.getString("thread"), is("1700000000.000200"));
        assertThat(event.getJsonObject("approval"),
                   is(Json.createObjectBuilder().add("request_id", "req-42").add("decision", "approve").build()));
    }

    @Test
    void theAgentsErrorBodiesGoWithTheDeadLetterNotIntoTheLogs() throws Exception {
        List<LogRecord> logged = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                logged.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger dispatcher = Logger.getLogger(Dispatcher.class.getName());
        dispatcher.addHandler(capture);
        try {
            agent.answer(new FakeAgent.Answer(500, "card 4111-1111 of ann@example.com"),
                         new FakeAgent.Answer(410, "ann@example.com unsubscribed"));
            relay.message("direct_message", "D1", "pay", Optional.empty());
            agent.next();
            agent.next();
            JsonObject letter = awaitDeadLetter();
            assertThat(letter.getString("error"),
                       is("agent answered HTTP 410 (410 Gone: not retried): ann@example.com unsubscribed"));
            List<String> warnings = logged.stream().filter(r -> r.getLevel().intValue() >= Level.INFO.intValue())
                    .map(LogRecord::getMessage).toList();
            assertThat(warnings.size(), is(2));
            assertThat(warnings.get(0).endsWith(": agent answered HTTP 500"), is(true));
            assertThat(warnings.get(1).endsWith(": agent answered HTTP 410 (410 Gone: not retried)"), is(true));
        } finally {
            dispatcher.removeHandler(capture);
        }
    }

    private JsonObject awaitDeadLetter() throws InterruptedException {
        for (int i = 0; i < 1000; i++) {
            var letters = deadLetters().getJsonArray("dead_letters");
            if (!letters.isEmpty()) {
                return letters.getJsonObject(0);
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no dead letter within 10 s");
    }

    private JsonObject deadLetters() {
        try (Http1ClientResponse response = api("GET", "/api/v1/dead-letters")) {
            assertThat(response.status().code(), is(200));
            return Json.createReader(new java.io.StringReader(response.as(String.class))).readObject();
        }
    }

    private Http1ClientResponse api(String method, String path) {
        return api(method, path, null);
    }

    private Http1ClientResponse api(String method, String path, String body) {
        var request = gw.client.method(io.helidon.http.Method.create(method)).uri(path)
                .header(HeaderNames.AUTHORIZATION, "Bearer " + TOKEN);
        return body == null ? request.request() : request.submit(body);
    }
}
