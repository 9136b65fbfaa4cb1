package dev.relaygate.api;

import java.util.Collection;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import dev.relaygate.api.spi.Verifier;

/**
 * The common shape of an HMAC-signed webhook: a signature header, an optional timestamp header checked against a
 * {@link TimestampWindow}, and a signed message built from the timestamp and the raw body. Checks run in a fixed order
 * and each failure has one status and reason:
 *
 * <ol>
 *     <li>signature header absent or not visible ASCII: {@code 401 missing signature}</li>
 *     <li>timestamp header absent or not visible ASCII: {@code 401 missing timestamp}</li>
 *     <li>timestamp not a signed 64-bit decimal: {@code 400 malformed timestamp}</li>
 *     <li>timestamp outside the window: {@code 401 stale timestamp}</li>
 *     <li>no active key verifies the signature: {@code 401 invalid signature}</li>
 * </ol>
 *
 * <pre>{@code
 * Verifier verifier = SignedRequestVerifier.builder()
 *         .signatureHeader("X-Hub-Signature-256")
 *         .signature(HmacSignature.hex("sha256="))
 *         .payload((timestamp, request) -> new byte[][] {request.body()})
 *         .keys(() -> List.of(secret))
 *         .build();
 * }</pre>
 */
public final class SignedRequestVerifier implements Verifier {
    /** {@code 401 missing signature}. */
    public static final Rejection MISSING_SIGNATURE = Rejection.unauthorized("missing signature");
    /** {@code 401 missing timestamp}. */
    public static final Rejection MISSING_TIMESTAMP = Rejection.unauthorized("missing timestamp");
    /** {@code 400 malformed timestamp}. */
    public static final Rejection MALFORMED_TIMESTAMP = Rejection.badRequest("malformed timestamp");
    /** {@code 401 stale timestamp}. */
    public static final Rejection STALE_TIMESTAMP = Rejection.unauthorized("stale timestamp");
    /** {@code 401 invalid signature}. */
    public static final Rejection INVALID_SIGNATURE = Rejection.unauthorized("invalid signature");

    private final String signatureHeader;
    private final Optional<String> timestampHeader;
    private final Optional<TimestampWindow> window;
    private final HmacSignature signature;
    private final Payload payload;
    private final Supplier<? extends Collection<Secret>> keys;
    private final Optional<String> listSeparator;

    private SignedRequestVerifier(Builder builder) {
        this.signatureHeader = Objects.requireNonNull(builder.signatureHeader, "signatureHeader");
        this.timestampHeader = Optional.ofNullable(builder.timestampHeader);
        this.window = Optional.ofNullable(builder.window);
        this.signature = Objects.requireNonNull(builder.signature, "signature");
        this.payload = Objects.requireNonNull(builder.payload, "payload");
        this.keys = Objects.requireNonNull(builder.keys, "keys");
        this.listSeparator = Optional.ofNullable(builder.listSeparator);
        if (timestampHeader.isPresent() != window.isPresent()) {
            throw new IllegalArgumentException("a timestamp header needs a window, and a window needs a timestamp header");
        }
    }

    /**
     * A new builder.
     *
     * @return the builder
     */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public Verdict verify(WebhookRequest request) {
        Optional<String> presented = request.visibleHeader(signatureHeader);
        if (presented.isEmpty()) {
            return MISSING_SIGNATURE;
        }
        String timestamp = "";
        if (timestampHeader.isPresent()) {
            Optional<String> value = request.visibleHeader(timestampHeader.get());
            if (value.isEmpty()) {
                return MISSING_TIMESTAMP;
            }
            timestamp = value.get();
            Rejection unfresh = switch (window.orElseThrow().check(timestamp)) {
                case MALFORMED -> MALFORMED_TIMESTAMP;
                case STALE -> STALE_TIMESTAMP;
                case FRESH -> null;
            };
            if (unfresh != null) {
                return unfresh;
            }
        }
        byte[][] parts = payload.parts(timestamp, request);
        Collection<Secret> active = keys.get();
        if (listSeparator.isEmpty()) {
            return signature.verify(active, presented.get(), parts) ? Verdict.ACCEPTED : INVALID_SIGNATURE;
        }
        // Any entry of the list may carry the signature; entries of other versions or shapes simply do not match.
        boolean valid = false;
        for (String entry : presented.get().split(Pattern.quote(listSeparator.get()))) {
            valid |= !entry.isEmpty() && signature.verify(active, entry, parts);
        }
        return valid ? Verdict.ACCEPTED : INVALID_SIGNATURE;
    }

    /** Builds the signed message of a request. */
    @FunctionalInterface
    public interface Payload {
        /**
         * The parts of the signed message, hashed in order without separators.
         *
         * @param timestamp the timestamp header value exactly as received ({@code ""} without a timestamp header)
         * @param request   the request; use its raw {@link WebhookRequest#body()}
         * @return the parts
         */
        byte[][] parts(String timestamp, WebhookRequest request);
    }

    /** Builds a {@link SignedRequestVerifier}. */
    public static final class Builder {
        private String signatureHeader;
        private String timestampHeader;
        private TimestampWindow window;
        private HmacSignature signature;
        private Payload payload;
        private Supplier<? extends Collection<Secret>> keys;
        private String listSeparator;

        private Builder() {
        }

        /**
         * The header that carries the signature.
         *
         * @param name header name
         * @return this builder
         */
        public Builder signatureHeader(String name) {
            this.signatureHeader = name;
            return this;
        }

        /**
         * The header that carries the Unix-seconds timestamp, and the window it must fall in.
         *
         * @param name   header name
         * @param window the freshness window
         * @return this builder
         */
        public Builder timestamp(String name, TimestampWindow window) {
            this.timestampHeader = name;
            this.window = window;
            return this;
        }

        /**
         * The signature format.
         *
         * @param signature the format
         * @return this builder
         */
        public Builder signature(HmacSignature signature) {
            this.signature = signature;
            return this;
        }

        /**
         * How the signed message is built.
         *
         * @param payload the message builder
         * @return this builder
         */
        public Builder payload(Payload payload) {
            this.payload = payload;
            return this;
        }

        /**
         * The active keys, read for every request (so rotation and late activation take effect at once). When it
         * returns no key, every signature is invalid.
         *
         * @param keys the key source
         * @return this builder
         */
        public Builder keys(Supplier<? extends Collection<Secret>> keys) {
            this.keys = keys;
            return this;
        }

        /**
         * The signature header holds a list of signatures (Standard Webhooks: {@code v1,<a> v1,<b>}, separated by a
         * space); the request is accepted if any entry verifies.
         *
         * @param separator what separates the entries
         * @return this builder
         */
        public Builder signatureList(String separator) {
            this.listSeparator = Objects.requireNonNull(separator);
            return this;
        }

        /**
         * Builds the verifier.
         *
         * @return the verifier
         */
        public SignedRequestVerifier build() {
            return new SignedRequestVerifier(this);
        }
    }
}
