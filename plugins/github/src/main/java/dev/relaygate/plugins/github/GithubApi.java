package dev.relaygate.plugins.github;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

import dev.relaygate.api.ChannelException;
import dev.relaygate.api.ProviderClient;
import dev.relaygate.api.ProviderClient.Answer;
import dev.relaygate.api.ProviderClient.Request;
import dev.relaygate.api.RetryAfter;
import dev.relaygate.api.Secret;

import jakarta.json.Json;
import jakarta.json.JsonObject;

/**
 * GitHub REST calls with {@code Authorization: Bearer}, {@code Accept: application/vnd.github+json} and
 * {@code X-GitHub-Api-Version: 2022-11-28}. GitHub's rate limits are a 403 or 429 with {@code Retry-After}, or with
 * {@code x-ratelimit-remaining: 0} and {@code x-ratelimit-reset} (epoch seconds); both are waited out. Any other
 * failure fails with GitHub's {@code message} (a 403 that is not a rate limit is a permission problem: given up).
 */
final class GithubApi {
    static final String API_VERSION = "2022-11-28";

    private final URI base;
    private final Optional<Secret> token;
    private final String channel;
    private final ProviderClient client;

    GithubApi(URI base, Optional<Secret> token, String channel, Clock clock, ProviderClient.Builder client) {
        this.base = base;
        this.token = token;
        this.channel = channel;
        this.client = client.rateLimit(answer -> rateLimit(answer, clock)).build();
    }

    /**
     * Comments on an issue or pull request; returns GitHub's answer (the comment, with its {@code id}).
     */
    JsonObject comment(String repository, String number, String body) {
        Secret bearer = token.orElseThrow(() -> new ChannelException(
                "the github channel " + channel + " cannot comment: set relaygate.channels." + channel + ".token", false));
        Request request = Request.json("create-comment", repository, "POST",
                                       URI.create(base + "/repos/" + repository + "/issues/" + number + "/comments"),
                                       Map.of("Authorization", "Bearer " + bearer.text(),
                                              "Accept", "application/vnd.github+json",
                                              "X-GitHub-Api-Version", API_VERSION,
                                              "User-Agent", "relaygate"),
                                       Json.createObjectBuilder().add("body", body).build());
        return client.callForObject(request, "message");
    }

    void close() {
        client.close();
    }

    /**
     * GitHub's two ways of saying "rate limited" on a 403 or 429; a 429 without either waits a minute (GitHub's advice
     * for secondary limits).
     */
    static Optional<Duration> rateLimit(Answer answer, Clock clock) {
        if (answer.status() != 403 && answer.status() != 429) {
            return Optional.empty();
        }
        Optional<Duration> retryAfter = answer.header("Retry-After").flatMap(v -> RetryAfter.parse(v, clock.instant()));
        if (retryAfter.isPresent()) {
            return retryAfter;
        }
        if (answer.header("x-ratelimit-remaining").filter("0"::equals).isPresent()) {
            return answer.header("x-ratelimit-reset").filter(v -> v.matches("[0-9]{1,12}"))
                    .map(v -> Duration.between(clock.instant(), Instant.ofEpochSecond(Long.parseLong(v))))
                    .map(d -> d.isNegative() ? Duration.ZERO : d)
                    .or(() -> Optional.of(Duration.ofMinutes(1)));
        }
        return answer.status() == 429 ? Optional.of(Duration.ofMinutes(1)) : Optional.empty();
    }
}
