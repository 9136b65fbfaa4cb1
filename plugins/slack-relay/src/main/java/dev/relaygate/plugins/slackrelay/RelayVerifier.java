package dev.relaygate.plugins.slackrelay;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executor;

import dev.relaygate.api.HmacSignature;
import dev.relaygate.api.Rejection;
import dev.relaygate.api.SignedRequestVerifier;
import dev.relaygate.api.TimestampWindow;
import dev.relaygate.api.Verdict;
import dev.relaygate.api.WebhookRequest;
import dev.relaygate.api.spi.Verifier;

/**
 * The webhook checks of relay-protocol.md 2.2, steps 2 to 7: {@code 503 relay not configured} while no signing secret
 * is loaded, then the toolkit's checks over {@code <timestamp>.<raw body>} ({@code X-Relay-Timestamp},
 * {@code X-Relay-Signature: sha256=<hex>}). The {@link #precheck} runs the same steps without the signature, before
 * the host reads the body.
 *
 * <p>An {@code invalid signature} starts a background re-fetch of the secret ({@link SigningKeys#refreshLater}) and is
 * answered at once.
 */
final class RelayVerifier implements Verifier {
    static final String SIGNATURE_HEADER = "X-Relay-Signature";
    static final String TIMESTAMP_HEADER = "X-Relay-Timestamp";
    private static final HmacSignature SIGNATURE = HmacSignature.hex("sha256=");
    private static final byte[] DOT = {'.'};

    private final SigningKeys keys;
    private final SignedRequestVerifier signed;
    private final Optional<RelayClient> relay;
    private final Executor background;

    RelayVerifier(SigningKeys keys, Duration tolerance, Clock clock, Optional<RelayClient> relay, Executor background) {
        this.keys = keys;
        this.relay = relay;
        this.background = background;
        this.signed = SignedRequestVerifier.builder()
                .signatureHeader(SIGNATURE_HEADER)
                .timestamp(TIMESTAMP_HEADER, TimestampWindow.create(tolerance, clock))
                .signature(SIGNATURE)
                .payload((timestamp, request) -> new byte[][] {
                        timestamp.getBytes(StandardCharsets.US_ASCII), DOT, request.body()})
                .keys(keys::keys)
                .build();
    }

    @Override
    public Verdict verify(WebhookRequest request) {
        if (!keys.active()) {
            return SlackRelayChannel.NOT_CONFIGURED;
        }
        Verdict verdict = signed.verify(request);
        if (verdict == SignedRequestVerifier.INVALID_SIGNATURE) {
            relay.ifPresent(client -> keys.refreshLater(client::signingSecret, background));
        }
        return verdict;
    }

    @Override
    public Optional<Rejection> precheck(WebhookRequest headers) {
        return keys.active() ? signed.precheck(headers) : Optional.of(SlackRelayChannel.NOT_CONFIGURED);
    }
}
