package dev.relaygate.server;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.helidon.http.HeaderNames;
import io.helidon.webclient.http1.Http1ClientResponse;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.relaygate.api.ChannelEvent;
import dev.relaygate.api.JsonBodies;
import dev.relaygate.devrelay.DevRelay;
import dev.relaygate.server.store.Backlog;

import jakarta.json.JsonObject;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;

/**
 * The console's server side without a browser: its files and security headers, the bearer check on the new API
 * routes, the live stream's changes, the bounds of the feed (recent events, subscribers, a reader that falls behind),
 * the hour of per-minute counts, and the connect URL as JSON.
 */
class ConsoleApiTest {
    private static final String TOKEN = "console-api-token-0123456789";

    @TempDir
    Path dir;

    @Test
    void theConsoleIsServedWithStrictHeadersAndTheApiNeedsTheToken() {
        try (TestGateway gw = TestGateway.relay(dir, "api-token: " + TOKEN)) {
            try (Http1ClientResponse page = gw.client.get("/console/").request()) {
                assertThat(page.status().code(), is(200));
                assertThat(page.as(String.class), containsString("<script type=\"module\" src=\"console.js\"></script>"));
                assertThat(page.headers().first(HeaderNames.create("Content-Security-Policy")).orElseThrow(),
                           is(Console.CONTENT_SECURITY_POLICY));
                assertThat(page.headers().first(HeaderNames.X_CONTENT_TYPE_OPTIONS).orElseThrow(), is("nosniff"));
                assertThat(page.headers().first(HeaderNames.create("Referrer-Policy")).orElseThrow(), is("no-referrer"));
            }
            try (Http1ClientResponse script = gw.client.get("/console/console.js").request()) {
                assertThat(script.status().code(), is(200));
                assertThat(script.headers().contentType().orElseThrow().text(), containsString("javascript"));
                assertThat(script.headers().first(HeaderNames.create("Content-Security-Policy")).isPresent(), is(true));
            }
            try (Http1ClientResponse bare = io.helidon.webclient.http1.Http1Client.builder()
                    .baseUri("http://127.0.0.1:" + gw.gateway.port()).followRedirects(false).build().get("/console").request()) {
                assertThat(bare.status().code(), is(301));
                assertThat(bare.headers().first(HeaderNames.LOCATION).orElseThrow(), is("/console/"));
            }
            for (String path : List.of("/api/v1/events", "/api/v1/events/stream", "/api/v1/stats")) {
                try (Http1ClientResponse refused = gw.client.get(path).request()) {
                    assertThat(path, refused.status().code(), is(401));
                }
            }
        }
    }

