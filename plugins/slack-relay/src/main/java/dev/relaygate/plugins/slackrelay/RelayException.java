package dev.relaygate.plugins.slackrelay;

import dev.relaygate.api.ChannelException;

/**
 * A failed relay call, with the error kinds and texts of relay-protocol.md 4.1: {@code Network error: <detail>},
 * {@code API error (HTTP <status>): <body>}, {@code Protocol error: <detail>}; and a Slack-level
 * {@code {"ok":false,"error":E}} inside an HTTP 200 as {@code Slack API error: E}.
 *
 * <p>Details come from the relay or the network, so each is cut to {@value #MAX_DETAIL} characters on one line without
 * control characters: the message ends up in logs, dead letters and API answers, where a relay's error page must not
 * forge log lines or fill them.
 */
final class RelayException extends ChannelException {
    static final int MAX_DETAIL = 200;

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
        return new RelayException(Kind.NETWORK, 0, "Network error: " + excerpt(detail), retryable);
    }

    static RelayException api(int status, String body) {
        return new RelayException(Kind.API, status, "API error (HTTP " + status + "): " + excerpt(body),
                                  status == 429 || status >= 500);
    }

    static RelayException slack(String error) {
        return new RelayException(Kind.API, 200, "Slack API error: " + excerpt(error), false);
    }

    static RelayException protocol(String detail) {
        return new RelayException(Kind.PROTOCOL, 0, "Protocol error: " + excerpt(detail), false);
    }

    /**
     * Text from outside, fit for one log line: line breaks and tabs become spaces, other control and format characters
     * (including bidirectional overrides) are dropped, and more than {@value #MAX_DETAIL} characters are cut with an
     * ellipsis.
     */
    static String excerpt(String text) {
        StringBuilder out = new StringBuilder();
        int kept = 0;
        for (int i = 0; i < text.length(); ) {
            int c = text.codePointAt(i);
            i += Character.charCount(c);
            boolean space = c == '\n' || c == '\r' || c == '\t' || c == '\u2028' || c == '\u2029';
            if (!space && (Character.isISOControl(c) || Character.getType(c) == Character.FORMAT)) {
                continue;
            }
            if (kept++ == MAX_DETAIL) {
                return out.toString().strip() + "…";
            }
            out.appendCodePoint(space ? ' ' : c);
        }
        return out.toString().strip();
    }

    /**
     * What readiness may show to anyone: a fixed text per kind that never quotes the relay.
     */
    String publicReason() {
        return switch (kind) {
            case NETWORK -> "relay unreachable";
            case API -> "relay error HTTP " + status;
            case PROTOCOL -> "relay protocol error";
        };
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
