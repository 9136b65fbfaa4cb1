package dev.relaygate.devrelay;

import java.io.PrintStream;
import java.io.StringReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webclient.http1.Http1ClientResponse;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import dev.relaygate.api.HmacSignature;
import dev.relaygate.api.Secret;

import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.json.spi.JsonProvider;

/**
 * A fake channel relay on loopback.
 *
 * <pre>
 * GET  /relay/signing-secret?team_id=   {"signing_secret":"&lt;64 hex&gt;"}
 * GET  /oauth/slack/auth?state_nonce=   302 to /dev/slack/authorize (standing in for Slack's consent page)
 * GET  /dev/slack/authorize?state=      302 to &lt;gateway&gt;/oauth/slack/callback?team_id=&amp;provider=slack&amp;state=
 * POST /approvals                       {"approval_token":"&lt;opaque&gt;"}
 * POST /proxy/{provider}/{method}       records and prints the call, answers {"ok":true,"channel":…,"ts":…}
 * GET  /connections?instance_id=        [{"provider":"slack","team_id":…,"team_name":…,"connected":true}]
 * POST /dev/events                      {"text","type"?,"channel"?,"thread"?}: a signed event to the gateway
 * </pre>
 *
 * Every relay call needs {@code Authorization: Bearer <api key>}. Tests script faults, delays and held answers with
 * {@link #script}.
 */
public final class DevRelay implements AutoCloseable {
    private static final JsonProvider JSON = JsonProvider.provider();
    private static final HmacSignature SIGNATURE = HmacSignature.hex("sha256=");

    private final String apiKey;
    private final String teamId;
    private final String sender;
    private final Clock clock;
    private final PrintStream out;
    private final WebServer server;
    private final Map<String, Deque<Scripted>> scripts = new ConcurrentHashMap<>();
    private final Map<String, Approval> approvals = new ConcurrentHashMap<>();
    private final Queue<Hold> holds = new ConcurrentLinkedQueue<>();
    private final CallLog<Recorded> requests = new CallLog<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final AtomicLong sequence = new AtomicLong();
    private volatile Secret secret = newSecret();
    private volatile URI gateway;
    private volatile boolean connected = true;
    private Http1Client gatewayClient;

