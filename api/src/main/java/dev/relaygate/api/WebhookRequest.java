package dev.relaygate.api;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An HTTP request as the routing layer hands it to a channel: method, path, query, headers (looked up
 * case-insensitively, first value wins) and the body read once as the exact bytes received.
 *
 * <p>The body array is shared, not copied: verifiers and decoders must treat it as read-only.
 */
public final class WebhookRequest {
    private final String method;
    private final String path;
    private final Map<String, List<String>> query;
    private final Map<String, List<String>> headers;
    private final byte[] body;
    private final String remoteAddress;
    private final Instant receivedAt;
    // Decoded once: a channel and the routing layer may both ask.
    private String bodyText;

    private WebhookRequest(Builder builder) {
        this.method = builder.method;
        this.path = builder.path;
        this.query = Collections.unmodifiableMap(new LinkedHashMap<>(builder.query));
        this.headers = Collections.unmodifiableMap(new LinkedHashMap<>(builder.headers));
        this.body = builder.body;
        this.remoteAddress = builder.remoteAddress;
        this.receivedAt = builder.receivedAt;
    }

    /**
     * A new builder.
     *
     * @return the builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The HTTP method, upper case.
     *
     * @return the method
     */
    public String method() {
        return method;
    }

    /**
     * The request path without the query.
     *
     * @return the path
     */
    public String path() {
        return path;
    }

    /**
     * The first value of a query parameter.
     *
     * @param name parameter name (case-sensitive)
     * @return the value, decoded
     */
    public Optional<String> query(String name) {
        List<String> values = query.get(name);
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.getFirst());
    }

    /**
     * The first value of a header, exactly as received.
     *
     * @param name header name (case-insensitive)
     * @return the value
     */
    public Optional<String> header(String name) {
        List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.getFirst());
    }

    /**
     * The first value of a header if it is visible ASCII (0x20 to 0x7E, or tab). Any other value counts as absent,
     * so a signature or timestamp with control or non-ASCII characters is "missing", never an exception.
     *
     * @param name header name (case-insensitive)
     * @return the value
     */
    public Optional<String> visibleHeader(String name) {
        return header(name).filter(WebhookRequest::isVisibleAscii);
    }

    /**
     * The body bytes, exactly as received (shared: do not modify).
     *
     * @return the body, empty when there was none
     */
    public byte[] body() {
        return body;
    }

    /**
     * The body as UTF-8 text.
     *
     * @return the text
     */
    public String bodyText() {
        String text = bodyText;
        if (text == null) {
            text = new String(body, StandardCharsets.UTF_8);
            bodyText = text;
        }
        return text;
    }

    /**
     * The peer address, for logs.
     *
     * @return the address, or {@code unknown}
     */
    public String remoteAddress() {
        return remoteAddress;
    }

    /**
     * When the routing layer received the request.
     *
     * @return the instant
     */
    public Instant receivedAt() {
        return receivedAt;
    }

    private static boolean isVisibleAscii(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((c < 0x20 || c > 0x7E) && c != '\t') {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        // No headers and no body: they carry signatures, tokens and user content.
        return "WebhookRequest[" + method + " " + path + " from " + remoteAddress + ", " + body.length + " bytes]";
    }

    /** Builds a {@link WebhookRequest}. */
    public static final class Builder {
        private final Map<String, List<String>> query = new LinkedHashMap<>();
        private final Map<String, List<String>> headers = new LinkedHashMap<>();
        private String method = "POST";
        private String path = "/";
        private byte[] body = new byte[0];
        private String remoteAddress = "unknown";
        private Instant receivedAt = Instant.EPOCH;

        private Builder() {
        }

        /**
         * The HTTP method.
         *
         * @param method the method
         * @return this builder
         */
        public Builder method(String method) {
            this.method = method.toUpperCase(Locale.ROOT);
            return this;
        }

        /**
         * The path.
         *
         * @param path the path
         * @return this builder
         */
        public Builder path(String path) {
            this.path = Objects.requireNonNull(path);
            return this;
        }

        /**
         * Adds a query parameter value.
         *
         * @param name  the name
         * @param value the decoded value
         * @return this builder
         */
        public Builder query(String name, String value) {
            query.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
            return this;
        }

        /**
         * Adds a header value (names are case-insensitive).
         *
         * @param name  the name
         * @param value the value as received
         * @return this builder
         */
        public Builder header(String name, String value) {
            headers.computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(value);
            return this;
        }

        /**
         * The body; the array is kept, not copied.
         *
         * @param body the bytes received
         * @return this builder
         */
        public Builder body(byte[] body) {
            this.body = Objects.requireNonNull(body);
            return this;
        }

        /**
         * The body as UTF-8 text.
         *
         * @param body the text
         * @return this builder
         */
        public Builder body(String body) {
            return body(body.getBytes(StandardCharsets.UTF_8));
        }

        /**
         * The peer address.
         *
         * @param remoteAddress the address
         * @return this builder
         */
        public Builder remoteAddress(String remoteAddress) {
            this.remoteAddress = Objects.requireNonNull(remoteAddress);
            return this;
        }

        /**
         * When the request arrived.
         *
         * @param receivedAt the instant
         * @return this builder
         */
        public Builder receivedAt(Instant receivedAt) {
            this.receivedAt = Objects.requireNonNull(receivedAt);
            return this;
        }

        /**
         * Builds the request.
         *
         * @return the request
         */
        public WebhookRequest build() {
            return new WebhookRequest(this);
        }
    }
}
