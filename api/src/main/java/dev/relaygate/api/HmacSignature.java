package dev.relaygate.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

import javax.crypto.Mac;

/**
 * An HMAC-SHA256 signature format: an encoding of the 32-byte MAC (lowercase hex or standard base64) behind a fixed
 * prefix, for example {@code sha256=<hex>} (GitHub, channel relay), {@code v0=<hex>} (Slack) or {@code v1,<base64>}
 * (Standard Webhooks).
 *
 * <p>Verification compares the complete expected header value with the complete presented one, byte for byte, in
 * constant time ({@link MessageDigest#isEqual}). So the prefix is mandatory, uppercase hex and surrounding spaces
 * fail, and a different length is simply "not equal".
 */
public final class HmacSignature {
    private final String prefix;
    private final boolean hex;

    private HmacSignature(String prefix, boolean hex) {
        this.prefix = Objects.requireNonNull(prefix);
        this.hex = hex;
    }

    /**
     * Lowercase hex after a prefix.
     *
     * @param prefix for example {@code sha256=} or {@code v0=}
     * @return the format
     */
    public static HmacSignature hex(String prefix) {
        return new HmacSignature(prefix, true);
    }

    /**
     * Standard base64 (with padding) after a prefix.
     *
     * @param prefix for example {@code v1,}
     * @return the format
     */
    public static HmacSignature base64(String prefix) {
        return new HmacSignature(prefix, false);
    }

    /**
     * The raw HMAC-SHA256 of the concatenated parts.
     *
     * @param key   the key
     * @param parts message parts, hashed in order without separators
     * @return the 32-byte MAC
     */
    public static byte[] mac(Secret key, byte[]... parts) {
        Mac mac = key.hmacSha256();
        for (byte[] part : parts) {
            mac.update(part);
        }
        return mac.doFinal();
    }

    /**
     * The header value for a message: prefix followed by the encoded MAC.
     *
     * @param key   the key
     * @param parts message parts, hashed in order without separators
     * @return for example {@code sha256=8b33...}
     */
    public String sign(Secret key, byte[]... parts) {
        byte[] mac = mac(key, parts);
        return prefix + (hex ? HexFormat.of().formatHex(mac) : Base64.getEncoder().encodeToString(mac));
    }

    /**
     * Whether the presented value is the signature of the message under any of the keys (several keys are active
     * during a rotation). Every key is tried, so the time does not depend on which one matched.
     *
     * @param keys      active keys; none means "invalid"
     * @param presented the header value exactly as received
     * @param parts     message parts, hashed in order without separators
     * @return whether one key verifies
     */
    public boolean verify(Collection<Secret> keys, String presented, byte[]... parts) {
        return verifyAny(keys, List.of(presented), parts);
    }

    /**
     * Whether any of the presented values is the signature of the message under any of the keys. Each key's MAC is
     * computed once, whatever the number of entries, and entries that cannot be a signature of this format (another
     * prefix or version, a wrong length) cost no MAC at all, so a long list of junk entries is cheap to refuse.
     *
     * @param keys      active keys; none means "invalid"
     * @param presented the entries exactly as received
     * @param parts     message parts, hashed in order without separators
     * @return whether one entry verifies under one key
     */
    public boolean verifyAny(Collection<Secret> keys, List<String> presented, byte[]... parts) {
        List<byte[]> candidates = new ArrayList<>(presented.size());
        for (String entry : presented) {
            if (entry.length() == encodedLength() && entry.startsWith(prefix)) {
                // UTF-8 keeps any non-ASCII character distinct: it can never equal an ASCII signature.
                candidates.add(entry.getBytes(StandardCharsets.UTF_8));
            }
        }
        if (candidates.isEmpty()) {
            return false;
        }
        boolean valid = false;
        for (Secret key : keys) {
            byte[] expected = sign(key, parts).getBytes(StandardCharsets.US_ASCII);
            for (byte[] candidate : candidates) {
                valid |= MessageDigest.isEqual(expected, candidate);
            }
        }
        return valid;
    }

    // The length of every header value this format produces: the prefix and the encoded 32-byte MAC.
    private int encodedLength() {
        return prefix.length() + (hex ? 64 : 44);
    }

    /**
     * The prefix of this format.
     *
     * @return the prefix
     */
    public String prefix() {
        return prefix;
    }

    @Override
    public String toString() {
        return "HmacSignature[" + prefix + (hex ? "<hex>" : "<base64>") + "]";
    }
}
