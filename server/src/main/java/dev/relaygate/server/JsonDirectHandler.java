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
 * What Helidon refuses with a 5xx although the request is at fault becomes a 400.
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
        Status status = defaultStatus;
        // Helidon 4.5 answers a request line it cannot parse (a control character in the method) with 500 and no
        // request, and HTTP/1.0 with 505: both are the sender's fault, and a 5xx other than 503 would read as ours.
        if (status.code() == Status.INTERNAL_SERVER_ERROR_500.code() && request == TransportRequest.empty()
                || status.code() == Status.HTTP_VERSION_NOT_SUPPORTED_505.code()) {
            status = Status.BAD_REQUEST_400;
        }
        String reason = defaultStatus.reasonPhrase().toLowerCase(Locale.ROOT);
        if (defaultStatus.code() == Status.REQUEST_ENTITY_TOO_LARGE_413.code()) {
            reason = "payload too large";
        } else if (status != defaultStatus && defaultStatus.code() == Status.INTERNAL_SERVER_ERROR_500.code()) {
            reason = "bad request";
        }
        responseHeaders.set(HeaderValues.CONTENT_TYPE_JSON);
        return TransportResponse.builder()
                .status(status)
                .headers(responseHeaders)
                .entity(JsonErrors.body(reason).getBytes(StandardCharsets.UTF_8))
                .build();
    }
}
