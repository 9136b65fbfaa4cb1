package dev.relaygate.api;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
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

    @Test
    void precheckRefusesWhatVerifyRefusesWithoutABody() {
        String ts = Long.toString(NOW);
        assertThat(precheck(null, ts), is(Optional.of(SignedRequestVerifier.MISSING_SIGNATURE)));
        assertThat(precheck("sha256=x", null), is(Optional.of(SignedRequestVerifier.MISSING_TIMESTAMP)));
        assertThat(precheck("sha256=x", "12a"), is(Optional.of(SignedRequestVerifier.MALFORMED_TIMESTAMP)));
        assertThat(precheck("sha256=x", Long.toString(NOW + 301)), is(Optional.of(SignedRequestVerifier.STALE_TIMESTAMP)));
        // A signature cannot be judged without the body: the precheck lets it through, verify refuses it.
        assertThat(precheck("sha256=x", ts), is(Optional.empty()));
    }

    private Optional<Rejection> precheck(String signature, String ts) {
        WebhookRequest.Builder request = WebhookRequest.builder();
        if (signature != null) {
            request.header("X-Sig", signature);
        }
        if (ts != null) {
            request.header("X-Ts", ts);
        }
        return verifier.precheck(request.build());
    }

    @Test
    void aSignatureListCostsOneMacPerKeyWhateverItsLength() {
        String ts = Long.toString(NOW);
        String good = sign(ts, "b");
        AtomicInteger keyPasses = new AtomicInteger();
        SignedRequestVerifier list = listVerifier(countingKeys(keyPasses));
        // Sixteen entries are read: fifteen of the right shape that do not verify, then the right one.
        List<String> entries = new ArrayList<>(Collections.nCopies(15, "sha256=" + "0".repeat(64)));
        entries.add(good);
        assertThat(list.verify(signed(String.join(" ", entries), ts)), sameInstance(Verdict.ACCEPTED));
        assertThat("one pass over the keys, not one per entry", keyPasses.get(), is(1));

        keyPasses.set(0);
        String junk = String.join(" ", Collections.nCopies(16, "v1,x")) + " ";
        assertThat(list.verify(signed(junk, ts)), is(SignedRequestVerifier.INVALID_SIGNATURE));
        assertThat("entries that cannot be a signature cost no MAC", keyPasses.get(), is(0));
    }

    @Test
    void aSignatureListOfMoreThanSixteenEntriesIsRefusedUnread() {
        String ts = Long.toString(NOW);
        AtomicInteger keyPasses = new AtomicInteger();
        SignedRequestVerifier list = listVerifier(countingKeys(keyPasses));
        String many = String.join(" ", Collections.nCopies(SignedRequestVerifier.MAX_SIGNATURES, "v0=x")) + " " + sign(ts, "b");
        assertThat(list.verify(signed(many, ts)), is(SignedRequestVerifier.INVALID_SIGNATURE));
        assertThat(keyPasses.get(), is(0));
        String huge = String.join(" ", Collections.nCopies(7000, "a"));
        assertThat(list.verify(signed(huge, ts)), is(SignedRequestVerifier.INVALID_SIGNATURE));
        // Empty entries (doubled separators) do not count.
        assertThat(list.verify(signed("  " + sign(ts, "b") + "   ", ts)), sameInstance(Verdict.ACCEPTED));
    }

    private SignedRequestVerifier listVerifier(List<Secret> keys) {
        return SignedRequestVerifier.builder()
                .signatureHeader("X-Sig")
                .signatureList(" ")
                .timestamp("X-Ts", TimestampWindow.create(Duration.ofMinutes(5),
                                                          Clock.fixed(Instant.ofEpochSecond(NOW), ZoneOffset.UTC)))
                .signature(FORMAT)
                .payload((ts, request) -> new byte[][] {ts.getBytes(StandardCharsets.US_ASCII), {'.'}, request.body()})
                .keys(() -> keys)
                .build();
    }

    private static WebhookRequest signed(String signature, String ts) {
        return WebhookRequest.builder().body("b").header("X-Sig", signature).header("X-Ts", ts).build();
    }

    /** The key list, counting each pass over it (each pass computes one MAC per key). */
    private static List<Secret> countingKeys(AtomicInteger passes) {
        return new AbstractList<>() {
            @Override
            public Secret get(int index) {
                return KEY;
            }

            @Override
            public int size() {
                return 1;
            }

            @Override
            public Iterator<Secret> iterator() {
                passes.incrementAndGet();
                return super.iterator();
            }
        };
    }
}
