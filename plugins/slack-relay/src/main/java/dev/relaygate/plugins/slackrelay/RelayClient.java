package dev.relaygate.plugins.slackrelay;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

import io.helidon.http.HeaderNames;
import io.helidon.webclient.api.HttpClientRequest;
import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webclient.api.WebClient;

import dev.relaygate.api.JsonBodies;
import dev.relaygate.api.RetryAfter;
import dev.relaygate.api.Secret;
import dev.relaygate.api.spi.Counters;

import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.json.spi.JsonProvider;

/**
 * The relay's outbound API (relay-protocol.md section 4) on the Helidon WebClient: {@code Authorization: Bearer} on
 * every call, one timeout for connect and read, redirects never followed.
 *
 * <p>Retries only what cannot have taken effect or what the relay asked to be retried: a refused connection (nothing
 * was sent), 503 and 429 (honouring {@code Retry-After} up to {@link #MAX_RETRY_AFTER}), at most {@link #ATTEMPTS}
 * tries. A read timeout is never retried: the relay may have acted (posted the message) and lost only its answer.
 *
 * <p>Answers are read up to a bound: {@link #MAX_BODY} bytes of a success body, a few KiB of an error body (which
 * {@link RelayException} cuts to one short line).
 */
final class RelayClient {
    static final int ATTEMPTS = 3;
    static final Duration MAX_RETRY_AFTER = Duration.ofSeconds(30);
    /** The largest success body read; a larger one is a protocol error. */
    static final int MAX_BODY = 1 << 20;
    // An error body is only quoted (cut to RelayException.MAX_DETAIL characters), so a little of it is enough.
    private static final int MAX_ERROR_BODY = 4096;
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(200);
    private static final JsonProvider JSON = JsonProvider.provider();
    private static final System.Logger LOGGER = System.getLogger(RelayClient.class.getName());

    /** Waits between attempts; tests pass one that records instead of sleeping. */
    @FunctionalInterface
    interface Pause {
        void pause(Duration duration) throws InterruptedException;
    }

    /** An entry of {@code GET /connections}. */
    record Connection(String provider, String teamId, Optional<String> teamName, boolean connected) {
    }

    private final String base;
    private final Secret apiKey;
    private final WebClient client;
    private final Pause pause;
    private final Clock clock;
    private final Counters counters;

    RelayClient(URI baseUrl, Secret apiKey, Duration timeout, Pause pause, Clock clock, Counters counters) {
        this.base = baseUrl.toString();
        this.apiKey = apiKey;
        this.pause = pause;
        this.clock = clock;
        this.counters = counters;
        this.client = WebClient.builder()
                .followRedirects(false)
                .connectTimeout(timeout)
                .readTimeout(timeout)
                .build();
    }

    /**
     * {@code GET /relay/signing-secret?team_id=}: the 32-byte webhook key (relay-protocol.md 4.4).
     */
    Secret signingSecret(String teamId) {
        JsonObject body = call("GET /relay/signing-secret", client.get(base + "/relay/signing-secret")
                .queryParam("team_id", teamId), null, RelayClient::requireObject);
        if (!(body.get("signing_secret") instanceof JsonString hex)) {
            throw RelayException.protocol("missing signing_secret in response");
        }
        Secret secret;
        try {
            secret = Secret.ofHex(hex.getString());
        } catch (IllegalArgumentException e) {
            throw RelayException.protocol("invalid signing_secret hex: " + e.getMessage());
        }
        if (secret.length() != 32) {
            throw RelayException.protocol("invalid signing_secret length: expected 32 bytes, got " + secret.length());
        }
        return secret;
    }

