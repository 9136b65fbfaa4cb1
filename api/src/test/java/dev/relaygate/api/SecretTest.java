package dev.relaygate.api;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SecretTest {
    @Test
    void neverShowsItself() {
        Secret secret = Secret.ofText("hunter2-very-secret");
        assertThat(secret.toString(), is("[REDACTED]"));
        assertThat(String.valueOf(secret), not(containsString("hunter2")));
    }

    @Test
    void hexErrorsDoNotEchoTheValue() {
        IllegalArgumentException odd = assertThrows(IllegalArgumentException.class, () -> Secret.ofHex("abcde-secret-"));
        assertThat(odd.getMessage(), not(containsString("secret")));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> Secret.ofHex("zz-secret!"));
        assertThat(bad.getMessage(), is("not a hex string"));
        assertThat(Secret.ofHex("0A0b").length(), is(2));
    }

    @Test
    void standardWebhooksKeyErrorsDoNotEchoTheValue() {
        assertThat(assertThrows(IllegalArgumentException.class, () -> Secret.ofStandardWebhooks("whsec_%%secret%%"))
                           .getMessage(), is("not a base64 string"));
        assertThat(assertThrows(IllegalArgumentException.class, () -> Secret.ofStandardWebhooks("whsec_")).getMessage(),
                   is("an empty key"));
    }

    @Test
    void matchesComparesBytes() {
        Secret secret = Secret.ofText("token");
        assertThat(secret.matches("token".getBytes()), is(true));
        assertThat(secret.matches("token ".getBytes()), is(false));
        assertThat(secret.matches(new byte[0]), is(false));
    }
}
