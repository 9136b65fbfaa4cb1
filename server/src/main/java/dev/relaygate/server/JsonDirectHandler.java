package dev.relaygate.server;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderValues;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;
import io.helidon.webserver.http.DirectHandlers;

/**
 * Answers what Helidon refuses before routing (an oversized body: 413, a malformed request: 400) with the same JSON
 * error body as the routes. The reason is the status phrase, never the parser's message, which may quote the request.
 */
final class JsonDirectHandler implements DirectHandler {
    private JsonDirectHandler() {
    }

    static DirectHandlers handlers() {
        DirectHandlers.Builder builder = DirectHandlers.builder();
        JsonDirectHandler handler = new JsonDirectHandler();
        for (EventType type : EventType.values()) {
            builder.addHandler(type, handler);
        }
        return builder.build();
    }

    @Override
    public TransportResponse handle(TransportRequest request,
                                    EventType eventType,
                                    Status defaultStatus,
                                    ServerResponseHeaders responseHeaders,
                                    String message) {
        String reason = defaultStatus.reasonPhrase().toLowerCase(Locale.ROOT);
        if (defaultStatus.code() == Status.REQUEST_ENTITY_TOO_LARGE_413.code()) {
            reason = "payload too large";
        }
        responseHeaders.set(HeaderValues.CONTENT_TYPE_JSON);
        return TransportResponse.builder()
                .status(defaultStatus)
                .headers(responseHeaders)
                .entity(JsonErrors.body(reason).getBytes(StandardCharsets.UTF_8))
                .build();
    }
}
