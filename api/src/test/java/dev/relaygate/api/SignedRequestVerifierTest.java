package dev.relaygate.api;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.sameInstance;

class SignedRequestVerifierTest {
    private static final long NOW = 1_773_946_426L;
    private static final HmacSignature FORMAT = HmacSignature.hex("sha256=");
    private static final Secret KEY = Secret.ofText("k");

    private final AtomicReference<List<Secret>> keys = new AtomicReference<>(List.of(KEY));
    private final SignedRequestVerifier verifier = SignedRequestVerifier.builder()
            .signatureHeader("X-Sig")
            .timestamp("X-Ts", TimestampWindow.create(Duration.ofMinutes(5),
                                                      Clock.fixed(Instant.ofEpochSecond(NOW), ZoneOffset.UTC)))
            .signature(FORMAT)
            .payload((ts, request) -> new byte[][] {ts.getBytes(StandardCharsets.US_ASCII), {'.'}, request.body()})
            .keys(keys::get)
            .build();

    private static String sign(String ts, String body) {
        return FORMAT.sign(KEY, (ts + "." + body).getBytes(StandardCharsets.UTF_8));
    }

    private Verdict verify(String signature, String ts, String body) {
        WebhookRequest.Builder request = WebhookRequest.builder().body(body);
        if (signature != null) {
            request.header("x-sig", signature);
        }
        if (ts != null) {
            request.header("X-TS", ts);
        }
        return verifier.verify(request.build());
    }

    @Test
    void acceptsAndHeaderNamesAreCaseInsensitive() {
        String ts = Long.toString(NOW);
        assertThat(verify(sign(ts, "b"), ts, "b"), sameInstance(Verdict.ACCEPTED));
    }

    @Test
    void checksRunInOrder() {
        String ts = Long.toString(NOW);
        assertThat(verify(null, null, "b"), is(SignedRequestVerifier.MISSING_SIGNATURE));
        assertThat(verify("sha256=x", null, "b"), is(SignedRequestVerifier.MISSING_TIMESTAMP));
        assertThat(verify("sha256=x", "1.5", "b"), is(SignedRequestVerifier.MALFORMED_TIMESTAMP));
        assertThat(verify("sha256=x", Long.toString(NOW - 301), "b"), is(SignedRequestVerifier.STALE_TIMESTAMP));
        assertThat(verify("sha256=x", ts, "b"), is(SignedRequestVerifier.INVALID_SIGNATURE));
        assertThat(SignedRequestVerifier.MALFORMED_TIMESTAMP.status(), is(400));
    }

    @Test
    void nonVisibleHeadersCountAsMissing() {
        String ts = Long.toString(NOW);
        assertThat(verify(sign(ts, "b") + "\u00e9", ts, "b"), is(SignedRequestVerifier.MISSING_SIGNATURE));
        assertThat(verify(sign(ts, "b"), ts + "\u0001", "b"), is(SignedRequestVerifier.MISSING_TIMESTAMP));
    }

    @Test
    void timestampIsHashedVerbatim() {
        String plus = "+" + NOW;
        assertThat(verify(sign(plus, "b"), plus, "b"), sameInstance(Verdict.ACCEPTED));
        assertThat(verify(sign(Long.toString(NOW), "b"), plus, "b"), is(SignedRequestVerifier.INVALID_SIGNATURE));
        String zero = "0" + NOW;
        assertThat(verify(sign(zero, "b"), zero, "b"), sameInstance(Verdict.ACCEPTED));
    }

    @Test
    void surroundingSpacesAreRejected() {
        String ts = Long.toString(NOW);
        assertThat(verify(" " + sign(ts, "b"), ts, "b"), is(SignedRequestVerifier.INVALID_SIGNATURE));
        assertThat(verify(sign(ts, "b") + " ", ts, "b"), is(SignedRequestVerifier.INVALID_SIGNATURE));
    }

    @Test
    void keysAreReadPerRequest() {
        String ts = Long.toString(NOW);
        keys.set(List.of());
        assertThat(verify(sign(ts, "b"), ts, "b"), is(SignedRequestVerifier.INVALID_SIGNATURE));
        keys.set(List.of(Secret.ofText("other"), KEY));
        assertThat(verify(sign(ts, "b"), ts, "b"), sameInstance(Verdict.ACCEPTED));
    }
}
