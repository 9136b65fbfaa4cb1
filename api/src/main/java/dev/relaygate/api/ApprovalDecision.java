package dev.relaygate.api;

import java.util.Objects;

/**
 * A person's answer to an {@link ApprovalRequest}, delivered as a {@link ChannelEvent} of type
 * {@link ChannelEvent#APPROVAL}.
 *
 * @param requestId the request it answers
 * @param decision  the answer
 */
public record ApprovalDecision(String requestId, Decision decision) {
    /** The possible answers. */
    public enum Decision {
        /** Run it this once. */
        APPROVE,
        /** Run it, and do not ask again for this tool. */
        APPROVE_ALWAYS,
        /** Do not run it. */
        DENY
    }

    /**
     * Validates.
     */
    public ApprovalDecision {
        Objects.requireNonNull(requestId);
        Objects.requireNonNull(decision);
    }
}
