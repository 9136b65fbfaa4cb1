package dev.relaygate.api;

import java.util.HexFormat;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

class Ed25519Test {
    // RFC 8032 section 7.1, TEST 1: the empty message.
    private static final String KEY_1 = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
    private static final String SIGNATURE_1 = "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bac"
            + "c61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";
    // TEST 2: the one-byte message 0x72.
    private static final String KEY_2 = "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c";
    private static final String SIGNATURE_2 = "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e1599"
            + "6e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00";

    @Test
    void rfc8032Vectors() {
        assertThat(Ed25519.publicKeyHex(KEY_1).verify(SIGNATURE_1), is(true));
        assertThat(Ed25519.publicKeyHex(KEY_2).verify(SIGNATURE_2, HexFormat.of().parseHex("72")), is(true));
        assertThat("split parts are one message", Ed25519.publicKeyHex(KEY_2).verify(SIGNATURE_2, new byte[0],
                                                                                      new byte[] {0x72}), is(true));
    }

    @Test
    void anythingElseIsInvalidNeverAnException() {
        assertThat(Ed25519.publicKeyHex(KEY_2).verify(SIGNATURE_2, HexFormat.of().parseHex("73")), is(false));
        assertThat(Ed25519.publicKeyHex(KEY_1).verify(SIGNATURE_2, HexFormat.of().parseHex("72")), is(false));
        assertThat(Ed25519.publicKeyHex(KEY_1).verify("zz"), is(false));
        assertThat(Ed25519.publicKeyHex(KEY_1).verify(SIGNATURE_1.substring(2)), is(false));
        assertThat(assertThrows(IllegalArgumentException.class, () -> Ed25519.publicKeyHex("abcd")).getMessage(),
                   is("expected 64 hex characters (32 bytes), got 4 characters"));
    }
}
