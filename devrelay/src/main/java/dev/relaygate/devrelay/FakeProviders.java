package dev.relaygate.devrelay;

import java.io.PrintStream;
import java.io.StringReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import dev.relaygate.api.Secret;
import dev.relaygate.api.StandardWebhooks;
import dev.relaygate.devrelay.DevRelay.Scripted;

import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.json.spi.JsonProvider;

/**
 * Fake provider APIs on loopback, for the demo and the tests: each call is checked for its token, recorded, printed
 * (without tokens) and answered the way the provider answers, unless a test scripted a fault for it.
 *
 * <pre>
 * {@link #telegramUrl()}  POST /bot{token}/sendMessage | answerCallbackQuery | editMessageReplyMarkup
 * {@link #discordUrl()}   PATCH /webhooks/{app}/{token}/messages/@original, POST /webhooks/{app}/{token},
 *                         POST /channels/{id}/messages (Authorization: Bot)
 * {@link #githubUrl()}    POST /repos/{owner}/{repo}/issues/{number}/comments (Authorization: Bearer)
 * {@link #slackUrl()}     POST /chat.postMessage | /chat.update (Authorization: Bearer)
 * {@link #hooksUrl()}     a Standard Webhooks receiver: checks webhook-signature, answers 204
 * </pre>
 *
 * Calls are named for {@link #script}, {@link #calls} and {@link #await}: {@code telegram sendMessage},
 * {@code discord edit-original}, {@code discord follow-up}, {@code discord create-message},
 * {@code github create-comment}, {@code slack chat.postMessage}, {@code hooks reply}, and so on.
 */
public final class FakeProviders implements AutoCloseable {
    private static final JsonProvider JSON = JsonProvider.provider();
    private static final List<Route> ROUTES = List.of(
            new Route("telegram", "POST", "/telegram/bot(?<token>[^/]+)/(?<call>sendMessage|answerCallbackQuery|editMessageReplyMarkup)"),
            new Route("discord edit-original", "PATCH", "/discord/api/v10/webhooks/[^/]+/(?<token>[^/]+)/messages/@original"),
            new Route("discord follow-up", "POST", "/discord/api/v10/webhooks/[^/]+/(?<token>[^/]+)"),
            new Route("discord create-message", "POST", "/discord/api/v10/channels/(?<channel>[^/]+)/messages"),
            new Route("github create-comment", "POST", "/github/repos/[^/]+/[^/]+/issues/[0-9]+/comments"),
            new Route("slack", "POST", "/slack/api/(?<call>chat\\.postMessage|chat\\.update)"),
            new Route("hooks reply", "POST", "/hooks/replies"));

    private final String telegramToken;
    private final String discordBotToken;
    private final String githubToken;
    private final String slackToken;
    private final Secret hooksSecret;
    private final PrintStream out;
    private final WebServer server;
    private final Map<String, Deque<Scripted>> scripts = new ConcurrentHashMap<>();
    private final CallLog<Call> calls = new CallLog<>();
    private final AtomicLong ids = new AtomicLong(1000);

    /**
     * A call the fake received.
     *
     * @param name    the call's name, for example {@code telegram sendMessage}
     * @param method  the HTTP method
     * @param path    the path as received (it may hold a token: tests only)
     * @param headers the first value of each header, names in lower case
     * @param body    the body
     * @param nanos   when it arrived ({@link System#nanoTime()}), to measure waits between calls
     * @param status  the status it was answered with
     * @param answer  the body it was answered with
     */
    public record Call(String name, String method, String path, Map<String, String> headers, String body, long nanos,
                       int status, String answer) {
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
         * @return the object
         */
        public JsonObject json() {
            try (JsonReader reader = JSON.createReader(new StringReader(body))) {
                return reader.readObject();
            }
        }
    }

    private record Route(String name, String method, Pattern path) {
        Route(String name, String method, String regex) {
            this(name, method, Pattern.compile(regex));
        }
    }

    private FakeProviders(Builder builder) {
        this.telegramToken = builder.telegramToken;
        this.discordBotToken = builder.discordBotToken;
        this.githubToken = builder.githubToken;
        this.slackToken = builder.slackToken;
        this.hooksSecret = Secret.ofStandardWebhooks(builder.hooksSecret);
        this.out = builder.out;
        this.server = WebServer.builder()
                .host("127.0.0.1")
                .port(builder.port)
                .routing(routing -> routing.any(this::handle))
                .build();
    }

    /**
     * A builder with test tokens.
     *
     * @return the builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts listening.
     *
     * @return this
     */
    public FakeProviders start() {
        server.start();
        return this;
    }

    /**
     * The base URL.
     *
     * @return {@code http://127.0.0.1:<port>}
     */
    public URI url() {
        return URI.create("http://127.0.0.1:" + server.port());
    }

    /** @return the Telegram Bot API base, for a channel's {@code api-url} */
    public URI telegramUrl() {
        return URI.create(url() + "/telegram");
    }

    /** @return the Discord API base, for a channel's {@code api-url} */
    public URI discordUrl() {
        return URI.create(url() + "/discord/api/v10");
    }

