package dev.relaygate.plugins.slackrelay;

import dev.relaygate.api.ChannelException;

/**
 * A failed relay call, with the error kinds and texts of relay-protocol.md 4.1: {@code Network error: <detail>},
 * {@code API error (HTTP <status>): <body>}, {@code Protocol error: <detail>}; and a Slack-level
 * {@code {"ok":false,"error":E}} inside an HTTP 200 as {@code Slack API error: E}.
 */
final class RelayException extends ChannelException {
    /** The error kinds. */
    enum Kind { NETWORK, API, PROTOCOL }

    private final Kind kind;
    private final int status;

    private RelayException(Kind kind, int status, String message, boolean retryable) {
        super(message, retryable);
        this.kind = kind;
        this.status = status;
    }

    static RelayException network(String detail, boolean retryable) {
        return new RelayException(Kind.NETWORK, 0, "Network error: " + detail, retryable);
    }

    static RelayException api(int status, String body) {
        return new RelayException(Kind.API, status, "API error (HTTP " + status + "): " + body,
                                  status == 429 || status >= 500);
    }

    static RelayException slack(String error) {
        return new RelayException(Kind.API, 200, "Slack API error: " + error, false);
    }

    static RelayException protocol(String detail) {
        return new RelayException(Kind.PROTOCOL, 0, "Protocol error: " + detail, false);
    }

    Kind kind() {
        return kind;
    }

    /**
     * The HTTP status of an API error, 0 otherwise.
     */
    int status() {
        return status;
    }
}
