package dev.relaygate.api;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Key material that never shows itself: {@link #toString()} is {@code [REDACTED]} and parse errors never echo the
 * input. Use {@link #bytes()} only where the raw key is needed (an HMAC key, a bearer header).
 */
public final class Secret {
    private static final String REDACTED = "[REDACTED]";

    private final byte[] bytes;
    // HMAC-SHA256 keyed with these bytes, made once: each use clones it, which skips the provider lookup and the key
    // schedule that Mac.getInstance and init cost on every request.
    private volatile Mac hmacSha256;

    private Secret(byte[] bytes) {
        this.bytes = bytes;
    }

    /**
     * A secret made of the given bytes (copied).
     *
     * @param bytes key material
     * @return the secret
     */
    public static Secret of(byte[] bytes) {
        return new Secret(bytes.clone());
    }

    /**
     * A secret made of the UTF-8 bytes of a text, for secrets that are plain strings (GitHub, Slack, API keys).
     *
     * @param text the secret text
     * @return the secret
     */
    public static Secret ofText(String text) {
        return new Secret(text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Decodes a hex text (upper or lower case digits).
     *
     * @param hex the hex text
     * @return the decoded secret
     * @throws IllegalArgumentException naming the problem but never the value: odd length or a bad character
     */
    public static Secret ofHex(String hex) {
        try {
            return new Secret(HexFormat.of().parseHex(hex));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(hex.length() % 2 != 0
                    ? "odd number of hex digits (" + hex.length() + ")"
                    : "not a hex string");
        }
    }

    /**
     * Decodes standard base64.
     *
     * @param base64 the base64 text
     * @return the decoded secret
     * @throws IllegalArgumentException if the text is not base64 (the value is not echoed)
     */
    public static Secret ofBase64(String base64) {
        try {
            return new Secret(Base64.getDecoder().decode(base64));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a base64 string");
        }
    }

    /**
     * Decodes a Standard Webhooks key: {@code whsec_} followed by base64 (the prefix may be left out).
     *
     * @param key the key text
     * @return the decoded secret
     * @throws IllegalArgumentException if it is not base64 or empty (the value is not echoed)
     */
    public static Secret ofStandardWebhooks(String key) {
        Secret secret = ofBase64(key.startsWith("whsec_") ? key.substring("whsec_".length()) : key);
        if (secret.length() == 0) {
            throw new IllegalArgumentException("an empty key");
        }
        return secret;
    }

    /**
     * The key material (a copy).
     *
     * @return the bytes
     */
    public byte[] bytes() {
        return bytes.clone();
    }

    /**
     * The key material as UTF-8 text, for secrets sent as text (bearer tokens).
     *
     * @return the text
     */
    public String text() {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /**
     * The number of key bytes.
     *
     * @return the length
     */
    public int length() {
        return bytes.length;
    }

    /**
     * Compares the key material in constant time, which does not reveal the length either: both sides are hashed
     * with SHA-256 first and the digests compared with {@link MessageDigest#isEqual}.
     *
     * @param presented bytes to compare, for example a token from a request header
     * @return whether they are equal
     */
    public boolean matches(byte[] presented) {
        try {
            return MessageDigest.isEqual(MessageDigest.getInstance("SHA-256").digest(bytes),
                                         MessageDigest.getInstance("SHA-256").digest(presented));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JDK", e);
        }
    }

    /**
     * A fresh HMAC-SHA256 keyed with this secret, for the toolkit.
     */
    Mac hmacSha256() {
        try {
            Mac prototype = hmacSha256;
            if (prototype == null) {
                prototype = Mac.getInstance("HmacSHA256");
                // HMAC accepts keys of any length; an empty key is refused by SecretKeySpec, so pad it to one zero byte,
                // which HMAC treats identically (keys are zero-padded to the block size).
                prototype.init(new SecretKeySpec(bytes.length == 0 ? new byte[1] : bytes, "HmacSHA256"));
                hmacSha256 = prototype;
            }
            return (Mac) prototype.clone();
        } catch (GeneralSecurityException | CloneNotSupportedException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JDK", e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Secret other && MessageDigest.isEqual(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return REDACTED;
    }
}
