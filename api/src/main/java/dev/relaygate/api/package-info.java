/**
 * Relaygate's value types and the signature verification toolkit shared by every channel plugin.
 *
 * <p>The toolkit ({@link dev.relaygate.api.HmacSignature}, {@link dev.relaygate.api.TimestampWindow},
 * {@link dev.relaygate.api.SignedRequestVerifier}, {@link dev.relaygate.api.Secret}) is the one audited copy of the
 * security-critical code: plugins compose it rather than writing their own HMAC or comparison.
 * This package has no framework dependency.
 */
package dev.relaygate.api;
