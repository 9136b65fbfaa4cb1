package dev.relaygate.bench;

import java.nio.charset.StandardCharsets;

import io.helidon.http.HeaderValues;
import io.helidon.webserver.WebServer;

/**
 * Target (c), the framework's ceiling: a Helidon 4 endpoint that reads the body and answers 200, nothing else.
 */
public final class BareHelidon {
    private static final byte[] OK = "{\"ok\":true}".getBytes(StandardCharsets.UTF_8);

    private BareHelidon() {
    }

    public static void main(String[] args) {
        WebServer.builder()
                .host("127.0.0.1")
                .port(Integer.parseInt(args[0]))
                .routing(routing -> routing.post("/relay/events", (req, res) -> {
                    req.content().as(byte[].class);
                    res.header(HeaderValues.CONTENT_TYPE_JSON);
                    res.send(OK);
                }))
                .build()
                .start();
    }
}
