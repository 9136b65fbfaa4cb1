package dev.relaygate.server;

import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;

import jakarta.json.Json;
import jakarta.json.JsonObject;

/**
 * The JSON error body every refusal uses: {@code {"ok":false,"error":"<reason>"}}.
 */
final class JsonErrors {
    private JsonErrors() {
    }

    static JsonObject json(String reason) {
        return Json.createObjectBuilder().add("ok", false).add("error", reason).build();
    }

    static String body(String reason) {
        return json(reason).toString();
    }

    static void send(ServerResponse res, int status, String reason) {
        res.status(Status.create(status));
        res.header(HeaderValues.CONTENT_TYPE_JSON);
        res.send(body(reason));
    }
}
