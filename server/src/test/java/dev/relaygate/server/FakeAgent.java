package dev.relaygate.server;

import java.io.StringReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;

import jakarta.json.Json;
import jakarta.json.JsonObject;

/**
 * An agent behind HTTP on a random loopback port, for the {@code forward} handler: it records every request and
 * answers from a script (200 with an empty body once the script is used up).
 */
final class FakeAgent implements AutoCloseable {
    private final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
    private final ConcurrentLinkedDeque<Answer> script = new ConcurrentLinkedDeque<>();
    private final WebServer server;

    /** A request as the agent got it; header names in lower case. */
    record Received(Map<String, List<String>> headers, String body) {
        String header(String name) {
            return headers.get(name).getFirst();
        }

        JsonObject json() {
            return Json.createReader(new StringReader(body)).readObject();
        }
    }

    record Answer(int status, String body, String... headers) {
    }

    FakeAgent() {
        server = WebServer.builder()
                .host("127.0.0.1")
                .port(0)
                .routing(routing -> routing.post("/agent", (req, res) -> {
                    Map<String, List<String>> headers = new LinkedHashMap<>();
                    for (Header header : req.headers()) {
                        headers.put(header.name().toLowerCase(java.util.Locale.ROOT), new ArrayList<>(header.allValues()));
                    }
                    received.add(new Received(headers, new String(req.content().as(byte[].class), StandardCharsets.UTF_8)));
                    Answer answer = script.pollFirst();
                    if (answer == null) {
                        res.send();
                        return;
                    }
                    res.status(Status.create(answer.status()));
                    for (int i = 0; i < answer.headers().length; i += 2) {
                        res.header(HeaderNames.create(answer.headers()[i]), answer.headers()[i + 1]);
                    }
                    res.send(answer.body());
                }))
                .build()
                .start();
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.port() + "/agent");
    }

    /** Answers the next requests with these, in order. */
    void answer(Answer... answers) {
        script.addAll(List.of(answers));
    }

    Received next() throws InterruptedException {
        Received request = received.poll(10, TimeUnit.SECONDS);
        if (request == null) {
            throw new AssertionError("the agent got no request within 10 s");
        }
        return request;
    }

    boolean idle() {
        return received.isEmpty();
    }

    @Override
    public void close() {
        server.stop();
    }
}
