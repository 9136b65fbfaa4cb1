package dev.relaygate.api;

/**
 * A channel could not do what was asked (send a message, reach its provider). The message is meant for operators and
 * never contains a secret.
 */
public class ChannelException extends RuntimeException {
    private final boolean retryable;

    /**
     * A failure.
     *
     * @param message   what went wrong
     * @param retryable whether trying again later may succeed (network trouble, 503, 429), as opposed to a request
     *                  the provider refused
     */
    public ChannelException(String message, boolean retryable) {
        super(message);
        this.retryable = retryable;
    }

    /**
     * A failure with a cause.
     *
     * @param message   what went wrong
     * @param retryable whether trying again later may succeed
     * @param cause     the cause
     */
    public ChannelException(String message, boolean retryable, Throwable cause) {
        super(message, cause);
        this.retryable = retryable;
    }

    /**
     * Whether trying again later may succeed.
     *
     * @return whether the failure is transient
     */
    public boolean retryable() {
        return retryable;
    }
}
