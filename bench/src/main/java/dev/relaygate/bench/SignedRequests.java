package dev.relaygate.bench;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import dev.relaygate.api.HmacSignature;
import dev.relaygate.api.Secret;

/**
 * Unique, correctly signed webhook requests with fresh timestamps: the relay's format for Relaygate, Slack's
 * {@code event_callback} for Bolt. Both carry the same message of about 600 bytes.
 */
final class SignedRequests {
    /** The relay signing secret the Relaygate targets are configured with (hex, 32 bytes). */
    static final String RELAY_SECRET_HEX = "6a1f0c9e2b7d4e8f1a3c5b7d9e0f2a4c6b8d0e1f3a5c7b9d1e3f5a7c9b0d2e4f";
    /** The Slack signing secret Bolt is configured with. */
    static final String SLACK_SECRET = "8f742231b10e8888abcd99yyyzzz85a5";

    private static final HmacSignature RELAY = HmacSignature.hex("sha256=");
    private static final HmacSignature SLACK = HmacSignature.hex("v0=");
    private static final String TEXT = "Deploy finished for web (42 files, 3 migrations). Logs are in the usual place; "
            + "the canary looks healthy after ten minutes and error rates are flat.";

    // One numbering for the whole run: no two requests carry the same event id, whichever run or replica gets them
    // (a repeated id would be a duplicate: acknowledged, not stored, cheaper than the events measured).
    private static final AtomicLong SEQUENCE = new AtomicLong();
    private final Clock clock = Clock.systemUTC();
    private final boolean slack;
    private final Secret secret;

    private SignedRequests(boolean slack, Secret secret) {
        this.slack = slack;
        this.secret = secret;
    }

    static SignedRequests relay() {
        return new SignedRequests(false, Secret.ofHex(RELAY_SECRET_HEX));
    }

    static SignedRequests slack() {
        return new SignedRequests(true, Secret.ofText(SLACK_SECRET));
    }

    /** A request: body and headers. */
    record Request(byte[] body, Map<String, String> headers) {
    }

    Request next() {
        long n = SEQUENCE.incrementAndGet();
        String ts = Long.toString(clock.instant().getEpochSecond());
        // Conversations spread over 64 channels, so the dispatcher runs lanes in parallel.
        String channel = "C" + (n % 64);
        if (slack) {
            String body = """
                    {"token":"bench","team_id":"T0BENCH","api_app_id":"A0BENCH","type":"event_callback",\
                    "event_id":"Ev%d","event_time":%s,"event":{"type":"message","channel":"%s","user":"U0BENCH",\
                    "text":"%s","ts":"%s.%06d","channel_type":"channel"}}""".formatted(n, ts, channel, TEXT, ts, n % 1_000_000);
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            String signature = SLACK.sign(secret, ("v0:" + ts + ":").getBytes(StandardCharsets.US_ASCII), bytes);
            return new Request(bytes, Map.of("Content-Type", "application/json", "X-Slack-Request-Timestamp", ts,
                                             "X-Slack-Signature", signature));
        }
        String body = """
                {"id":"%s.%06d","event_type":"message","provider":"slack","provider_scope":"T0BENCH","channel_id":"%s",\
                "sender_id":"U0BENCH","sender_name":"bench","content":"%s","thread_id":null,"raw":{},\
                "timestamp":"%s"}""".formatted(ts, n, channel, TEXT, clock.instant());
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        String signature = RELAY.sign(secret, (ts + ".").getBytes(StandardCharsets.US_ASCII), bytes);
        return new Request(bytes, Map.of("Content-Type", "application/json", "X-Relay-Timestamp", ts,
                                         "X-Relay-Signature", signature));
    }
}