    /**
     * {@code GET /oauth/slack/auth?state_nonce=}: the Slack authorization URL, from a 3xx {@code Location} or a 2xx
     * JSON {@code auth_url} / {@code url} (relay-protocol.md 4.3). The user's browser is sent there, so only an absolute
     * http or https URL without spaces or control characters is taken; anything else is a protocol error.
     */
    String authUrl(String nonce) {
        String url = execute("GET /oauth/slack/auth", client.get(base + "/oauth/slack/auth").queryParam("state_nonce", nonce),
                             null, response -> {
                    int status = response.status().code();
                    if (status >= 300 && status < 400) {
                        return response.headers().first(HeaderNames.LOCATION)
                                .filter(location -> !location.isEmpty())
                                .orElseThrow(() -> RelayException.protocol("Redirect response missing Location header"));
                    }
                    JsonObject body = requireObject(successBody(response));
                    for (String field : List.of("auth_url", "url")) {
                        if (body.get(field) instanceof JsonString found) {
                            return found.getString();
                        }
                    }
                    throw RelayException.protocol("Response missing auth_url field");
                });
        if (!isWebUrl(url)) {
            throw RelayException.protocol("auth URL is not an absolute http or https URL");
        }
        return url;
    }

    /**
     * {@code POST /approvals}: registers an approval and returns its opaque token (relay-protocol.md 4.5).
     */
    String registerApproval(String teamId, String channelId, String requestId, Optional<String> thread) {
        var body = JSON.createObjectBuilder().add("team_id", teamId).add("channel_id", channelId).add("request_id", requestId);
        thread.ifPresent(ts -> body.add("thread_ts", ts));
        JsonObject answer = call("POST /approvals", client.post(base + "/approvals"), body.build(), RelayClient::requireObject);
        if (!(answer.get("approval_token") instanceof JsonString token)) {
            throw RelayException.protocol("missing approval_token in response");
        }
        return token.getString();
    }

    /**
     * {@code POST /proxy/{provider}/{method}?team_id=}: a Slack Web API call through the relay (relay-protocol.md 4.6).
     * A Slack {@code {"ok":false}} inside HTTP 200 is an error.
     */
    JsonValue proxy(String provider, String method, String teamId, JsonObject arguments) {
        // Path segments are appended as they are, like the original; both are fixed strings here.
        JsonValue answer = call("POST /proxy/" + provider + "/" + method,
                                client.post(base + "/proxy/" + provider + "/" + method).queryParam("team_id", teamId),
                                arguments, Function.identity());
        if (answer instanceof JsonObject object && object.get("ok") == JsonValue.FALSE) {
            throw RelayException.slack(object.get("error") instanceof JsonString error ? error.getString() : "unknown");
        }
        return answer;
    }

    /**
     * {@code GET /connections?instance_id=} (relay-protocol.md 4.7).
     */
    List<Connection> connections(String instanceId) {
        JsonValue answer = call("GET /connections", client.get(base + "/connections").queryParam("instance_id", instanceId),
                                null, Function.identity());
        if (!(answer instanceof JsonArray array)) {
            throw RelayException.protocol("expected a JSON array of connections");
        }
        List<Connection> connections = new ArrayList<>();
        for (JsonValue value : array) {
            if (!(value instanceof JsonObject entry)
                    || !(entry.get("provider") instanceof JsonString provider)
                    || !(entry.get("team_id") instanceof JsonString team)
                    || !(entry.get("connected") == JsonValue.TRUE || entry.get("connected") == JsonValue.FALSE)) {
                throw RelayException.protocol("connection entry needs provider, team_id and connected");
            }
            Optional<String> name = entry.get("team_name") instanceof JsonString teamName
                    ? Optional.of(teamName.getString())
                    : Optional.empty();
            connections.add(new Connection(provider.getString(), team.getString(), name,
                                           entry.get("connected") == JsonValue.TRUE));
        }
        return connections;
    }

    /**
     * A call whose 2xx body is JSON: non-2xx is an API error, an unreadable body a protocol error.
     */
    private <T> T call(String name, HttpClientRequest request, JsonObject body, Function<JsonValue, T> mapper) {
        return execute(name, request, body, response -> mapper.apply(successBody(response)));
    }