    /** A request the relay received. */
    public record Recorded(String method, String path, Map<String, List<String>> query, Optional<String> authorization,
                           String body) {
        /**
         * The first value of a query parameter.
         *
         * @param name the parameter
         * @return the value, or empty
         */
        public Optional<String> query(String name) {
            return Optional.ofNullable(query.get(name)).filter(v -> !v.isEmpty()).map(List::getFirst);
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

    /** An approval registered with {@code POST /approvals}. */
    public record Approval(String teamId, String channelId, String requestId, Optional<String> thread) {
    }

    /** What the gateway answered to a pushed event. */
    public record GatewayAnswer(int status, String body) {
    }

    /**
     * A one-time answer for the next request to a path: a fault, or a delay or a hold before the normal answer.
     *
     * @param delay   how long to wait first
     * @param status  the status to answer, or 0 for the normal answer
     * @param headers extra headers
     * @param body    the body
     * @param hold    a latch the answer waits for, if any
     */
    public record Scripted(Duration delay, int status, Map<String, String> headers, String body, Optional<Hold> hold) {
        /**
         * Answer this instead.
         *
         * @param status  HTTP status
         * @param body    body
         * @param headers name, value, name, value…
         * @return the script
         */
        public static Scripted answer(int status, String body, String... headers) {
            Map<String, String> map = new java.util.LinkedHashMap<>();
            for (int i = 0; i < headers.length; i += 2) {
                map.put(headers[i], headers[i + 1]);
            }
            return new Scripted(Duration.ZERO, status, map, body, Optional.empty());
        }

        /**
         * Answer normally, but only after a delay.
         *
         * @param delay the delay
         * @return the script
         */
        public static Scripted delay(Duration delay) {
            return new Scripted(delay, 0, Map.of(), "", Optional.empty());
        }

        /**
         * Answer normally, but only once the test releases the hold: the test can see the request arrive and act
         * while the caller waits, without guessing a delay.
         *
         * @param hold the hold
         * @return the script
         */
        public static Scripted hold(Hold hold) {
            return new Scripted(Duration.ZERO, 0, Map.of(), "", Optional.of(hold));
        }
    }

    /**
     * Latches for a held answer ({@link Scripted#hold}). Closing the relay releases every hold.
     */
    public static final class Hold {
        private final CountDownLatch arrived = new CountDownLatch(1);
        private final CountDownLatch released = new CountDownLatch(1);

        /**
         * A hold, not yet released.
         */
        public Hold() {
        }

        /**
         * Waits until the held request has arrived.
         *
         * @param timeout how long to wait at most
         * @throws InterruptedException when interrupted
         */
        public void awaitArrival(Duration timeout) throws InterruptedException {
            if (!arrived.await(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                throw new AssertionError("the held request did not arrive within " + timeout);
            }
        }

        /**
         * Lets the held request be answered.
         */
        public void release() {
            released.countDown();
        }

        void await() throws InterruptedException {
            arrived.countDown();
            released.await();
        }
    }

    private DevRelay(Builder builder) {
        this.apiKey = builder.apiKey;
        this.teamId = builder.teamId;
        this.sender = builder.sender;
        this.clock = builder.clock;
        this.out = builder.out;
        this.gateway = builder.gateway;
        this.server = WebServer.builder()
                .host(builder.host)
                .port(builder.port)
                .routing(this::routing)
                .build();
    }

    /**
     * A new builder.
     *
     * @return the builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts listening.
     *
     * @return this relay
     */
    public DevRelay start() {
        server.start();
        return this;
    }

    /**
     * The base URL gateways use as {@code relay-url}.
     *
     * @return the URL
     */
    public URI url() {
        return URI.create("http://127.0.0.1:" + server.port());
    }

    /**
     * Where events and the OAuth redirect go.
     *
     * @param gateway the gateway's base URL
     */
    public void gateway(URI gateway) {
        this.gateway = gateway;
    }

    /**
     * The current signing secret as the relay serves it.
     *
     * @return 64 hex characters
     */
    public String signingSecretHex() {
        return HexFormat.of().formatHex(secret.bytes());
    }

    /**
     * Replaces the signing secret, as a relay rotating it would.
     */
    public void rotateSecret() {
        secret = newSecret();
    }

    /**
     * Whether {@code GET /connections} reports the team as connected.
     *
     * @param connected the flag
     */
    public void connected(boolean connected) {
        this.connected = connected;
    }

    /**
     * Scripts the next request to {@code "METHOD /path"}, for example {@code "POST /proxy/slack/chat.postMessage"}.
     *
     * @param route  method and path
     * @param script what to do
     */
    public void script(String route, Scripted script) {
        scripts.computeIfAbsent(route, k -> new ArrayDeque<>()).add(script);
    }

    /**
     * Every relay API request received so far.
     *
     * @return a copy of the list
     */
    public List<Recorded> requests() {
        return requests.all();
    }

    /**
     * The requests to one path.
     *
     * @param path the path
     * @return them, in order
     */
    public List<Recorded> requests(String path) {
        return requests.matching(r -> r.path().equals(path));
    }

    /**
     * Waits for the {@code n}th request (1-based) to a path.
     *
     * @param path    the path
     * @param n       which one
     * @param timeout how long to wait
     * @return the request
     * @throws InterruptedException when interrupted
     */
    public Recorded await(String path, int n, Duration timeout) throws InterruptedException {
        return requests.await(r -> r.path().equals(path), path, n, timeout);
    }

    /**
     * The approval registered under a token.
     *
     * @param token the token
     * @return the approval, if any
     */
    public Optional<Approval> approval(String token) {
        return Optional.ofNullable(approvals.get(token));
    }

    /**
     * Signs and posts a relay {@code ChannelEvent} to the gateway, as the relay does.
     *
     * @param event the event JSON
     * @return the gateway's answer
     */
    public GatewayAnswer push(JsonObject event) {
        URI target = Objects.requireNonNull(gateway, "no gateway URL set");
        String body = event.toString();
        String timestamp = Long.toString(clock.instant().getEpochSecond());
        try (Http1ClientResponse response = gatewayClient(target).post("/relay/events")
                .header(HeaderValues.CONTENT_TYPE_JSON)
                .header(HeaderNames.create("X-Relay-Timestamp"), timestamp)
                .header(HeaderNames.create("X-Relay-Signature"), sign(secret, timestamp, body))
                .submit(body)) {
            GatewayAnswer answer = new GatewayAnswer(response.status().code(), response.as(String.class));
            out.println("dev relay -> POST " + target + "/relay/events " + describe(event) + " <- " + answer.status() + " "
                                + answer.body());
            return answer;
        }
    }

    /**
     * A message from the dev user, pushed to the gateway.
     *
     * @param type    {@code direct_message}, {@code message} or {@code mention}
     * @param channel the conversation id
     * @param text    the text
     * @param thread  the thread ts, if the user wrote in a thread
     * @return the gateway's answer
     */
    public GatewayAnswer message(String type, String channel, String text, Optional<String> thread) {
        var event = JSON.createObjectBuilder()
                .add("id", nextTs())
                .add("event_type", type)
                .add("provider", "slack")
                .add("provider_scope", teamId)
                .add("channel_id", channel)
                .add("sender_id", sender)
                .add("sender_name", "dev-user")
                .add("content", text)
                .add("raw", JsonValue.EMPTY_JSON_OBJECT)
                .add("timestamp", clock.instant().toString());
        event.add("thread_id", thread.<JsonValue>map(JSON::createValue).orElse(JsonValue.NULL));
        return push(event.build());
    }

    /**
     * A click on an approval button: the relay resolves the token and sends the decision to the gateway as a direct
     * message in the approval's conversation and thread, in the {@code ExecApproval} form.
     *
     * @param token    the approval token from the button
     * @param approved whether the user approved
     * @param always   whether the user chose "always"
     * @return the gateway's answer
     */
    public GatewayAnswer decide(String token, boolean approved, boolean always) {
        Approval approval = approval(token).orElseThrow(() -> new IllegalArgumentException("unknown approval token"));
        String content = JSON.createObjectBuilder()
                .add("ExecApproval", JSON.createObjectBuilder()
                        .add("request_id", approval.requestId())
                        .add("approved", approved)
                        .add("always", always))
                .build()
                .toString();
        return message("direct_message", approval.channelId(), content, approval.thread());
    }

    /**
     * Signs like the relay: {@code sha256=hex(HMAC-SHA256(secret, timestamp "." body))}.
     *
     * @param secret    the 32-byte key
     * @param timestamp the timestamp header value
     * @param body      the body
     * @return the header value
     */
    public static String sign(Secret secret, String timestamp, String body) {
        return SIGNATURE.sign(secret, (timestamp + "." + body).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        holds.forEach(Hold::release);
        server.stop();
    }

    private void routing(HttpRouting.Builder routing) {
        routing.get("/relay/signing-secret", relay(this::signingSecret))
                .get("/oauth/slack/auth", relay(this::auth))
                .post("/approvals", relay(this::registerApproval))
                .post("/proxy/{provider}/{method}", relay(this::proxy))
                .get("/connections", relay(this::connections))
                .get("/dev/slack/authorize", this::authorize)
                .post("/dev/events", this::devEvent);
    }

    /**
     * Authenticates and runs scripts before a relay API handler, then records the request and sends the answer, in
     * that order: whoever saw the answer also finds the request recorded, with everything it caused.
     */
    private io.helidon.webserver.http.Handler relay(RelayHandler handler) {
        return (req, res) -> {
            String body = req.content().hasEntity() ? req.content().as(String.class) : "";
            Map<String, List<String>> query = new java.util.LinkedHashMap<>();
            req.query().names().forEach(name -> query.put(name, req.query().all(name)));
            Recorded request = new Recorded(req.prologue().method().text(), req.path().path(), query,
                                            req.headers().first(HeaderNames.AUTHORIZATION), body);
            Scripted answer = answer(req, request, handler);
            requests.add(request);
            res.status(Status.create(answer.status()));
            answer.headers().forEach((name, value) -> res.header(HeaderNames.create(name), value));
            res.send(answer.body());
        };
    }

    private Scripted answer(ServerRequest req, Recorded request, RelayHandler handler) throws Exception {
        if (!request.authorization().equals(Optional.of("Bearer " + apiKey))) {
            return json(401, "{\"error\":\"unauthorized\"}");
        }
        Deque<Scripted> queue = scripts.get(request.method() + " " + request.path());
        Scripted script = queue == null ? null : queue.poll();
        if (script != null) {
            if (script.hold().isPresent()) {
                holds.add(script.hold().get());
                script.hold().get().await();
            }
            Thread.sleep(script.delay());
            if (script.status() != 0) {
                return script;
            }
        }
        return handler.handle(req, request);
    }

    @FunctionalInterface
    private interface RelayHandler {
        Scripted handle(ServerRequest req, Recorded request) throws Exception;
    }

    private Scripted signingSecret(ServerRequest req, Recorded request) {
        return json(200, JSON.createObjectBuilder().add("signing_secret", signingSecretHex()).build().toString());
    }

    private Scripted auth(ServerRequest req, Recorded request) {
        String nonce = request.query("state_nonce").orElse("");
        return Scripted.answer(302, "", "Location", url() + "/dev/slack/authorize?state=" + nonce);
    }

    private void authorize(ServerRequest req, ServerResponse res) {
        String state = req.query().first("state").orElse("");
        out.println("dev relay: the dev user authorized workspace " + teamId + "; redirecting the browser to the gateway");
        res.status(Status.FOUND_302);
        res.header(HeaderNames.LOCATION, gateway + "/oauth/slack/callback?team_id=" + teamId + "&provider=slack&state="
                + java.net.URLEncoder.encode(state, StandardCharsets.UTF_8));
        res.send();
    }

    private Scripted registerApproval(ServerRequest req, Recorded request) {
        JsonObject body = request.json();
        String token = "apr_" + UUID.randomUUID().toString().replace("-", "");
        approvals.put(token, new Approval(body.getString("team_id"), body.getString("channel_id"),
                                          body.getString("request_id"),
                                          body.get("thread_ts") instanceof JsonString ts
                                                  ? Optional.of(ts.getString())
                                                  : Optional.empty()));
        return json(200, JSON.createObjectBuilder().add("approval_token", token).build().toString());
    }

    private Scripted proxy(ServerRequest req, Recorded request) {
        JsonObject body = request.json();
        String method = req.path().pathParameters().get("method");
        out.println("dev relay <- " + method + " team=" + request.query("team_id").orElse("-")
                            + " channel=" + text(body, "channel") + " thread=" + text(body, "thread_ts")
                            + " text=\"" + text(body, "text") + "\"" + (body.containsKey("blocks") ? " (with buttons)" : ""));
        return json(200, JSON.createObjectBuilder().add("ok", true).add("channel", text(body, "channel"))
                .add("ts", nextTs()).build().toString());
    }

    private Scripted connections(ServerRequest req, Recorded request) {
        return json(200, JSON.createArrayBuilder()
                .add(JSON.createObjectBuilder()
                             .add("provider", "slack")
                             .add("team_id", teamId)
                             .add("team_name", "Dev workspace")
                             .add("connected", connected))
                .build()
                .toString());
    }

    private void devEvent(ServerRequest req, ServerResponse res) {
        JsonObject body;
        try (JsonReader reader = JSON.createReader(new StringReader(req.content().as(String.class)))) {
            body = reader.readObject();
        }
        GatewayAnswer answer = message(body.getString("type", "direct_message"),
                                       body.getString("channel", "D0DEV"),
                                       body.getString("text", ""),
                                       Optional.ofNullable(body.getString("thread", null)));
        json(res, 200, JSON.createObjectBuilder().add("status", answer.status()).add("body", answer.body()).build()
                .toString());
    }

    private Http1Client gatewayClient(URI target) {
        lock.lock();
        try {
            if (gatewayClient == null || !gatewayClient.prototype().baseUri().map(u -> u.toUri().equals(target)).orElse(false)) {
                gatewayClient = Http1Client.builder().baseUri(target).build();
            }
            return gatewayClient;
        } finally {
            lock.unlock();
        }
    }

    private String nextTs() {
        return clock.instant().getEpochSecond() + "." + String.format("%06d", sequence.incrementAndGet() % 1_000_000);
    }

    private static String describe(JsonObject event) {
        return event.getString("event_type", "?") + " in " + event.getString("channel_id", "?") + ": \""
                + event.getString("content", "") + "\"";
    }

    private static String text(JsonObject body, String field) {
        return body.get(field) instanceof JsonString s ? s.getString() : "-";
    }

    private static Scripted json(int status, String body) {
        return Scripted.answer(status, body, "Content-Type", "application/json");
    }

    private static void json(ServerResponse res, int status, String body) {
        res.status(Status.create(status));
        res.header(HeaderValues.CONTENT_TYPE_JSON);
        res.send(body);
    }

    private static Secret newSecret() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return Secret.of(bytes);
    }

    /** Builds a {@link DevRelay}. */
    public static final class Builder {
        private String apiKey = "sk-agent-dev";
        private String teamId = "T0DEV";
        private String sender = "U0DEV";
        private String host = "127.0.0.1";
        private int port;
        private Clock clock = Clock.systemUTC();
        private PrintStream out = System.out;
        private URI gateway;

        private Builder() {
        }

        /**
         * The bearer token the relay expects.
         *
         * @param apiKey the token
         * @return this builder
         */
        public Builder apiKey(String apiKey) {
            this.apiKey = apiKey;
            return this;
        }

        /**
         * The workspace the dev user belongs to.
         *
         * @param teamId a Slack team id
         * @return this builder
         */
        public Builder teamId(String teamId) {
            this.teamId = teamId;
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
         * The clock for event timestamps (tests share the gateway's frozen clock).
         *
         * @param clock the clock
         * @return this builder
         */
        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /**
         * Where the relay prints what it proxies and pushes.
         *
         * @param out the stream
         * @return this builder
         */
        public Builder out(PrintStream out) {
            this.out = out;
            return this;
        }

        /**
         * The gateway's base URL.
         *
         * @param gateway the URL
         * @return this builder
         */
        public Builder gateway(URI gateway) {
            this.gateway = gateway;
            return this;
        }

        /**
         * Builds the relay (not started).
         *
         * @return the relay
         */
        public DevRelay build() {
            return new DevRelay(this);
        }
    }
}
