package dev.relaygate.api.spi;

import java.util.Optional;

import dev.relaygate.api.Rejection;
import dev.relaygate.api.Verdict;
import dev.relaygate.api.WebhookRequest;

/**
 * Checks that a webhook request is authentic, over the exact bytes received. Build one from the toolkit
 * ({@link dev.relaygate.api.SignedRequestVerifier}) rather than by hand. Must not throw on bad input: a missing or
 * malformed header is a {@link dev.relaygate.api.Rejection}. The host treats anything but {@link Verdict#ACCEPTED}
 * (a rejection, {@code null}, an exception) as a refusal.
 */
@FunctionalInterface
public interface Verifier {
    /**
     * Verifies a request.
     *
     * @param request the request with its raw body
     * @return {@link Verdict#ACCEPTED} or a rejection
     */
    Verdict verify(WebhookRequest request);

    /**
     * The checks that need only the request line and headers (signature and timestamp headers present, the timestamp
     * fresh, the channel configured). The host runs them before it reads the body, so that a request that can never
     * verify costs no body buffering. A precheck refuses only what {@link #verify} would refuse, with the same
     * rejection; {@link #verify} still runs every check on the whole request.
     *
     * @param headers the request without its body ({@link WebhookRequest#body()} is empty)
     * @return a rejection, or empty to read the body and verify
     */
    default Optional<Rejection> precheck(WebhookRequest headers) {
        return Optional.empty();
    }
}
