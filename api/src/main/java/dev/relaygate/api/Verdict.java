package dev.relaygate.api;

/**
 * The outcome of a signature check: {@link #ACCEPTED} or a {@link Rejection} with the status and reason the routing
 * layer answers. There is no third outcome: a verifier that cannot decide rejects.
 */
public sealed interface Verdict permits Verdict.Accepted, Rejection {
    /** The request is authentic and fresh. */
    Verdict ACCEPTED = new Accepted();

    /** The only accepting verdict. */
    final class Accepted implements Verdict {
        private Accepted() {
        }

        @Override
        public String toString() {
            return "ACCEPTED";
        }
    }
}
