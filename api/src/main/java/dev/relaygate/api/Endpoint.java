package dev.relaygate.api;

import java.util.Objects;
import java.util.function.Function;

/**
 * An extra HTTP route a channel serves besides its webhook, for example {@code GET /oauth/slack/callback}.
 *
 * @param method  HTTP method
 * @param path    exact path
 * @param access  who may call it
 * @param handler turns the request into the answer; an exception becomes a 500 without details
 */
public record Endpoint(String method, String path, Access access, Function<WebhookRequest, WebhookResponse> handler) {
    /** Who may call an endpoint. */
    public enum Access {
        /** Anyone (browser redirects); the endpoint does its own checks. */
        PUBLIC,
        /** Only callers with the bearer {@code relaygate.api-token}; the host checks it before the handler runs. */
        API_TOKEN
    }

    /**
     * Validates.
     */
    public Endpoint {
        Objects.requireNonNull(method);
        Objects.requireNonNull(path);
        Objects.requireNonNull(access);
        Objects.requireNonNull(handler);
    }
}
