package dev.relaygate.api;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Signs outgoing requests the Standard Webhooks way (standardwebhooks.com), for every sender in Relaygate: the
 * {@code forward} handler and the standard-webhooks channel's replies. {@code webhook-id} stays the same on every try
 * of one message, so that the receiver handles it once.
 */
public final class StandardWebhooks {
    private static final HmacSignature SIGNATURE = HmacSignature.base64("v1,");

    private StandardWebhooks() {
    }

    /**
     * The three headers for one try.
     *
     * @param key       the {@code whsec_} key
     * @param id        the message id
     * @param timestamp the try's time, in epoch seconds
     * @param body      the exact body bytes
     * @return {@code webhook-id}, {@code webhook-timestamp} and {@code webhook-signature} ({@code v1,<base64>} over
     *         {@code <id>.<timestamp>.<body>})
     */
    public static Map<String, String> headers(Secret key, String id, long timestamp, byte[] body) {
        String time = Long.toString(timestamp);
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("webhook-id", id);
        headers.put("webhook-timestamp", time);
        headers.put("webhook-signature", SIGNATURE.sign(key, (id + "." + time + ".").getBytes(StandardCharsets.UTF_8), body));
        return headers;
    }
}