    /** @return the GitHub REST API base, for a channel's {@code api-url} */
    public URI githubUrl() {
        return URI.create(url() + "/github");
    }

    /** @return the Slack Web API base, for a channel's {@code api-url} */
    public URI slackUrl() {
        return URI.create(url() + "/slack/api");
    }

    /** @return the Standard Webhooks receiver, for a channel's {@code reply-url} */
    public URI hooksUrl() {
        return URI.create(url() + "/hooks/replies");
    }

    /**
     * Answers the next call of this name with the script instead of (or after a delay, before) the normal answer.
     *
     * @param call   the call's name
     * @param script what to do
     */
    public void script(String call, Scripted script) {
        scripts.computeIfAbsent(call, k -> new ArrayDeque<>()).add(script);
    }

    /**
     * The calls of one name so far, in order.
     *
     * @param name the call's name
     * @return them
     */
    public List<Call> calls(String name) {
        return calls.matching(c -> c.name().equals(name));
    }

    /**
     * Every call so far, in order.
     *
     * @return them
     */
    public List<Call> calls() {
        return calls.all();
    }

    /**
     * Waits for the {@code n}th call (1-based) of a name.
     *
     * @param name    the call's name
     * @param n       which one
     * @param timeout how long to wait
     * @return the call
     * @throws InterruptedException when interrupted
     * @throws AssertionError       when it does not come in time
     */
    public Call await(String name, int n, Duration timeout) throws InterruptedException {
        return calls.await(c -> c.name().equals(name), "'" + name + "'", n, timeout);
    }

    private void handle(ServerRequest req, ServerResponse res) throws Exception {
        String method = req.prologue().method().text();
        String path = req.path().rawPath();
        String body = req.content().hasEntity() ? req.content().as(String.class) : "";
        Map<String, String> headers = new LinkedHashMap<>();
        req.headers().forEach(header -> headers.putIfAbsent(header.name().toLowerCase(Locale.ROOT), header.get()));
        for (Route route : ROUTES) {
            Matcher match = route.path().matcher(path);
            if (route.method().equals(method) && match.matches()) {
                String name = route.path().pattern().contains("?<call>") ? route.name() + " " + match.group("call") : route.name();
                long arrived = System.nanoTime();
                Call call = new Call(name, method, path, Map.copyOf(headers), body, arrived, 0, "");
                Scripted answer = answer(call, match);
                calls.add(new Call(name, method, path, call.headers(), body, arrived, answer.status(), answer.body()));
                res.status(Status.create(answer.status()));
                answer.headers().forEach((header, value) -> res.header(HeaderNames.create(header), value));
                res.send(answer.body());
                return;
            }
        }
        res.status(Status.NOT_FOUND_404).send("{\"message\":\"Not Found\"}");
    }

    private Scripted answer(Call call, Matcher match) throws InterruptedException {
        Optional<Scripted> refused = authorize(call, match);
        if (refused.isPresent()) {
            out.println("fake providers <- " + call.name() + ": refused, wrong token");
            return refused.get();
        }
        Deque<Scripted> queue = scripts.get(call.name());
        Scripted script = queue == null ? null : queue.poll();
        if (script != null) {
            if (script.hold().isPresent()) {
                script.hold().get().await();
            }
            Thread.sleep(script.delay());
            if (script.status() != 0) {
                out.println("fake providers <- " + call.name() + ": scripted HTTP " + script.status());
                return script;
            }
        }
        JsonObject body = call.body().isEmpty() ? JsonValue.EMPTY_JSON_OBJECT
                : Optional.ofNullable(parse(call.body())).orElse(JsonValue.EMPTY_JSON_OBJECT);
        out.println("fake providers <- " + call.name() + describe(body));
        long id = ids.incrementAndGet();
        return switch (call.name()) {
            case "telegram sendMessage", "telegram editMessageReplyMarkup" -> json(200, JSON.createObjectBuilder()
                    .add("ok", true)
                    .add("result", JSON.createObjectBuilder().add("message_id", id)
                            .add("chat", JSON.createObjectBuilder().add("id", body.getOrDefault("chat_id", JsonValue.NULL))))
                    .build().toString());
            case "telegram answerCallbackQuery" -> json(200, "{\"ok\":true,\"result\":true}");
            case "discord edit-original", "discord follow-up", "discord create-message" -> json(200, JSON.createObjectBuilder()
                    .add("id", Long.toString(id)).add("channel_id", match.pattern().pattern().contains("?<channel>")
                            ? match.group("channel") : "").build().toString());
            case "github create-comment" -> json(201, JSON.createObjectBuilder().add("id", id)
                    .add("html_url", "https://github.example/comments/" + id).build().toString());
            case "slack chat.postMessage", "slack chat.update" -> json(200, JSON.createObjectBuilder().add("ok", true)
                    .add("channel", body.getString("channel", "")).add("ts", "1700000000." + id).build().toString());
            default -> new Scripted(Duration.ZERO, 204, Map.of(), "", Optional.empty());
        };
    }