    private <T> T execute(String name, HttpClientRequest request, JsonObject body, Function<HttpClientResponse, T> reader) {
        request.header(HeaderNames.AUTHORIZATION, "Bearer " + apiKey.text());
        for (int attempt = 1; ; attempt++) {
            try (HttpClientResponse response = body == null ? request.request() : request.submit(jsonBytes(body))) {
                int status = response.status().code();
                LOGGER.log(System.Logger.Level.DEBUG, "Relay " + name + " -> " + status);
                counters.increment("relay.calls", "call", name, "status", Integer.toString(status));
                if ((status == 503 || status == 429) && attempt < ATTEMPTS) {
                    Optional<Duration> wait = retryAfter(response).or(() -> Optional.of(backoff(1)));
                    if (wait.get().compareTo(MAX_RETRY_AFTER) <= 0) {
                        counters.increment("relay.retries", "call", name, "reason", Integer.toString(status));
                        pause(wait.get());
                        continue;
                    }
                }
                return reader.apply(response);
            } catch (RelayException e) {
                throw e;
            } catch (RuntimeException e) {
                boolean refused = causedBy(e, ConnectException.class);
                counters.increment("relay.calls", "call", name, "status", refused ? "refused" : "failed");
                if (refused && attempt < ATTEMPTS) {
                    counters.increment("relay.retries", "call", name, "reason", "refused");
                    pause(backoff(attempt));
                    continue;
                }
                throw RelayException.network(describe(e), refused);
            }
        }
    }

    private static JsonValue successBody(HttpClientResponse response) {
        int status = response.status().code();
        if (status < 200 || status >= 300) {
            throw RelayException.api(status, new String(head(response, MAX_ERROR_BODY), StandardCharsets.UTF_8));
        }
        byte[] body = head(response, MAX_BODY + 1);
        if (body.length > MAX_BODY) {
            throw RelayException.protocol("response larger than " + MAX_BODY + " bytes");
        }
        return JsonBodies.value(body).orElseThrow(() -> RelayException.protocol("invalid JSON in response"));
    }

    /**
     * At most {@code limit} bytes of the body: a relay (or whatever answers at its address) cannot make us buffer more.
     */
    private static byte[] head(HttpClientResponse response, int limit) {
        if (!response.entity().hasEntity()) {
            return new byte[0];
        }
        try (InputStream in = response.entity().inputStream()) {
            return in.readNBytes(limit);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonObject requireObject(JsonValue value) {
        if (value instanceof JsonObject object) {
            return object;
        }
        throw RelayException.protocol("expected a JSON object in response");
    }

    private Optional<Duration> retryAfter(HttpClientResponse response) {
        return response.headers().first(HeaderNames.RETRY_AFTER).flatMap(v -> RetryAfter.parse(v, clock.instant()));
    }

    private static Duration backoff(int attempt) {
        return FIRST_BACKOFF.multipliedBy(1L << (attempt - 1));
    }

    private void pause(Duration duration) {
        try {
            pause.pause(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw RelayException.network("interrupted while waiting to retry", true);
        }
    }

    private static byte[] jsonBytes(JsonObject body) {
        return body.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private static String describe(RuntimeException e) {
        if (causedBy(e, ConnectException.class)) {
            return "connection refused";
        }
        if (causedBy(e, SocketTimeoutException.class)) {
            return "timed out (not retried: the relay may have acted on the request)";
        }
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }

    private static boolean isWebUrl(String url) {
        if (url.isEmpty() || !url.chars().allMatch(c -> c > 0x20 && c < 0x7F)) {
            return false;
        }
        try {
            URI uri = new URI(url);
            return uri.isAbsolute() && uri.getHost() != null
                    && ("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme()));
        } catch (URISyntaxException e) {
            return false;
        }
    }
}
