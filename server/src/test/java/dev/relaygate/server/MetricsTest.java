package dev.relaygate.server;

import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.helidon.http.HeaderNames;
import io.helidon.webclient.http1.Http1ClientResponse;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.relaygate.devrelay.DevRelay;

import jakarta.json.Json;
import jakarta.json.JsonObject;

import static dev.relaygate.server.TestGateway.NOW;
import static dev.relaygate.server.TestGateway.SECRET;
import static dev.relaygate.server.TestGateway.sign;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * {@code /observe/metrics} after a scripted mix of good and bad requests: exact counts.
 */
class MetricsTest {
    private static final String TOKEN = "metrics-api-token-0123";

    @TempDir
    Path dir;
    private DevRelay relay;
    private TestGateway gw;

    @BeforeEach
    void start() {
        relay = DevRelay.builder().apiKey("sk-agent-m").teamId("T0M").clock(TestGateway.CLOCK)
                .out(new PrintStream(OutputStream.nullOutputStream())).build().start();
        gw = TestGateway.start(dir, """
                api-token: %s
                handler:
                  type: recording
                  id: %s
                  retry-schedule: [PT1S]
                channels:
                  slack:
                    relay-url: %s
                    api-key: sk-agent-m
                    team-id: T0M
                """.formatted(TOKEN, TestGateway.recorderId(dir), relay.url()));
        relay.gateway(URI.create("http://127.0.0.1:" + gw.gateway.port()));
    }

    @AfterEach
    void stop() {
        gw.close();
        relay.close();
    }

    @Test
    void countsEveryOutcomeExactly() throws Exception {
        JsonObject once = Json.createObjectBuilder().add("id", "e-1").add("event_type", "message").add("provider", "slack")
                .add("provider_scope", "T0M").add("channel_id", "C1").add("sender_id", "U1").add("content", "one").build();
        assertThat(relay.push(once).status(), is(200));
        assertThat("a relay retry", relay.push(once).status(), is(200));
        assertThat(relay.message("message", "C1", "two", Optional.empty()).status(), is(200));
        assertThat(relay.message("direct_message", "D1", "boom", Optional.empty()).status(), is(200));

        String secret = relay.signingSecretHex();
        String body = "{\"id\":\"x\"}";
        String ts = Long.toString(NOW);
        String good = sign(dev.relaygate.api.Secret.ofHex(secret), ts, body);
        statusOf(gw.post("/relay/events", body, "X-Relay-Timestamp", ts));
        statusOf(gw.post("/relay/events", body, "X-Relay-Timestamp", ts, "X-Relay-Signature", sign(SECRET, ts, body)));
        statusOf(gw.post("/relay/events", body, "X-Relay-Timestamp", ts, "X-Relay-Signature", good + "0"));
        String stale = Long.toString(NOW - 301);
        statusOf(gw.post("/relay/events", body, "X-Relay-Timestamp", stale, "X-Relay-Signature",
                         sign(dev.relaygate.api.Secret.ofHex(secret), stale, body)));
        assertThat("signed, but not a relay event", statusOf(gw.post("/relay/events", body, "X-Relay-Timestamp", ts,
                                                                      "X-Relay-Signature", good)), is(400));
        try (Http1ClientResponse response = gw.client.get("/relay/events").request()) {
            assertThat(response.status().code(), is(405));
        }

        // Handled: one, two, and boom twice (the schedule allows one retry), then boom is dead.
        for (int i = 0; i < 4; i++) {
            gw.recorder.next();
        }
        // An outbound message that the relay first answers 429.
        relay.script("POST /proxy/slack/chat.postMessage", DevRelay.Scripted.answer(429, "slow down", "Retry-After", "0"));
        try (Http1ClientResponse response = gw.client.post("/api/v1/channels/slack/messages")
                .header(HeaderNames.AUTHORIZATION, "Bearer " + TOKEN)
                .submit("{\"conversation\":\"C1\",\"text\":\"hello\"}")) {
            assertThat(response.status().code(), is(200));
        }

        String metrics = awaitMetric("relaygate_dead_letters_total", 1.0, "channel", "slack");
        assertThat(value(metrics, "relaygate_webhook_requests_total", "outcome", "accepted"), is(3.0));
        assertThat(value(metrics, "relaygate_webhook_requests_total", "outcome", "duplicate"), is(1.0));
        assertThat(value(metrics, "relaygate_webhook_requests_total", "outcome", "missing_signature"), is(1.0));
        assertThat(value(metrics, "relaygate_webhook_requests_total", "outcome", "invalid_signature"), is(2.0));
        assertThat(value(metrics, "relaygate_webhook_requests_total", "outcome", "stale_timestamp"), is(1.0));
        assertThat(value(metrics, "relaygate_webhook_requests_total", "outcome", "invalid_json"), is(1.0));
        assertThat(value(metrics, "relaygate_webhook_requests_total", "outcome", "method_not_allowed"), is(1.0));
        assertThat(value(metrics, "relaygate_handler_duration_seconds_count", "channel", "slack"), is(4.0));
        assertThat(value(metrics, "relaygate_handler_failures_total", "channel", "slack"), is(2.0));
        assertThat(value(metrics, "relaygate_relay_calls_total", "call", "POST /proxy/slack/chat.postMessage", "status", "429"),
                   is(1.0));
        assertThat(value(metrics, "relaygate_relay_calls_total", "call", "POST /proxy/slack/chat.postMessage", "status", "200"),
                   is(1.0));
        assertThat(value(metrics, "relaygate_relay_retries_total", "call", "POST /proxy/slack/chat.postMessage", "reason", "429"),
                   is(1.0));
        assertThat(value(metrics, "relaygate_inbox_capacity"), is(10000.0));
    }

