package dev.relaygate.api;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

import dev.relaygate.api.spi.Counters;

import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;

/**
 * Calls a provider's HTTP API for a channel (Telegram, Discord, GitHub, a reply URL), with the rules every such call
 * needs written once:
 * <ul>
 *     <li>a rate-limit answer (how a provider says so is the channel's {@link Builder#rateLimit rule}) is waited out
 *     and the call made again, at most {@link #ATTEMPTS} tries and {@link #MAX_RETRY_AFTER} per wait; beyond that it
 *     is a retryable {@link ChannelException}, so the dispatcher tries the event again later;</li>
 *     <li>a route the provider said is exhausted ({@link Builder#cooldown}) waits before its next call;</li>
 *     <li>no answer within the request timeout is never retried: the provider may have posted the message and lost
 *     only the answer, and a second post would be a double post. A connection that was never made is retryable;</li>
 *     <li>answers are read up to {@link #MAX_ANSWER_BYTES}, and the whole exchange is bounded by the timeout;</li>
 *     <li>each call is counted as {@code relaygate_sends_total{channel,call,status}};</li>
 *     <li>error texts name the provider and the call, never the URL: Telegram's URL holds the bot token, Discord's
 *     an interaction token.</li>
 * </ul>
 * Statuses other than 2xx and rate limits are returned for the channel to judge ({@link Answer#ok()}).
 */
public final class ProviderClient implements AutoCloseable {
    /** Tries of one call when the provider answers with a rate limit. */
    public static final int ATTEMPTS = 3;
    /** The longest rate-limit wait honoured in place; a longer one fails the call as retryable. */
    public static final Duration MAX_RETRY_AFTER = Duration.ofSeconds(30);
    /** Providers answer a few KiB; more is refused, not buffered. */
    public static final int MAX_ANSWER_BYTES = 1 << 20;
    /** Routes whose cooldown is remembered; past ones are forgotten first. */
    static final int MAX_ROUTES = 4096;

    /** Waits; tests record instead of sleeping. */
    @FunctionalInterface
    public interface Pause {
        /**
         * Waits.
         *
         * @param duration how long
         * @throws InterruptedException when interrupted
         */
        void pause(Duration duration) throws InterruptedException;
    }

    /**
     * One call.
     *
     * @param call    the call's name for metrics and errors, for example {@code sendMessage}
     * @param route   the key a provider's per-route limit applies to (never a token: it may be logged)
     * @param method  the HTTP method
     * @param uri     the URL, which may hold a token and is never shown
     * @param headers request headers
     * @param body    the body, empty for none
     */
    public record Request(String call, String route, String method, URI uri, Map<String, String> headers, byte[] body) {
        /**
         * Validates.
         */
        public Request {
            Objects.requireNonNull(call);
            Objects.requireNonNull(route);
            Objects.requireNonNull(method);
            Objects.requireNonNull(uri);
            headers = Map.copyOf(headers);
            Objects.requireNonNull(body);
        }