    @Test
    void theStreamSendsEachChangeAndTheRecentListAndStatsFollow() throws Exception {
        try (TestGateway gw = TestGateway.relay(dir, "api-token: " + TOKEN)) {
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<java.io.InputStream> stream = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.gateway.port() + "/api/v1/events/stream"))
                            .header("Authorization", "Bearer " + TOKEN).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertThat(stream.statusCode(), is(200));
            assertThat(stream.headers().firstValue("Content-Type").orElseThrow(), startsWith("text/event-stream"));
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
                try (Http1ClientResponse accepted = gw.postSigned("""
                        {"id":"e-live","event_type":"direct_message","provider":"slack","provider_scope":"T1",\
                        "channel_id":"D1","sender_id":"U1","sender_name":"ann","content":"hi live"}""")) {
                    assertThat(accepted.status().code(), is(200));
                }
                // Stored then handled; or only handled, when the dispatcher was quicker than the acknowledgement.
                List<JsonObject> changes = new ArrayList<>();
                while (changes.isEmpty() || !changes.getLast().getString("state").equals("handled")) {
                    String line = lines.readLine();
                    if (line.startsWith("data:")) {
                        changes.add(JsonBodies.object(line.substring(5).strip()).orElseThrow());
                    }
                }
                JsonObject handled = changes.getLast();
                assertThat(changes.size() <= 2, is(true));
                assertThat(changes.getFirst().getString("key"), is(handled.getString("key")));
                assertThat(changes.getFirst().getString("state"), is(changes.size() == 2 ? "stored" : "handled"));
                assertThat(handled.getString("text"), is("hi live"));
                assertThat(handled.getString("sender"), is("ann"));
                assertThat(handled.getInt("attempt"), is(1));
                assertThat(handled.getString("delivery_id"), startsWith("msg_"));
            }
            // A new stream starts with the recent events.
            HttpResponse<java.io.InputStream> again = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.gateway.port() + "/api/v1/events/stream"))
                            .header("Authorization", "Bearer " + TOKEN).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(again.body(), StandardCharsets.UTF_8))) {
                String line = lines.readLine();
                while (!line.startsWith("data:")) {
                    line = lines.readLine();
                }
                JsonObject first = JsonBodies.object(line.substring(5).strip()).orElseThrow();
                assertThat(first.getString("text"), is("hi live"));
                assertThat(first.getString("state"), is("handled"));
            }
            JsonObject recent = get(gw, "/api/v1/events");
            assertThat(recent.getJsonArray("events").size(), is(1));
            assertThat(recent.getJsonArray("events").getJsonObject(0).getString("state"), is("handled"));
            JsonObject stats = get(gw, "/api/v1/stats");
            assertThat(stats.getJsonArray("minutes").size(), is(EventFeed.MINUTES));
            JsonObject now = stats.getJsonArray("minutes").getJsonObject(EventFeed.MINUTES - 1);
            assertThat(now.getJsonNumber("minute").longValue(), is(TestGateway.NOW / 60));
            assertThat(now.getInt("accepted"), is(1));
            assertThat(now.getInt("failures"), is(0));
            assertThat(stats.getInt("backlog"), is(0));
        }
    }

    @Test
    void theFeedIsBounded() throws Exception {
        MutableBacklog backlog = new MutableBacklog();
        Clock clock = Clock.fixed(Instant.ofEpochSecond(TestGateway.NOW), ZoneOffset.UTC);
        EventFeed feed = new EventFeed(clock, backlog);
        List<EventFeed.Subscription> open = new ArrayList<>();
        for (int i = 0; i < EventFeed.MAX_SUBSCRIBERS; i++) {
            open.add(feed.subscribe().orElseThrow());
        }
        assertThat("one more than allowed", feed.subscribe().isPresent(), is(false));
        open.removeLast().close();
        EventFeed.Subscription slow = feed.subscribe().orElseThrow();

        // A reader that never reads is cut off after QUEUE changes; the others, reading, are not.
        EventFeed.Subscription reader = open.getFirst();
        int read = 0;
        for (int i = 0; i < EventFeed.RECENT + 100; i++) {
            feed.stored(List.of(event("e" + i, "x".repeat(i == 0 ? 1000 : 1))));
            if (reader.next(Duration.ZERO).isPresent()) {
                read++;
            }
        }
        assertThat(read, is(EventFeed.RECENT + 100));
        assertThat(slow.cut(), is(true));
        assertThat(slow.next(Duration.ZERO), is(Optional.empty()));
        assertThat("every reader but the one that read was cut off", feed.subscribers(), is(1));
        assertThat("recent events are bounded", feed.recent().size(), is(EventFeed.RECENT));
        assertThat(feed.recent().getFirst().text(), is("x"));
        feed.stored(List.of(event("long", "y".repeat(1000))));
        assertThat(feed.recent().getLast().text().length(), is(EventFeed.MAX_TEXT));

        // Told late, "stored" never puts back a state the dispatcher has set.
        ChannelEvent quick = event("quick", "q");
        feed.handled(quick, 1, "msg_1");
        feed.stored(List.of(quick));
        assertThat(feed.recent().getLast().state(), is("handled"));

        backlog.size = 7;
        backlog.oldest = Optional.of(clock.instant().minusSeconds(42));
        JsonObject last = feed.stats().getJsonArray("minutes").getJsonObject(EventFeed.MINUTES - 1);
        assertThat(last.getInt("accepted"), is(EventFeed.RECENT + 102));
        assertThat(last.getInt("backlog"), is(7));
        assertThat(last.getInt("oldest_age"), is(42));
    }

    @Test
    void connectGivesTheUrlAsJsonToTheConsole() throws Exception {
        try (DevRelay relay = DevRelay.builder().apiKey("sk-agent-c").teamId("T0C").clock(TestGateway.CLOCK).build().start();
             TestGateway gw = TestGateway.start(dir, """
                     api-token: %s
                     channels:
                       slack:
                         relay-url: %s
                         api-key: sk-agent-c
                     """.formatted(TOKEN, relay.url()))) {
            try (Http1ClientResponse connect = gw.client.get("/api/v1/channels/slack/connect")
                    .header(HeaderNames.AUTHORIZATION, "Bearer " + TOKEN)
                    .header(HeaderNames.ACCEPT, "application/json").request()) {
                String body = connect.as(String.class);
                assertThat(body, connect.status().code(), is(200));
                JsonObject answer = JsonBodies.object(body).orElseThrow();
                assertThat(answer.getString("url"), startsWith(relay.url() + "/dev/slack/authorize?state="));
            }
        }
    }

    private static JsonObject get(TestGateway gw, String path) {
        try (Http1ClientResponse response = gw.client.get(path).header(HeaderNames.AUTHORIZATION, "Bearer " + TOKEN).request()) {
            return JsonBodies.object(response.as(String.class)).orElseThrow();
        }
    }

    private static ChannelEvent event(String id, String text) {
        return ChannelEvent.of(id, "slack", ChannelEvent.MESSAGE, "slack", "T1", "C1", Optional.empty(), "U1", "ann", text,
                               "{}", Instant.ofEpochSecond(TestGateway.NOW));
    }

    private static final class MutableBacklog implements Backlog {
        volatile int size;
        volatile Optional<Instant> oldest = Optional.empty();

        @Override
        public boolean fits(int moreEntries, long moreBytes) {
            return true;
        }

        @Override
        public int size() {
            return size;
        }

        @Override
        public Optional<Instant> oldest() {
            return oldest;
        }

        @Override
        public int capacity() {
            return 10;
        }

        @Override
        public long bytes() {
            return 0;
        }

        @Override
        public long maxBytes() {
            return 0;
        }
    }
}