    @Test
    void backlogAndOldestAge() throws Exception {
        gw.recorder.hold();
        relay.message("message", "C1", "waits", Optional.empty());
        gw.recorder.awaitEntered();
        relay.message("message", "C2", "waits too", Optional.empty());
        String metrics = awaitMetric("relaygate_inbox_backlog", 2.0);
        // The clock is frozen: the events arrived "now".
        assertThat(value(metrics, "relaygate_inbox_oldest_age_seconds"), is(0.0));
        gw.recorder.release();
        awaitMetric("relaygate_inbox_backlog", 0.0);
    }

    private static int statusOf(Http1ClientResponse response) {
        try (response) {
            return response.status().code();
        }
    }

    private String metrics() {
        try (Http1ClientResponse response = gw.client.get("/observe/metrics").request()) {
            assertThat(response.status().code(), is(200));
            return response.as(String.class);
        }
    }

    private String awaitMetric(String name, double expected, String... labels) throws InterruptedException {
        for (int i = 0; i < 1000; i++) {
            String metrics = metrics();
            if (value(metrics, name, labels) == expected) {
                return metrics;
            }
            Thread.sleep(10);
        }
        throw new AssertionError(name + " did not reach " + expected + ":\n" + metrics());
    }

    /** The value of the one sample of {@code name} whose labels include all given ones; 0 when there is none. */
    static double value(String metrics, String name, String... labels) {
        Double found = null;
        Matcher line = Pattern.compile("^" + Pattern.quote(name) + "(\\{[^}]*})? (\\S+)$", Pattern.MULTILINE).matcher(metrics);
        while (line.find()) {
            String set = line.group(1) == null ? "" : line.group(1);
            boolean all = true;
            for (int i = 0; i < labels.length; i += 2) {
                all &= set.contains(labels[i] + "=\"" + labels[i + 1] + "\"");
            }
            if (all) {
                if (found != null) {
                    throw new AssertionError("more than one sample of " + name + " matches");
                }
                found = Double.parseDouble(line.group(2));
            }
        }
        return found == null ? 0 : found;
    }
}
