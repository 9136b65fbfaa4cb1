package dev.relaygate.api.spi;

import dev.relaygate.api.Verdict;
import dev.relaygate.api.WebhookRequest;

/**
 * Checks that a webhook request is authentic, over the exact bytes received. Build one from the toolkit
 * ({@link dev.relaygate.api.SignedRequestVerifier}) rather than by hand. Must not throw on bad input: a missing or
 * malformed header is a {@link dev.relaygate.api.Rejection}.
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
}
