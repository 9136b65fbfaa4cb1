package dev.relaygate.api;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.HexFormat;

/**
 * Ed25519 signature checks (RFC 8032) with the JDK's own implementation, for providers that sign with a key pair
 * (Discord).
 */
public final class Ed25519 {
    // SubjectPublicKeyInfo for Ed25519 (RFC 8410) up to the 32 key bytes.
    private static final byte[] X509_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");

    private final PublicKey key;

    private Ed25519(PublicKey key) {
        this.key = key;
    }

    /**
     * A verifier for a raw 32-byte public key given as 64 hex characters.
     *
     * @param hex the public key
     * @return the verifier
     * @throws IllegalArgumentException if it is not 64 hex characters or not a valid key
     */
    public static Ed25519 publicKeyHex(String hex) {
        byte[] raw;
        try {
            raw = HexFormat.of().parseHex(hex);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("expected 64 hex characters (32 bytes)");
        }
        if (raw.length != 32) {
            throw new IllegalArgumentException("expected 64 hex characters (32 bytes), got " + hex.length() + " characters");
        }
        byte[] encoded = new byte[X509_PREFIX.length + 32];
        System.arraycopy(X509_PREFIX, 0, encoded, 0, X509_PREFIX.length);
        System.arraycopy(raw, 0, encoded, X509_PREFIX.length, 32);
        try {
            return new Ed25519(KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(encoded)));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("not an Ed25519 public key");
        }
    }

    /**
     * Checks a signature given as 128 hex characters over the concatenated parts. Malformed input is simply invalid.
     *
     * @param signatureHex the signature
     * @param parts        the signed message, in order
     * @return whether it verifies
     */
    public boolean verify(String signatureHex, byte[]... parts) {
        byte[] signature;
        try {
            signature = HexFormat.of().parseHex(signatureHex);
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (signature.length != 64) {
            return false;
        }
        try {
            Signature check = Signature.getInstance("Ed25519");
            check.initVerify(key);
            for (byte[] part : parts) {
                check.update(part);
            }
            return check.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return "Ed25519[public key]";
    }
}