        /**
         * A JSON request.
         *
         * @param call    the call's name
         * @param route   the rate-limit route
         * @param method  the method
         * @param uri     the URL
         * @param headers headers besides {@code Content-Type}
         * @param json    the body
         * @return the request
         */
        public static Request json(String call, String route, String method, URI uri, Map<String, String> headers,
                                   JsonObject json) {
            Map<String, String> all = new LinkedHashMap<>(headers);
            all.put("Content-Type", "application/json");
            return new Request(call, route, method, uri, all, json.toString().getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String toString() {
            return "Request[" + method + " " + call + "]";
        }
    }

    /**
     * A provider's answer.
     *
     * @param status  the HTTP status
     * @param headers the first value of each header, names in lower case
     * @param body    the body
     */
    public record Answer(int status, Map<String, String> headers, byte[] body) {
        /**
         * Whether the status is 2xx.
         *
         * @return whether the call succeeded
         */
        public boolean ok() {
            return status >= 200 && status < 300;
        }

        /**
         * A header's first value.
         *
         * @param name the header, any case
         * @return the value
         */
        public Optional<String> header(String name) {
            return Optional.ofNullable(headers.get(name.toLowerCase(Locale.ROOT)));
        }

        /**
         * The body as a JSON object.
         *
         * @return the object, empty when the body is not one
         */
        public Optional<JsonObject> json() {
            return JsonBodies.object(body);
        }

        @Override
        public String toString() {
            return "Answer[" + status + ", " + body.length + " bytes]";
        }
    }

    private final String provider;
    private final HttpClient client;
    private final Duration timeout;
    private final Counters counters;
    private final Clock clock;
    private final Pause pause;
    private final Function<Answer, Optional<Duration>> rateLimit;
    private final Function<Answer, Optional<Duration>> cooldown;
    // Package-private for tests, which check that it stays bounded.
    final Map<String, Instant> blockedUntil = new ConcurrentHashMap<>();

    private ProviderClient(Builder builder) {
        this.provider = builder.provider;
        this.timeout = builder.timeout;
        this.counters = builder.counters;
        this.clock = builder.clock;
        this.pause = builder.pause;
        this.rateLimit = builder.rateLimit;
        this.cooldown = builder.cooldown;
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(builder.connectTimeout)
                .build();
    }

    /**
     * A builder.
     *
     * @param provider the provider's name for error texts, for example {@code Telegram}
     * @return the builder
     */
    public static Builder builder(String provider) {
        return new Builder(provider);
    }

    /**
     * Makes a call, waiting out rate limits as described above.
     *
     * @param request the call
     * @return the provider's answer, a rate limit excepted
     * @throws ChannelException when the provider cannot be reached, does not answer in time, or keeps limiting
     */
    public Answer call(Request request) {
        for (int attempt = 1; ; attempt++) {
            waitForRoute(request.route());
            Answer answer = exchange(request);
            counters.increment("sends", "call", request.call(), "status", Integer.toString(answer.status()));
            cooldown.apply(answer).ifPresent(wait -> block(request.route(), wait));
            Optional<Duration> limited = rateLimit.apply(answer);
            if (limited.isEmpty()) {
                return answer;
            }
            Duration wait = limited.get();
            if (attempt >= ATTEMPTS || wait.compareTo(MAX_RETRY_AFTER) > 0) {
                throw new ChannelException(provider + " " + request.call() + ": HTTP " + answer.status() + " after "
                                                   + attempt + " tries, asked to retry after "
                                                   + Math.max(1, (wait.toMillis() + 999) / 1000) + " s", true);
            }
            sleep(wait);
        }
    }

    /**
     * Makes a call whose success is a 2xx (with a JSON object, or no body). Any other answer fails with the provider's
     * own words, taken from {@code errorField} of its JSON ({@code message}, {@code description}), retryable for a 5xx
     * only: a refusal does not change on a retry.
     *
     * @param request    the call
     * @param errorField the field of an error answer that says what went wrong
     * @return the answer's JSON object, empty when it had none
     * @throws ChannelException as {@link #call}, and for a refusal
     */
    public JsonObject callForObject(Request request, String errorField) {
        Answer answer = call(request);
        JsonObject json = answer.json().orElse(JsonValue.EMPTY_JSON_OBJECT);
        if (answer.ok()) {
            return json;
        }
        Optional<String> words = json.get(errorField) instanceof JsonString text ? Optional.of(text.getString())
                : Optional.empty();
        throw new ChannelException(failure(request, answer, words), answer.status() >= 500);
    }

    /**
     * Sends the parts of one message in order (a text split at the provider's limit); a failure after the first part
     * is not retryable, since a retry would post the parts already sent again.
     *
     * @param parts what to send, in order
     * @param send  sends one part, returning the provider's id of the new message if it gave one
     * @param <P>   a part
     * @return the first part's message id
     * @throws ChannelException the first part's failure as it is, a later one as not retryable
     */
    public static <P> Optional<String> sendInOrder(List<P> parts, Function<P, Optional<String>> send) {
        Optional<String> first = Optional.empty();
        for (int i = 0; i < parts.size(); i++) {
            Optional<String> id;
            try {
                id = send.apply(parts.get(i));
            } catch (ChannelException e) {
                if (i == 0) {
                    throw e;
                }
                throw new ChannelException(e.getMessage() + " (after " + i + " of " + parts.size()
                                                   + " parts were sent; not retried, so they are not posted twice)", false);
            }
            first = first.or(() -> id);
        }
        return first;
    }

    /**
     * The error text for an answer the channel refuses: provider, call and status, and the provider's own description
     * when it gave one, cut short and kept printable.
     *
     * @param request     the call
     * @param answer      the answer
     * @param description the provider's description, if any
     * @return the text
     */
    public String failure(Request request, Answer answer, Optional<String> description) {
        return provider + " " + request.call() + " failed: HTTP " + answer.status()
                + description.filter(d -> !d.isBlank()).map(d -> ": " + printable(d)).orElse("");
    }

    private Answer exchange(Request request) {
        HttpRequest.BodyPublisher body = request.body().length == 0 ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofByteArray(request.body());
        HttpRequest.Builder http = HttpRequest.newBuilder(request.uri()).method(request.method(), body).timeout(timeout);
        request.headers().forEach(http::header);
        CompletableFuture<HttpResponse<byte[]>> future = client.sendAsync(http.build(), info -> new Capped());
        try {
            HttpResponse<byte[]> response = future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            Map<String, String> headers = new LinkedHashMap<>();
            response.headers().map().forEach((name, values) -> {
                if (!values.isEmpty()) {
                    headers.put(name.toLowerCase(Locale.ROOT), values.getFirst());
                }
            });
            return new Answer(response.statusCode(), Map.copyOf(headers), response.body());
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new ChannelException(provider + " " + request.call() + " interrupted", true);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw noAnswer(request);
        } catch (ExecutionException e) {
            // Causes are named by class only: their messages may quote the URL, and so a token.
            Throwable cause = e.getCause();
            if (cause instanceof HttpConnectTimeoutException || cause instanceof ConnectException) {
                counters.increment("sends", "call", request.call(), "status", "unreachable");
                throw new ChannelException("cannot reach " + provider + " for " + request.call() + ": "
                                                   + cause.getClass().getSimpleName(), true);
            }
            if (cause instanceof TooLarge) {
                counters.increment("sends", "call", request.call(), "status", "too_large");
                throw new ChannelException(provider + " answered " + request.call() + " with more than "
                                                   + MAX_ANSWER_BYTES + " bytes", false);
            }
            throw noAnswer(request);
        }
    }

    private ChannelException noAnswer(Request request) {
        counters.increment("sends", "call", request.call(), "status", "no_answer");
        String within = timeout.toMillis() % 1000 == 0 ? timeout.toSeconds() + " s" : timeout.toMillis() + " ms";
        return new ChannelException(provider + " did not answer " + request.call() + " within " + within
                                            + "; not retried, as it may have done it (no double post)", false);
    }

    private void waitForRoute(String route) {
        Instant until = blockedUntil.get(route);
        if (until == null) {
            return;
        }
        Duration wait = Duration.between(clock.instant(), until);
        if (!wait.isPositive()) {
            blockedUntil.remove(route, until);
            return;
        }
        if (wait.compareTo(MAX_RETRY_AFTER) > 0) {
            throw new ChannelException(provider + " rate limit on this route: retry after " + wait.toSeconds() + " s",
                                       true);
        }
        sleep(wait);
    }

    private void block(String route, Duration wait) {
        Instant now = clock.instant();
        if (blockedUntil.size() >= MAX_ROUTES) {
            blockedUntil.values().removeIf(until -> !until.isAfter(now));
        }
        // When MAX_ROUTES routes are all cooling down, a new one is not remembered: the provider's 429 still holds it.
        if (blockedUntil.containsKey(route) || blockedUntil.size() < MAX_ROUTES) {
            blockedUntil.put(route, now.plus(wait));
        }
    }

    private void sleep(Duration duration) {
        try {
            pause.pause(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChannelException("interrupted while waiting for " + provider + "'s rate limit", true);
        }
    }

    private static String printable(String text) {
        String cut = text.length() > 200 ? text.substring(0, 200) + "..." : text;
        return cut.replaceAll("[^\\x20-\\x7E]", "?");
    }

    @Override
    public void close() {
        client.close();
    }

    @Override
    public String toString() {
        return "ProviderClient[" + provider + "]";
    }

    /** An answer over {@link #MAX_ANSWER_BYTES}. */
    private static final class TooLarge extends IOException {
        TooLarge() {
            super("answer too large");
        }
    }

    /** Collects the body up to {@link #MAX_ANSWER_BYTES}, and cancels the exchange past that. */
    private static final class Capped implements HttpResponse.BodySubscriber<byte[]> {
        private final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private Flow.Subscription subscription;

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            this.subscription = subscription;
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            for (ByteBuffer buffer : buffers) {
                if (bytes.size() + buffer.remaining() > MAX_ANSWER_BYTES) {
                    subscription.cancel();
                    result.completeExceptionally(new TooLarge());
                    return;
                }
                byte[] chunk = new byte[buffer.remaining()];
                buffer.get(chunk);
                bytes.writeBytes(chunk);
            }
        }

        @Override
        public void onError(Throwable throwable) {
            result.completeExceptionally(throwable);
        }

        @Override
        public void onComplete() {
            result.complete(bytes.toByteArray());
        }

        @Override
        public CompletableFuture<byte[]> getBody() {
            return result;
        }
    }

    /** Builds a {@link ProviderClient}. */
    public static final class Builder {
        private final String provider;
        private Duration timeout = Duration.ofSeconds(30);
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Counters counters = Counters.NONE;
        private Clock clock = Clock.systemUTC();
        private Pause pause = Thread::sleep;
        private Function<Answer, Optional<Duration>> rateLimit = answer -> Optional.empty();
        private Function<Answer, Optional<Duration>> cooldown = answer -> Optional.empty();

        private Builder(String provider) {
            this.provider = Objects.requireNonNull(provider);
        }

        /**
         * How long a whole exchange may take (default 30 s).
         *
         * @param timeout the limit
         * @return this builder
         */
        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        /**
         * How long connecting may take (default 10 s).
         *
         * @param connectTimeout the limit
         * @return this builder
         */
        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
            return this;
        }

        /**
         * Where calls are counted (the channel's counters).
         *
         * @param counters the counters
         * @return this builder
         */
        public Builder counters(Counters counters) {
            this.counters = counters;
            return this;
        }

        /**
         * The clock for cooldowns and HTTP dates (the channel's clock).
         *
         * @param clock the clock
         * @return this builder
         */
        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /**
         * How to wait (tests record instead of sleeping).
         *
         * @param pause the pause
         * @return this builder
         */
        public Builder pause(Pause pause) {
            this.pause = pause;
            return this;
        }

        /**
         * Which answers are rate limits, and how long each asks to wait.
         *
         * @param rule the wait for a rate-limit answer, empty for any other answer
         * @return this builder
         */
        public Builder rateLimit(Function<Answer, Optional<Duration>> rule) {
            this.rateLimit = rule;
            return this;
        }

        /**
         * Which answers say that the call's route is exhausted until some time, whatever their status.
         *
         * @param rule how long the route must rest after this answer, empty when it need not
         * @return this builder
         */
        public Builder cooldown(Function<Answer, Optional<Duration>> rule) {
            this.cooldown = rule;
            return this;
        }

        /**
         * Builds the client.
         *
         * @return the client
         */
        public ProviderClient build() {
            return new ProviderClient(this);
        }
    }
}
