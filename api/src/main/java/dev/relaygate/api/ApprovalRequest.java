package dev.relaygate.api;

import java.util.Objects;

/**
 * The agent asks a person to approve a tool call; channels that support it show buttons.
 *
 * @param requestId   the agent's id for this request (a UUID), echoed in the decision
 * @param tool        the tool's name
 * @param description what the tool call would do
 * @param parameters  the call's parameters as JSON text (shown pretty-printed)
 * @param allowAlways whether "always allow" is offered as a third choice
 */
public record ApprovalRequest(String requestId, String tool, String description, String parameters, boolean allowAlways) {
    /**
     * Validates.
     */
    public ApprovalRequest {
        Objects.requireNonNull(requestId);
        Objects.requireNonNull(tool);
        Objects.requireNonNull(description);
        Objects.requireNonNull(parameters);
    }
}
