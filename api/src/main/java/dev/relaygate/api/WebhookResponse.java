package dev.relaygate.api;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * An HTTP answer a channel asks the host to send: a handshake answer from {@code decode} (a Slack challenge, a
 * Discord PONG) or the result of a channel endpoint (an HTML page, a redirect).
 *
 * @param status      HTTP status
 * @param contentType media type of the body
 * @param headers     extra headers, for example {@code Location}
 * @param body        the body bytes
 */
public record WebhookResponse(int status, String contentType, Map<String, String> headers, byte[] body) {
    /**
     * Validates and copies.
     */
    public WebhookResponse {
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("HTTP status out of range: " + status);
        }
        headers = Map.copyOf(headers);
    }

    /**
     * A JSON answer.
     *
     * @param status HTTP status
     * @param json   the JSON text
     * @return the response
     */
    public static WebhookResponse json(int status, String json) {
        return new WebhookResponse(status, "application/json", Map.of(), json.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * An HTML page.
     *
     * @param status HTTP status
     * @param html   the page
     * @return the response
     */
    public static WebhookResponse html(int status, String html) {
        return new WebhookResponse(status, "text/html; charset=utf-8", Map.of(), html.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * A plain-text answer.
     *
     * @param status HTTP status
     * @param text   the text
     * @return the response
     */
    public static WebhookResponse text(int status, String text) {
        return new WebhookResponse(status, "text/plain; charset=utf-8", Map.of(), text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * A {@code 302 Found} redirect.
     *
     * @param location the target URL
     * @return the response
     */
    public static WebhookResponse redirect(String location) {
        return new WebhookResponse(302, "text/plain; charset=utf-8", Map.of("Location", location), new byte[0]);
    }

    @Override
    public String toString() {
        return "WebhookResponse[" + status + ", " + contentType + ", " + body.length + " bytes]";
    }
}
