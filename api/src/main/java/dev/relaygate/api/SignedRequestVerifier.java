package dev.relaygate.api;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

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
 *     <li>no active key verifies the signature, or a signature list has more than {@value #MAX_SIGNATURES} entries:
 *     {@code 401 invalid signature}</li>
 * </ol>
 *
 * <p>Checks 1 to 4 need no body: they are also the {@link #precheck}, which the host runs before it reads the body.
 * Each key's MAC is computed once per request, however many entries a signature list has.
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
    /** A signature list with more entries than this is refused as {@code 401 invalid signature}, unread. */
    public static final int MAX_SIGNATURES = 16;

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
        Optional<Rejection> early = precheck(request);
        if (early.isPresent()) {
            return early.get();
        }
        String timestamp = timestampHeader.flatMap(request::visibleHeader).orElse("");
        String presented = request.visibleHeader(signatureHeader).orElseThrow();
        List<String> entries = listSeparator.isEmpty() ? List.of(presented) : entries(presented, listSeparator.get());
        if (entries.size() > MAX_SIGNATURES) {
            return INVALID_SIGNATURE;
        }
        // Any entry may carry the signature; entries of other versions or shapes simply do not match, at no MAC cost.
        return signature.verifyAny(keys.get(), entries, payload.parts(timestamp, request))
                ? Verdict.ACCEPTED
                : INVALID_SIGNATURE;
    }

    /**
     * Checks 1 to 4 of the class description, which need no body.
     */
    @Override
    public Optional<Rejection> precheck(WebhookRequest request) {
        if (request.visibleHeader(signatureHeader).isEmpty()) {
            return Optional.of(MISSING_SIGNATURE);
        }
        if (timestampHeader.isEmpty()) {
            return Optional.empty();
        }
        Optional<String> timestamp = request.visibleHeader(timestampHeader.get());
        if (timestamp.isEmpty()) {
            return Optional.of(MISSING_TIMESTAMP);
        }
        return switch (window.orElseThrow().check(timestamp.get())) {
            case MALFORMED -> Optional.of(MALFORMED_TIMESTAMP);
            case STALE -> Optional.of(STALE_TIMESTAMP);
            case FRESH -> Optional.empty();
        };
    }

    /**
     * The entries of a signature list, at most one more than {@link #MAX_SIGNATURES} (enough to tell "too many").
     */
    private static List<String> entries(String value, String separator) {
        List<String> entries = new ArrayList<>();
        int from = 0;
        while (entries.size() <= MAX_SIGNATURES) {
            int to = value.indexOf(separator, from);
            String entry = to < 0 ? value.substring(from) : value.substring(from, to);
            if (!entry.isEmpty()) {
                entries.add(entry);
            }
            if (to < 0) {
                break;
            }
            from = to + separator.length();
        }
        return entries;
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
         * space); the request is accepted if any entry verifies. Empty entries are skipped; more than
         * {@value #MAX_SIGNATURES} entries are refused.
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
