package dev.relaygate.api;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

class HmacSignatureTest {
    private static final HmacSignature SHA256_HEX = HmacSignature.hex("sha256=");

    private static byte[][] dotted(String ts, String body) {
        return new byte[][] {ts.getBytes(StandardCharsets.US_ASCII), {'.'}, body.getBytes(StandardCharsets.UTF_8)};
    }

    // relay-protocol.md 2.5, first row: an ASCII key.
    @Test
    void relayUnitVector() {
        String expected = "sha256=8b338e84e8e1b6a6d358b0a902ed21864ea5f1da0a545a428b9530a73fc4acc1";
        Secret key = Secret.ofText("test-secret");
        assertThat(SHA256_HEX.sign(key, dotted("1234567890", "hello")), is(expected));
        assertThat(SHA256_HEX.verify(List.of(key), expected, dotted("1234567890", "hello")), is(true));
    }

    // The Standard Webhooks published vector: "v1," + base64 over "<id>.<timestamp>.<body>" with the whsec_ key.
    @Test
    void standardWebhooksVector() {
        Secret key = Secret.ofStandardWebhooks("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        byte[] content = "msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8);
        assertThat(HmacSignature.base64("v1,").sign(key, content), is("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="));
        assertThat(Secret.ofStandardWebhooks("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), is(key));
    }

    // relay-protocol.md 2.5, second row: signed with "correct", verified with "wrong".
    @Test
    void wrongSecretFails() {
        String signature = SHA256_HEX.sign(Secret.ofText("correct"), dotted("1234567890", "hello"));
        assertThat(SHA256_HEX.verify(List.of(Secret.ofText("wrong")), signature, dotted("1234567890", "hello")), is(false));
    }

    // relay-protocol.md 2.5, third row: a signature over "original" does not verify "tampered".
    @Test
    void tamperedBodyFails() {
        String overOriginal = "sha256=232a3daca6e2f9e8e8daa6d8e29263aae087f52f7b2ad04c3c1b78b5faf89bbd";
        Secret key = Secret.ofText("secret");
        assertThat(SHA256_HEX.sign(key, dotted("1234567890", "original")), is(overOriginal));
        assertThat(SHA256_HEX.verify(List.of(key), overOriginal, dotted("1234567890", "tampered")), is(false));
    }

    // relay-protocol.md 2.4: the key is the 32 decoded bytes, not the hex text.
    @Test
    void workedExampleUsesDecodedKey() {
        Secret key = Secret.ofHex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
        String body = RelayExample.BODY;
        assertThat(body.length(), is(260));
        assertThat(SHA256_HEX.sign(key, dotted("1773946426", body)),
                   is("sha256=62e77314916230f18aede321e1be2f03e7c75faf716a3ae365cf231fa8a1ca13"));
        Secret hexText = Secret.ofText("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
        assertThat(SHA256_HEX.sign(hexText, dotted("1773946426", body)),
                   is("sha256=5f5afc16d8ea093921a53ec2dd13bd67a56a55922bdf624203677ae497c7aac0"));
    }

    @Test
    void comparisonIsExact() {
        Secret key = Secret.ofText("k");
        String good = SHA256_HEX.sign(key, dotted("1", "b"));
        List<Secret> keys = List.of(key);
        assertThat(SHA256_HEX.verify(keys, good.toUpperCase(), dotted("1", "b")), is(false));
        assertThat(SHA256_HEX.verify(keys, "sha256=" + good.substring(7).toUpperCase(), dotted("1", "b")), is(false));
        assertThat(SHA256_HEX.verify(keys, good.substring(7), dotted("1", "b")), is(false));
        assertThat(SHA256_HEX.verify(keys, " " + good, dotted("1", "b")), is(false));
        assertThat(SHA256_HEX.verify(keys, good + " ", dotted("1", "b")), is(false));
        assertThat(SHA256_HEX.verify(keys, good + "," + good, dotted("1", "b")), is(false));
        assertThat(SHA256_HEX.verify(keys, "", dotted("1", "b")), is(false));
        assertThat(SHA256_HEX.verify(keys, good.replace('a', 'á'), dotted("1", "b")), is(good.indexOf('a') < 0));
    }

    @Test
    void anyActiveKeyVerifies() {
        Secret previous = Secret.ofText("previous");
        Secret current = Secret.ofText("current");
        String signedWithPrevious = SHA256_HEX.sign(previous, dotted("1", "b"));
        assertThat(SHA256_HEX.verify(List.of(current, previous), signedWithPrevious, dotted("1", "b")), is(true));
        assertThat(SHA256_HEX.verify(List.of(current), signedWithPrevious, dotted("1", "b")), is(false));
        assertThat(SHA256_HEX.verify(List.of(), signedWithPrevious, dotted("1", "b")), is(false));
    }

    // RFC 4231 test case 2, and the Standard Webhooks vector for the base64 form.
    @Test
    void encodings() {
        Secret jefe = Secret.ofText("Jefe");
        assertThat(HmacSignature.hex("").sign(jefe, "what do ya want for nothing?".getBytes(StandardCharsets.US_ASCII)),
                   is("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"));
        Secret whsec = Secret.ofBase64("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        assertThat(HmacSignature.base64("v1,").sign(whsec,
                                                    "msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{\"test\": 2432232314}"
                                                            .getBytes(StandardCharsets.UTF_8)),
                   is("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="));
    }

    @Test
    void emptyKeyStillSigns() {
        // HMAC defines empty keys (zero-padded); the JDK refuses them, the toolkit must not throw.
        assertThat(HmacSignature.hex("").sign(Secret.of(new byte[0]), new byte[0]),
                   is("b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad"));
    }
}