    /**
     * The provider's refusal when the call does not carry the right token or signature.
     */
    private Optional<Scripted> authorize(Call call, Matcher match) {
        Optional<String> authorization = call.header("Authorization");
        boolean ok = switch (call.name().substring(0, call.name().indexOf(' '))) {
            case "telegram" -> match.group("token").equals(telegramToken);
            case "discord" -> !call.name().equals("discord create-message")
                    || authorization.equals(Optional.of("Bot " + discordBotToken));
            case "github" -> authorization.equals(Optional.of("Bearer " + githubToken));
            case "slack" -> authorization.equals(Optional.of("Bearer " + slackToken));
            default -> signed(call);
        };
        if (ok) {
            return Optional.empty();
        }
        return Optional.of(switch (call.name().substring(0, call.name().indexOf(' '))) {
            case "telegram" -> json(401, "{\"ok\":false,\"error_code\":401,\"description\":\"Unauthorized\"}");
            case "discord" -> json(401, "{\"message\":\"401: Unauthorized\",\"code\":0}");
            case "github" -> json(401, "{\"message\":\"Bad credentials\",\"status\":\"401\"}");
            case "slack" -> json(200, "{\"ok\":false,\"error\":\"invalid_auth\"}");
            default -> new Scripted(Duration.ZERO, 401, Map.of(), "", Optional.empty());
        });
    }

    private boolean signed(Call call) {
        Optional<String> id = call.header("webhook-id");
        Optional<String> timestamp = call.header("webhook-timestamp");
        Optional<String> signature = call.header("webhook-signature");
        if (id.isEmpty() || timestamp.isEmpty() || signature.isEmpty() || !timestamp.get().matches("[0-9]{1,12}")) {
            return false;
        }
        String expected = StandardWebhooks.headers(hooksSecret, id.get(), Long.parseLong(timestamp.get()),
                                                   call.body().getBytes(StandardCharsets.UTF_8)).get("webhook-signature");
        return List.of(signature.get().split(" ")).contains(expected);
    }

    private static String describe(JsonObject body) {
        StringBuilder line = new StringBuilder();
        for (String field : List.of("chat_id", "message_thread_id", "channel", "thread_ts", "conversation", "thread")) {
            if (body.containsKey(field)) {
                line.append(' ').append(field).append('=').append(body.get(field));
            }
        }
        for (String field : List.of("text", "content", "body")) {
            if (body.get(field) instanceof JsonString text) {
                String value = text.getString();
                line.append(' ').append(field).append("=\"")
                        .append(value.length() > 120 ? value.substring(0, 120) + "... (" + value.length() + " chars)" : value)
                        .append('"');
            }
        }
        if (body.containsKey("reply_markup") || body.containsKey("components") || body.containsKey("blocks")) {
            line.append(" (with buttons)");
        }
        return line.toString();
    }

    private static JsonObject parse(String body) {
        try (JsonReader reader = JSON.createReader(new StringReader(body))) {
            return reader.readObject();
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static Scripted json(int status, String body) {
        return Scripted.answer(status, body, "Content-Type", "application/json");
    }

    @Override
    public void close() {
        server.stop();
    }

    /** Builds {@link FakeProviders}. */
    public static final class Builder {
        private String telegramToken = "123456:fake-telegram-bot-token";
        private String discordBotToken = "fake-discord-bot-token";
        private String githubToken = "github_pat_fake_token";
        private String slackToken = "xoxb-fake-slack-token";
        private String hooksSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        private int port;
        private PrintStream out = System.out;

        private Builder() {
        }

        /**
         * The bot token Telegram calls must carry in their path.
         *
         * @param token the token
         * @return this builder
         */
        public Builder telegramToken(String token) {
            this.telegramToken = token;
            return this;
        }

        /**
         * The bot token {@code POST /channels/{id}/messages} must carry.
         *
         * @param token the token
         * @return this builder
         */
        public Builder discordBotToken(String token) {
            this.discordBotToken = token;
            return this;
        }

        /**
         * The token GitHub calls must carry.
         *
         * @param token the token
         * @return this builder
         */
        public Builder githubToken(String token) {
            this.githubToken = token;
            return this;
        }

        /**
         * The bot token Slack calls must carry.
         *
         * @param token the token
         * @return this builder
         */
        public Builder slackToken(String token) {
            this.slackToken = token;
            return this;
        }

        /**
         * The {@code whsec_} key replies must be signed with.
         *
         * @param secret the key
         * @return this builder
         */
        public Builder hooksSecret(String secret) {
            this.hooksSecret = secret;
            return this;
        }

        /**
         * The port, 0 for any free one.
         *
         * @param port the port
         * @return this builder
         */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /**
         * Where each call is printed.
         *
         * @param out the stream
         * @return this builder
         */
        public Builder out(PrintStream out) {
            this.out = out;
            return this;
        }

        /**
         * Builds the fake (not started).
         *
         * @return the fake
         */
        public FakeProviders build() {
            return new FakeProviders(this);
        }
    }
}
