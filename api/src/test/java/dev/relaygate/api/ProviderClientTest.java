package dev.relaygate.api;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.relaygate.api.ProviderClient.Request;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The provider client against a real HTTP server on a random port: rate limits waited out (the waits recorded, not
 * slept), a lost answer never retried, an oversized answer refused, an unreachable provider retryable, and no URL (so no
 * token) in any error.
 */
class ProviderClientTest {
    private final List<String> counted = new CopyOnWriteArrayList<>();
    private final List<Duration> pauses = new CopyOnWriteArrayList<>();
    private final AtomicInteger requests = new AtomicInteger();
    private HttpServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private URI serve(ExchangeHandler handler) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            requests.incrementAndGet();
            try (exchange) {
                handler.handle(exchange);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        server.start();
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/botSECRET-TOKEN/sendMessage");
    }

    private ProviderClient client(Duration timeout) {
        return ProviderClient.builder("Telegram").timeout(timeout).pause(pauses::add)
                .counters((name, tags) -> counted.add(name + " " + String.join(" ", tags)))
                .rateLimit(answer -> answer.status() == 429 ? Optional.of(Duration.ofSeconds(2)) : Optional.empty())
                .build();
    }

    private static Request request(URI uri) {
        return new Request("sendMessage", "chat:1", "POST", uri, Map.of("Content-Type", "application/json"),
                           "{\"text\":\"hi\"}".getBytes());
    }

    @Test
    void aRateLimitIsWaitedOutAndTheCallMadeAgain() throws Exception {
        URI uri = serve(exchange -> reply(exchange, requests.get() == 1 ? 429 : 200, "{\"ok\":true}"));
        try (ProviderClient client = client(Duration.ofSeconds(5))) {
            assertThat(client.call(request(uri)).status(), is(200));
        }
        assertThat(pauses, is(List.of(Duration.ofSeconds(2))));
        assertThat(counted, is(List.of("sends call sendMessage status 429", "sends call sendMessage status 200")));
    }

    @Test
    void aRateLimitThatLastsGivesARetryableFailureAfterThreeTries() throws Exception {
        URI uri = serve(exchange -> reply(exchange, 429, "{}"));
        try (ProviderClient client = client(Duration.ofSeconds(5))) {
            ChannelException e = assertThrows(ChannelException.class, () -> client.call(request(uri)));
            assertThat(e.getMessage(), is("Telegram sendMessage: HTTP 429 after 3 tries, asked to retry after 2 s"));
            assertThat(e.retryable(), is(true));
        }
        assertThat(requests.get(), is(ProviderClient.ATTEMPTS));
    }

    @Test
    void anAnswerThatDoesNotComeIsNeverRetried() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        URI uri = serve(exchange -> {
            release.await(10, TimeUnit.SECONDS);
            reply(exchange, 200, "{}");
        });
        try (ProviderClient client = client(Duration.ofMillis(300))) {
            ChannelException e = assertThrows(ChannelException.class, () -> client.call(request(uri)));
            assertThat(e.getMessage(), is("Telegram did not answer sendMessage within 300 ms; not retried, as it may have "
                                                  + "done it (no double post)"));
            assertThat(e.retryable(), is(false));
            assertThat(e.getMessage().contains("SECRET-TOKEN"), is(false));
        } finally {
            release.countDown();
        }
        assertThat(requests.get(), is(1));
        assertThat(counted, is(List.of("sends call sendMessage status no_answer")));
    }

    @Test
    void anOversizedAnswerIsRefused() throws Exception {
        URI uri = serve(exchange -> reply(exchange, 200, "x".repeat(ProviderClient.MAX_ANSWER_BYTES + 1)));
        try (ProviderClient client = client(Duration.ofSeconds(5))) {
            ChannelException e = assertThrows(ChannelException.class, () -> client.call(request(uri)));
            assertThat(e.getMessage(), is("Telegram answered sendMessage with more than 1048576 bytes"));
            assertThat(e.retryable(), is(false));
        }
    }

    @Test
    void anUnreachableProviderIsRetryableAndTheErrorNamesNoUrl() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        try (ProviderClient client = client(Duration.ofSeconds(5))) {
            ChannelException e = assertThrows(ChannelException.class, () -> client.call(
                    request(URI.create("http://127.0.0.1:" + port + "/botSECRET-TOKEN/sendMessage"))));
            assertThat(e.getMessage(), containsString("cannot reach Telegram for sendMessage: "));
            assertThat(e.getMessage().contains("SECRET-TOKEN") || e.getMessage().contains("127.0.0.1"), is(false));
            assertThat(e.retryable(), is(true));
        }
    }

    @Test
    void aPartThatFailsAfterTheFirstIsNotRetried() {
        List<String> sent = new CopyOnWriteArrayList<>();
        assertThat(ProviderClient.sendInOrder(List.of("a", "b"), part -> {
            sent.add(part);
            return Optional.of("id-" + part);
        }), is(Optional.of("id-a")));
        ChannelException first = assertThrows(ChannelException.class, () -> ProviderClient.sendInOrder(
                List.of("a", "b"), part -> {
                    throw new ChannelException("Telegram sendMessage failed: HTTP 502", true);
                }));
        assertThat("the first part's failure as it is", first.retryable(), is(true));
        ChannelException later = assertThrows(ChannelException.class, () -> ProviderClient.sendInOrder(
                List.of("a", "b", "c"), part -> {
                    if (part.equals("b")) {
                        throw new ChannelException("Telegram sendMessage failed: HTTP 502", true);
                    }
                    return Optional.empty();
                }));
        assertThat(later.getMessage(), is("Telegram sendMessage failed: HTTP 502 (after 1 of 3 parts were sent; not "
                                                  + "retried, so they are not posted twice)"));
        assertThat(later.retryable(), is(false));
    }

    @Test
    void textPartsKeepOrderAndNeverSplitASurrogatePair() {
        String text = "a".repeat(9) + "\uD83D\uDE00" + "b".repeat(5);
        List<String> parts = OutboundMessage.to("c", text).textParts(10);
        assertThat(String.join("", parts), is(text));
        assertThat(parts.getFirst(), is("a".repeat(9)));
        assertThat(OutboundMessage.to("c", "one two three").textParts(8), is(List.of("one two ", "three")));
        assertThat(OutboundMessage.to("c", "short").textParts(4096), is(List.of("short")));
    }

    private static void reply(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes();
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @FunctionalInterface
    private interface ExchangeHandler {
        void handle(HttpExchange exchange) throws IOException, InterruptedException;
    }
}
