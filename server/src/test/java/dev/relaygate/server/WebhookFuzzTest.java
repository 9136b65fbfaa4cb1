package dev.relaygate.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.Socket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.NamedParameterSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.helidon.http.HeaderValues;
import io.helidon.http.Method;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webclient.http1.Http1ClientRequest;
import io.helidon.webclient.http1.Http1ClientResponse;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.relaygate.api.ChannelEvent;
import dev.relaygate.api.HmacSignature;
import dev.relaygate.api.Secret;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;

/**
 * Fuzzes the webhook ingress of all six channel types (slack-relay, slack, github, standard-webhooks, telegram,
 * discord) on one real gateway over real HTTP: more than 20 000 forged, mutated, replayed and malformed requests, in
 * their headers, bodies and transport, correctly signed garbage among them. Proves that no request that was not
 * correctly signed is answered 2xx, that nothing is answered 5xx but 503, that the handler receives exactly the
 * correctly signed events (each once; nothing forged, no handshake, no replay), and that the gateway is ready and
 * takes a signed event on every channel afterwards.
 *
 * <p>Deterministic: the clock is frozen and request {@code i} is drawn from a {@link Random} seeded with the seed and
 * {@code i}, so a failure names the request that reproduces it. The seed is printed; {@code -Dfuzz.seed=N} sets it,
 * {@code -Dfuzz.requests=N} the size of the first phase.
 */
class WebhookFuzzTest {
    private static final long SEED = Long.getLong("fuzz.seed", 20_260_319L);
    private static final int REQUESTS = Integer.getInteger("fuzz.requests", 20_000);
    private static final int SENDERS = 8;
    private static final int MAX_PAYLOAD = 64 * 1024;
    private static final String NOW = Long.toString(TestGateway.NOW);
    // The order of Ed25519's group: S + L is the same signature in a non-canonical form (RFC 8032 requires S < L).
    private static final BigInteger ED25519_ORDER = BigInteger.TWO.pow(252)
            .add(new BigInteger("27742317777372353535851937790883648493"));
    private static final Pattern STATUS_LINE = Pattern.compile("(?m)^HTTP/1\\.[01] (\\d{3})");
    private static final Pattern ERROR = Pattern.compile("^\\{\"ok\":false,\"error\":\"([^\"]*)\"}$");

    /** Bodies that are not exactly one JSON object (nor, for slack, a form with a command or payload). */
    private static final List<String> NOT_ONE_OBJECT = List.of(
            "", " ", "not json", "{", "}", "[]", "[{}]", "null", "true", "123", "-0", "\"text\"", "{\"a\":1}x",
            "{\"a\":1} {\"b\":2}", "{\"a\":1,}", "{'a':1}", "{\"a\":\"\\uZZZZ\"}", "{\"a\":\"\u0001\"}", "{\"a\" 1}",
            "{\"a\":tru}", "{\"a\":1", "{\"a\":1}\u0000", "[".repeat(5000), "{\"a\":".repeat(5000),
            "[".repeat(5000) + "]".repeat(5000), "\u00ff\u00fe\u00fd", "{\u00c3(}", "{\"a\":01}", "{\"a\":1}}");
    private static final Map<Kind, List<String>> INVALID_OBJECTS = Map.of(
            Kind.RELAY, List.of("{}", "{\"event_type\":null}", "{\"content\":\"x\"}", "{\"event_type\":\"message\",\"id\":null}",
                                "{\"event_type\":\"message\",\"id\":5}",
                                "{\"event_type\":\"message\",\"event_type\":\"message\"}",
                                "{\"event_type\":\"message\",\"team_id\":\"T1\",\"provider_scope\":\"T1\"}",
                                "{\"event_type\":[\"message\"]}",
                                "{\"event_type\":\"message\",\"text\":\"a\",\"content\":\"b\"}"),
            Kind.SLACK, List.of("{}", "{\"type\":\"foo\"}", "{\"type\":\"event_callback\"}", "{\"type\":5}",
                                "{\"type\":\"event_callback\",\"event\":\"x\"}", "a=b", "command", "command=%2Fx&text=%zz",
                                "command=%", "command=%2", "payload=not-json", "payload=%7B", "%=1&command=%2Fx",
                                "payload=%5B%5D", "text=hello&user_id=U1", "=command&=payload"),
            Kind.GITHUB, List.of(),
            Kind.HOOKS, List.of(),
            Kind.TELEGRAM, List.of("{}", "{\"update_id\":\"5\"}", "{\"update_id\":1.5}", "{\"update_id\":1.0}",
                                   "{\"update_id\":1e3}", "{\"update_id\":9223372036854775808}",
                                   "{\"update_id\":-9223372036854775809}", "{\"update_id\":null}", "{\"update_id\":true}",
                                   "{\"message\":{\"text\":\"hi\"}}", "{\"update_id\":[1]}"),
            Kind.DISCORD, List.of("{}", "{\"type\":\"2\"}", "{\"type\":2.5}", "{\"type\":2.0}", "{\"type\":18446744073709551617}",
                                  "{\"type\":null}", "{\"type\":[2]}", "{\"id\":\"x\"}", "{\"type\":1e0 }x"));
    private static final List<String> STALE = List.of(
            Long.toString(TestGateway.NOW - 301), Long.toString(TestGateway.NOW + 301), Long.toString(TestGateway.NOW - 3600),
            Long.toString(TestGateway.NOW + 86_400), NOW + "000", NOW + "999", "0", "1", "-" + NOW, "9223372036854775807",
            "-9223372036854775808", Long.toString(TestGateway.NOW + (1L << 32)), Long.toString(TestGateway.NOW - (1L << 32)));
    private static final List<String> MALFORMED = List.of(
            "", "abc", "1.5", NOW + ".0", "1e9", NOW + "e0", "0x10", "99999999999999999999", "-99999999999999999999",
            NOW.substring(0, 4) + " " + NOW.substring(4), "+-" + NOW, "--" + NOW, "++" + NOW, "+", "-", " " + NOW, NOW + " ",
            "\t" + NOW, NOW + "\t", NOW + "," + NOW, "0b1", "NaN", "Infinity", "-0x1", NOW + "s", "1_773_946_426");

    @TempDir
    Path dir;

    private final Map<String, Integer> histogram = new ConcurrentHashMap<>();
    private final Map<String, Integer> byLabel = new ConcurrentHashMap<>();
    private final Queue<String> failures = new ConcurrentLinkedQueue<>();
    // Channel and body text of every correctly signed request answered 200 that may carry an event, with how often.
    private final Map<String, Integer> allowed = new ConcurrentHashMap<>();
    private final Queue<Probe> acknowledged = new ConcurrentLinkedQueue<>();
    private final AtomicInteger sent = new AtomicInteger();
    private KeyPair discord;
    private KeyPair otherDiscord;
    private Http1Client client;
    private int port;

    @Test
    void forgedMutatedReplayedAndMalformedWebhooksAreRefusedAndTheGatewayStaysReady() throws Exception {
        System.out.println("WebhookFuzzTest seed " + SEED + " (rerun with -Dfuzz.seed=" + SEED + ")");
        long started = System.nanoTime();
        PluginChannels.install(dir);
        // Key pairs from the seed too, so that a failing signature reproduces byte for byte.
        SecureRandom keys = SecureRandom.getInstance("SHA1PRNG");
        keys.setSeed(SEED);
        KeyPairGenerator generator = KeyPairGenerator.getInstance("Ed25519");
        generator.initialize(NamedParameterSpec.ED25519, keys);
        discord = generator.generateKeyPair();
        otherDiscord = generator.generateKeyPair();
        try (TestGateway gw = TestGateway.start(dir, """
                inbox:
                  type: memory
                  capacity: 200000
                channels:
                  slack:
                    signing-secret: %s
                %s""".formatted(TestGateway.SECRET_HEX, PluginChannels.channels(discord)),
                                               "max-payload-size: " + MAX_PAYLOAD)) {
            port = gw.gateway.port();
            client = Http1Client.builder()
                    .baseUri("http://127.0.0.1:" + port)
                    .readTimeout(Duration.ofSeconds(30))
                    .build();
            try {
                // Phase 1: fresh events, handshakes, garbage, forgeries and transport oddities, all channels at once.
                run(REQUESTS, this::draw);
                // Phase 2: every acknowledged event again, as the same bytes or under the same id.
                List<Probe> originals = new ArrayList<>(acknowledged);
                originals.sort((a, b) -> Integer.compare(a.index, b.index));
                run(originals.size(), i -> replay(originals.get(i)));

                try (Http1ClientResponse ready = client.get("/observe/health/ready").request()) {
                    assertThat("ready after the fuzzing: " + ready.as(String.class), ready.status().code(), is(200));
                }
                for (Kind kind : Kind.values()) {
                    Probe last = valid(kind, 10 * REQUESTS + kind.ordinal(), new Random(SEED), false);
                    last.label = "final event";
                    Outcome outcome = send(last);
                    judge(outcome);
                    assertThat("a signed event on " + kind.channel + " after the fuzzing", outcome.status, is(200));
                }
                TestGateway.eventually("every stored event handled", () -> gw.gateway.inbox().backlog().size() == 0);
                checkHandled(new ArrayList<>(gw.recorder.events));
            } finally {
                client.closeResource();
                report(Duration.ofNanos(System.nanoTime() - started).toMillis());
            }
        }
        assertThat("failures (first 30 of " + failures.size() + "): " + failures.stream().limit(30).toList(), failures,
                   is(empty()));
        // The bar; a smaller run asked for with -Dfuzz.requests is held to its own size.
        assertThat("requests sent", sent.get(), greaterThanOrEqualTo(Math.min(20_000, REQUESTS)));
    }

    /** What a request may do: the oracle for its answer and for what reaches the handler. */
    private enum Expect {
        /** Correctly signed, fresh, a new valid event: 200 and handled exactly once. */
        EVENT,
        /** Correctly signed (or indistinguishable from it), of a shape whose fate is the channel's: 200 or 4xx. */
        MAYBE,
        /** Correctly signed, a handshake or an event the channel drops: 200, never handled. */
        ACK,
        /** Correctly signed, garbage content or too large: 4xx, never handled. */
        GARBAGE,
        /** Not correctly signed (forged, mutated, stale, wrong method): never 2xx, never handled. */
        FORGED,
        /** An acknowledged event again (same bytes, or the same id): 200 as a duplicate or 4xx, never handled again. */
        REPLAY
    }

    private void judge(Outcome outcome) {
        Probe probe = outcome.probe;
        int status = outcome.status;
        String key = "%-12s %4s %s".formatted(probe.kind.channel, status < 0 ? "none" : Integer.toString(status), outcome.reason);
        histogram.merge(key, 1, Integer::sum);
        byLabel.merge("%-8s %-38s %4s %s".formatted(probe.expect, probe.label, status < 0 ? "none" : Integer.toString(status),
                                                     outcome.reason), 1, Integer::sum);
        for (int other : outcome.allStatuses) {
            if (other >= 500 && other != 503) {
                fail(outcome, "a " + other + " answer");
            }
        }
        boolean ok = switch (probe.expect) {
            case EVENT -> status == 200;
            case ACK -> status == 200 || status == 503;
            // A body over the limit may also be cut off with the connection.
            case GARBAGE -> status >= 400 && status < 500 || status == 503
                    || status < 0 && probe.label.startsWith("over max-payload-size");
            case FORGED -> status >= 400 || status < 0;
            case MAYBE, REPLAY -> status == 200 || status >= 400 || status < 0;
        };
        if (!ok) {
            fail(outcome, "not an answer for " + probe.expect);
        }
        if (status == 200 && (probe.expect == Expect.EVENT || probe.expect == Expect.MAYBE)) {
            allowed.merge(probe.kind.channel + "\n" + new String(probe.body, StandardCharsets.UTF_8), 1, Integer::sum);
        }
        if (status == 200 && probe.expect == Expect.EVENT) {
            acknowledged.add(probe);
        }
    }

    private void fail(Outcome outcome, String what) {
        Probe probe = outcome.probe;
        String raw = probe.raw == null ? "" : ", sent " + new String(probe.raw, 0, Math.min(160, probe.raw.length),
                                                                   StandardCharsets.ISO_8859_1)
                .replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t");
        failures.add("request " + probe.index + " (" + probe.expect + ", " + probe.label + ") on " + probe.kind.channel + " "
                             + probe.method + " " + probe.path + ": " + what + ", answered " + outcome.status + " "
                             + outcome.reason + raw);
    }

    /**
     * Every event the handler got came from a correctly signed request answered 200, never more often than such requests
     * were answered; no (channel, team, id) twice; every acknowledged fresh event exactly once.
     */
    private void checkHandled(List<ChannelEvent> handled) {
        Map<String, Integer> left = new HashMap<>(allowed);
        Set<String> ids = new HashSet<>();
        Map<String, ChannelEvent> byId = new HashMap<>();
        for (ChannelEvent event : handled) {
            if (left.merge(event.channel() + "\n" + event.raw(), -1, Integer::sum) < 0) {
                failures.add("the handler got an event no correctly signed, acknowledged request carried (or once too "
                                     + "often): " + event.channel() + " id " + event.id() + " raw " + shorten(event.raw()));
            }
            if (!event.id().isEmpty() && !ids.add(event.channel() + "|" + event.scope() + "|" + event.id())) {
                failures.add("the handler got " + event.channel() + " event " + event.id() + " twice");
            }
            byId.putIfAbsent(event.channel() + "|" + event.id(), event);
        }
        for (Probe probe : acknowledged) {
            ChannelEvent event = byId.get(probe.kind.channel + "|" + probe.eventId);
            if (event == null || !event.raw().equals(new String(probe.body, StandardCharsets.UTF_8))) {
                failures.add("acknowledged event " + probe.eventId + " on " + probe.kind.channel + " (request " + probe.index
                                     + ", " + probe.label + ") was "
                                     + (event == null ? "never handled" : "handled with another body"));
            }
        }
        System.out.println("WebhookFuzzTest: the handler got " + handled.size() + " events, " + acknowledged.size()
                                   + " of them fresh signed events");
    }

    private void report(long millis) {
        StringBuilder out = new StringBuilder();
        out.append("WebhookFuzzTest seed ").append(SEED).append(": ").append(sent.get()).append(" requests in ")
                .append(millis).append(" ms\n");
        out.append("-- channel, status, reason --\n");
        new TreeMap<>(histogram).forEach((key, count) -> out.append("%7d  %s%n".formatted(count, key)));
        out.append("-- expectation, mutation, status, reason --\n");
        new TreeMap<>(byLabel).forEach((key, count) -> out.append("%7d  %s%n".formatted(count, key)));
        System.out.print(out);
    }

    private void run(int count, IntFunction<Probe> probes) throws Exception {
        AtomicInteger next = new AtomicInteger();
        List<Future<?>> senders = new ArrayList<>();
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int t = 0; t < SENDERS; t++) {
                senders.add(executor.submit(() -> {
                    for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
                        Probe probe = probes.apply(i);
                        Outcome outcome = send(probe);
                        // A fresh event refused as busy (503) was not stored: its sender tries again.
                        for (int retry = 0; probe.expect == Expect.EVENT && (outcome.status == 503 || outcome.status < 0)
                                && retry < 20; retry++) {
                            histogram.merge("%-12s %4s %s (retried)".formatted(probe.kind.channel, outcome.status,
                                                                                outcome.reason), 1, Integer::sum);
                            outcome = send(probe);
                        }
                        judge(outcome);
                    }
                    return null;
                }));
            }
        }
        for (Future<?> sender : senders) {
            sender.get();
        }
    }

    private Outcome send(Probe probe) {
        sent.incrementAndGet();
        return probe.raw != null ? sendRaw(probe) : sendClient(probe);
    }

    private Outcome sendClient(Probe probe) {
        Http1ClientRequest request = client.method(Method.create(probe.method)).skipUriEncoding(true).uri(probe.path);
        request.headers(headers -> probe.headers.forEach(h -> headers.add(HeaderValues.create(h[0], h[1]))));
        try (Http1ClientResponse response = probe.chunked
                ? request.outputStream(out -> {
                    // Three chunks of uneven size.
                    int a = probe.body.length / 3;
                    out.write(probe.body, 0, a);
                    out.flush();
                    out.write(probe.body, a, probe.body.length - a);
                    out.close();
                })
                : probe.body.length == 0 && !probe.method.equals("POST") ? request.request() : request.submit(probe.body)) {
            int status = response.status().code();
            String text = response.entity().hasEntity() ? response.as(String.class) : "";
            return new Outcome(probe, status, reason(text), List.of(status));
        } catch (IllegalArgumentException e) {
            // The web client refuses some header values and paths (surrounding spaces, a fragment): same bytes, by hand.
            List<String[]> headers = new ArrayList<>(probe.headers);
            byte[] body = probe.body;
            if (probe.chunked) {
                headers.add(new String[] {"Transfer-Encoding", "chunked"});
                body = chunked(body, new Random(probe.index), "", false);
            }
            probe.raw = http(probe.method + " " + probe.path + " HTTP/1.1", headers, body, "\r\n", !probe.chunked);
            return sendRaw(probe);
        } catch (RuntimeException e) {
            return new Outcome(probe, -1, "no answer (" + e.getClass().getSimpleName() + ")", List.of());
        }
    }

    private Outcome sendRaw(Probe probe) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(probe.raw);
            out.flush();
            socket.shutdownOutput();
            InputStream in = socket.getInputStream();
            String answer = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            List<Integer> statuses = new ArrayList<>();
            int first = -1;
            Matcher matcher = STATUS_LINE.matcher(answer);
            while (matcher.find()) {
                int status = Integer.parseInt(matcher.group(1));
                // 100 Continue is interim: the answer follows it.
                if (status >= 200) {
                    first = first < 0 ? matcher.start() : first;
                    statuses.add(status);
                }
            }
            if (statuses.isEmpty()) {
                return new Outcome(probe, -1, "no answer", statuses);
            }
            int head = answer.indexOf("\r\n\r\n", first);
            String body = head < 0 ? "" : answer.substring(head + 4);
            int nextAnswer = body.indexOf("HTTP/1.");
            return new Outcome(probe, statuses.getFirst(), reason(nextAnswer < 0 ? body : body.substring(0, nextAnswer)),
                               statuses);
        } catch (IOException e) {
            // The server may reset a connection whose unread bytes it drops.
            return new Outcome(probe, -1, "no answer (" + e.getClass().getSimpleName() + ")", List.of());
        }
    }

    private static String reason(String text) {
        Matcher error = ERROR.matcher(text.strip());
        String reason = error.matches() ? error.group(1) : text.strip().replaceAll("\\d+", "N");
        return shorten(reason);
    }

    private static String shorten(String text) {
        String line = text.replaceAll("[\\r\\n]+", " ");
        return line.length() > 48 ? line.substring(0, 45) + "..." : line;
    }

    private Probe draw(int index) {
        Random random = new Random(SEED ^ (index + 1) * 0x9E3779B97F4A7C15L);
        Kind kind = Kind.values()[index % Kind.values().length];
        int roll = random.nextInt(100);
        Probe probe;
        if (roll < 14) {
            probe = valid(kind, index, random, true);
        } else if (roll < 18) {
            probe = ack(kind, index, random);
        } else if (roll < 32) {
            probe = garbage(kind, index, random);
        } else if (roll < 44) {
            probe = maybe(kind, index, random);
        } else if (roll < 96) {
            probe = forged(kind, index, random);
        } else {
            probe = transport(kind, index, random);
        }
        return probe;
    }

    /** A fresh, correctly signed event (its id unique to the index), sometimes in an unusual but valid form. */
    private Probe valid(Kind kind, int index, Random random, boolean varied) {
        String id = id(kind, "valid", index);
        byte[] body = event(kind, id, index, "hello " + index, random);
        int variant = varied ? random.nextInt(24) : 99;
        String ts = NOW;
        String label = "valid";
        if (variant == 0 && kind.timestampHeader.isPresent()) {
            // The window is inclusive on both sides.
            ts = Long.toString(TestGateway.NOW + (random.nextBoolean() ? 300 : -300));
            label = "valid, window edge";
        } else if (variant == 1) {
            body = pad(body, MAX_PAYLOAD);
            label = "valid, max-payload-size";
        }
        Probe probe = signed(kind, index, label, Expect.EVENT, body, ts, id);
        probe.eventId = kind == Kind.GITHUB ? sha256(body) : id;
        switch (variant) {
            case 2 -> {
                boolean upper = random.nextBoolean();
                probe.headers.replaceAll(h -> new String[] {upper ? h[0].toUpperCase(Locale.ROOT) : h[0].toLowerCase(Locale.ROOT),
                        h[1]});
                probe.label = "valid, header name case";
            }
            case 3 -> {
                Collections.shuffle(probe.headers, random);
                probe.label = "valid, header order";
            }
            case 4 -> {
                probe.chunked = true;
                probe.label = "valid, chunked";
            }
            default -> {
            }
        }
        return probe;
    }

    /** A correctly signed handshake or an event the channel acknowledges and drops. */
    private Probe ack(Kind kind, int index, Random random) {
        String id = id(kind, "ack", index);
        return switch (kind) {
            case RELAY -> signed(kind, index, "event without sender", Expect.ACK, json(
                    "{'id':'%s','event_type':'message','provider_scope':'T1','content':'no sender'}", id), NOW, id);
            case SLACK -> switch (random.nextInt(3)) {
                case 0 -> signed(kind, index, "url_verification", Expect.ACK,
                                 json("{'type':'url_verification','token':'x','challenge':'%s'}", id), NOW, id);
                case 1 -> signed(kind, index, "bot message", Expect.ACK, json(
                        "{'type':'event_callback','team_id':'T1','event_id':'%s','event':{'type':'message','bot_id':'B1',"
                                + "'channel':'C1','text':'mine','ts':'1.2'}}", id), NOW, id);
                default -> signed(kind, index, "approval click, no prompt", Expect.ACK, utf8("payload=" + form(new String(json(
                        "{'type':'block_actions','team':{'id':'T1'},'user':{'id':'U1'},'channel':{'id':'D1'},"
                                + "'actions':[{'action_id':'approve','value':'%s','action_ts':'%s'}]}", id, id),
                        StandardCharsets.UTF_8))), NOW, id);
            };
            case GITHUB -> {
                Probe ping = signed(kind, index, "ping", Expect.ACK,
                                    json("{'zen':'Keep it logically awesome.','hook_id':%d}", index), NOW, id);
                ping.set("X-GitHub-Event", "ping");
                yield ping;
            }
            case DISCORD -> signed(kind, index, "PING", Expect.ACK, json("{'type':1,'id':'%s'}", id), NOW, id);
            case HOOKS, TELEGRAM -> garbage(kind, index, random);
        };
    }

    /** A correctly signed request whose content no channel can take: 4xx. */
    private Probe garbage(Kind kind, int index, Random random) {
        String id = id(kind, "garbage", index);
        int pick = random.nextInt(40);
        if (pick < 2) {
            byte[] body = pad(event(kind, id, index, "big", random), MAX_PAYLOAD + 1 + random.nextInt(3 * MAX_PAYLOAD));
            Probe probe = signed(kind, index, pick == 0 ? "over max-payload-size" : "over max-payload-size, chunked",
                                 Expect.GARBAGE, body, NOW, id);
            probe.chunked = pick == 1;
            return probe;
        }
        if (pick < 6 && kind == Kind.GITHUB) {
            Probe probe = signed(kind, index, "no X-GitHub-Event", Expect.GARBAGE, event(kind, id, index, "x", random), NOW, id);
            probe.remove("X-GitHub-Event");
            return probe;
        }
        if (pick < 6 && kind == Kind.HOOKS) {
            // Signed with the empty id the verifier then uses: verified, and refused for the missing id.
            Probe probe = signed(kind, index, "no webhook-id", Expect.GARBAGE, event(kind, id, index, "x", random), NOW, "");
            probe.remove("webhook-id");
            return probe;
        }
        List<String> bodies = new ArrayList<>(NOT_ONE_OBJECT);
        bodies.addAll(INVALID_OBJECTS.get(kind));
        String body = bodies.get(random.nextInt(bodies.size()));
        if (body.isEmpty() && random.nextBoolean()) {
            // Random bytes, opened so that slack reads them as JSON, not as a form.
            byte[] bytes = new byte[1 + random.nextInt(200)];
            random.nextBytes(bytes);
            bytes[0] = '{';
            return signed(kind, index, "signed random bytes", Expect.GARBAGE, bytes, NOW, id);
        }
        return signed(kind, index, "signed garbage", Expect.GARBAGE, body.getBytes(StandardCharsets.ISO_8859_1), NOW, id);
    }

    /**
     * A correctly signed request (or one the server cannot tell from it) whose fate is the channel's choice: a mutated
     * body signed after the mutation, a timestamp spelled differently, a header twice, another path spelling.
     */
    private Probe maybe(Kind kind, int index, Random random) {
        String id = id(kind, "maybe", index);
        byte[] body = event(kind, id, index, "maybe " + index, random);
        String ts = NOW;
        String label;
        int pick = random.nextInt(14);
        if (pick == 5 && kind.timestampHeader.isEmpty()) {
            pick = 0;
        }
        switch (pick) {
            case 0, 1, 2, 3, 4 -> {
                body = mutate(random, body);
                label = "mutated body, signed";
            }
            case 5 -> {
                ts = List.of("+" + NOW, "0" + NOW, "+0" + NOW, "0000000000" + NOW).get(random.nextInt(4));
                label = "timestamp spelled differently";
            }
            case 9 -> {
                String space = List.of(" ", "\n", "\t", "\r\n", "  \n ").get(random.nextInt(5));
                body = random.nextBoolean() ? concat(utf8(space), body) : concat(body, utf8(space));
                label = "whitespace around body";
            }
            case 10 -> {
                // A broken pair, a byte never in UTF-8, a surrogate, an overlong slash, a lone continuation, beyond U+10FFFF.
                byte[][] bad = {{(byte) 0xC3, 0x28}, {(byte) 0xFF}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
                        {(byte) 0xC0, (byte) 0xAF}, {(byte) 0x80}, {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}};
                body = replace(body, utf8("maybe " + index), bad[random.nextInt(bad.length)]);
                label = "invalid UTF-8 in a string";
            }
            case 11 -> {
                body = concat(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, body);
                label = "byte order mark";
            }
            case 12 -> {
                body = utf8("{\"a\":".repeat(5000) + new String(body, StandardCharsets.UTF_8) + "}".repeat(5000));
                label = "deep nesting, closed";
            }
            default -> label = "header or path oddity";
        }
        Probe probe = signed(kind, index, label, Expect.MAYBE, body, ts, id);
        String good = probe.header(kind.signatureHeader);
        switch (pick) {
            case 6 -> {
                String junk = junkSignature(kind, random);
                probe.remove(kind.signatureHeader);
                switch (random.nextInt(3)) {
                    case 0 -> probe.add(kind.signatureHeader, good).add(kind.signatureHeader, junk);
                    case 1 -> probe.add(kind.signatureHeader, junk).add(kind.signatureHeader, good);
                    default -> probe.add(kind.signatureHeader, good).add(kind.signatureHeader, good);
                }
                probe.label = "signature header twice";
            }
            case 7 -> {
                if (kind == Kind.HOOKS) {
                    // Standard Webhooks: any entry of the list may verify; a list of more than 16 is refused unread.
                    List<String> entries = new ArrayList<>();
                    int junk = random.nextInt(40);
                    for (int i = 0; i < junk; i++) {
                        entries.add(junkSignature(kind, random));
                    }
                    entries.add(random.nextInt(entries.size() + 1), good);
                    probe.set(kind.signatureHeader, String.join(" ", entries));
                    probe.label = entries.size() > 16 ? "signature list, over 16" : "signature list";
                } else {
                    probe.add(List.of("X-Slack-Retry-Num", "X-Forwarded-For", "Content-Type", "X-GitHub-Delivery",
                                      "webhook-id", "Authorization").get(random.nextInt(6)), junkValue(random));
                    probe.label = "extra headers";
                }
            }
            case 8 -> {
                probe.path = List.of(kind.path + "/", kind.path + "?a=b&a=c", kind.path.toUpperCase(Locale.ROOT),
                                     kind.path.replaceFirst("/", "//"), kind.path + "%2F", kind.path.replace("/", "/./"),
                                     kind.path + ";x=1", kind.path + "/..", kind.path + "#frag", kind.path + "?")
                        .get(random.nextInt(10));
                probe.label = "path variant";
            }
            case 13 -> {
                switch (kind) {
                    case DISCORD -> {
                        if (random.nextBoolean()) {
                            probe.set(kind.signatureHeader, good.toUpperCase(Locale.ROOT));
                            probe.label = "uppercase hex signature";
                        } else {
                            probe.set(kind.signatureHeader, malleate(good));
                            probe.label = "signature S + L";
                        }
                    }
                    case TELEGRAM -> {
                        probe.set(kind.signatureHeader, List.of(" ", "\t", "  ").get(random.nextInt(3)) + good
                                + List.of("", " ", "\t").get(random.nextInt(3)));
                        probe.label = "token with surrounding spaces";
                    }
                    case GITHUB -> {
                        probe.set("X-GitHub-Event", List.of("push", "issue_comment", "", "ping ", "x".repeat(300))
                                .get(random.nextInt(5)));
                        probe.label = "other X-GitHub-Event";
                    }
                    default -> {
                        probe.add("Content-Type", List.of("text/plain", "application/x-www-form-urlencoded", "", "a/b; charset=x")
                                .get(random.nextInt(4)));
                        probe.label = "other Content-Type";
                    }
                }
            }
            default -> {
            }
        }
        return probe;
    }

    /** A request that is not correctly signed: one mutation of a correctly signed one. */
    private Probe forged(Kind kind, int index, Random random) {
        String id = id(kind, "forged", index);
        byte[] body = event(kind, id, index, "forged " + index, random);
        Probe probe = signed(kind, index, "", Expect.FORGED, body, NOW, id);
        String original = probe.fingerprint();
        String sig = kind.signatureHeader;
        String good = probe.header(sig);
        boolean hasTimestamp = kind.timestampHeader.isPresent();
        int pick = random.nextInt(22);
        if (!hasTimestamp && (pick == 1 || pick == 4 || pick == 6 || pick == 7 || pick == 8 && kind == Kind.TELEGRAM)) {
            pick = 3;
        }
        if (kind == Kind.TELEGRAM && pick == 13) {
            pick = 12;
        }
        switch (pick) {
            case 0 -> {
                probe.remove(sig);
                probe.label = "signature dropped";
            }
            case 1 -> {
                probe.remove(kind.timestampHeader.orElseThrow());
                probe.label = "timestamp dropped";
            }
            case 2 -> {
                probe.headers.clear();
                probe.label = "no headers";
            }
            case 3 -> {
                String flipped = flip(good, random);
                probe.set(sig, flipped);
                probe.label = "signature bit flipped";
                if (kind == Kind.DISCORD && flipped.equalsIgnoreCase(good)) {
                    // Hex is read case-insensitively: the same signature bytes.
                    probe.expect = Expect.MAYBE;
                    probe.label = "signature case flipped";
                }
            }
            case 4 -> {
                String header = kind.timestampHeader.orElseThrow();
                probe.set(header, flip(probe.header(header), random));
                probe.label = "timestamp bit flipped";
            }
            case 5 -> {
                byte[] flipped = body.clone();
                int at = random.nextInt(flipped.length);
                flipped[at] ^= (byte) (1 << random.nextInt(8));
                probe.body = flipped;
                probe.label = "body bit flipped";
            }
            case 6 -> {
                resign(probe, STALE.get(random.nextInt(STALE.size())), id);
                probe.label = "stale timestamp, signed";
            }
            case 7 -> {
                resign(probe, MALFORMED.get(random.nextInt(MALFORMED.size())), id);
                probe.label = "malformed timestamp, signed";
            }
            case 8 -> {
                String other = List.of(Long.toString(TestGateway.NOW - 1), Long.toString(TestGateway.NOW + 1), "+" + NOW,
                                       NOW + "0").get(random.nextInt(4));
                // GitHub signs no timestamp: a signature over one is as wrong.
                probe.set(sig, kind == Kind.GITHUB
                        ? HmacSignature.hex("sha256=").sign(Secret.ofText(PluginChannels.GITHUB_SECRET), utf8(NOW + "."), body)
                        : signature(kind, other, body, id));
                probe.label = "signed for another timestamp";
            }
            case 9 -> {
                probe.set(sig, kind == Kind.TELEGRAM || kind == Kind.DISCORD ? good.toUpperCase(Locale.ROOT)
                        : kind.prefix() + good.substring(kind.prefix().length()).toUpperCase(Locale.ROOT));
                probe.label = "uppercase signature";
                if (kind == Kind.DISCORD) {
                    probe.expect = Expect.MAYBE;
                }
            }
            case 10 -> {
                String encoded = good.substring(kind.prefix().length());
                byte[] mac = kind == Kind.TELEGRAM ? utf8(good)
                        : kind == Kind.HOOKS ? Base64.getDecoder().decode(encoded) : HexFormat.of().parseHex(encoded);
                probe.set(sig, kind.prefix() + (kind == Kind.HOOKS ? HexFormat.of().formatHex(mac)
                        : Base64.getEncoder().encodeToString(mac)));
                probe.label = "other encoding";
            }
            case 11 -> {
                List<String> prefixes = switch (kind) {
                    // (A space before the value is no part of it: HTTP drops it.)
                    case RELAY, GITHUB -> List.of("sha1=", "SHA256=", "sha256:", "sha512=", "", "sha256==", "sha256= ",
                                                  "sha256 =");
                    case SLACK -> List.of("v1=", "V0=", "v0:", "", "v0==", "sha256=");
                    case HOOKS -> List.of("v1a,", "v2,", "V1,", "v1 ", "v1=", "", "v1,,");
                    case DISCORD -> List.of("0x", "ed25519=", "sha256=", " 0");
                    case TELEGRAM -> List.of("Bearer ", "token=", "0");
                };
                probe.set(sig, prefixes.get(random.nextInt(prefixes.size())) + good.substring(kind.prefix().length()));
                probe.label = "wrong prefix";
            }
            case 12 -> {
                probe.set(sig, switch (kind) {
                    case RELAY -> HmacSignature.hex("sha256=").sign(Secret.ofText(TestGateway.SECRET_HEX), utf8(NOW + "."), body);
                    case SLACK -> HmacSignature.hex("v0=").sign(Secret.ofText(PluginChannels.SLACK_SECRET + "x"), utf8("v0:" + NOW + ":"), body);
                    case GITHUB -> HmacSignature.hex("sha256=").sign(Secret.ofText(PluginChannels.GITHUB_SECRET.toLowerCase(Locale.ROOT)), body);
                    case HOOKS -> HmacSignature.base64("v1,").sign(Secret.ofText(PluginChannels.WHSEC), utf8(id + "." + NOW + "."), body);
                    case TELEGRAM -> List.of(PluginChannels.TELEGRAM_TOKEN + "2", "tg-secret-toke", "TG-SECRET-TOKEN", "tg-secret-tokenx")
                            .get(random.nextInt(4));
                    case DISCORD -> HexFormat.of().formatHex(ed25519(otherDiscord.getPrivate(), utf8(NOW), body));
                });
                probe.label = "wrong key";
            }
            case 13 -> {
                probe.set(sig, switch (kind) {
                    case RELAY -> HmacSignature.hex("sha256=").sign(TestGateway.SECRET,
                                                                    random.nextBoolean() ? utf8(NOW) : new byte[0], body);
                    case SLACK -> HmacSignature.hex("v0=").sign(Secret.ofText(PluginChannels.SLACK_SECRET),
                                                                utf8(random.nextBoolean() ? "v0:" : NOW + ":"), body);
                    case GITHUB -> HmacSignature.hex("sha256=").sign(Secret.ofText(PluginChannels.GITHUB_SECRET), body, utf8("\n"));
                    case HOOKS -> HmacSignature.base64("v1,").sign(
                            Secret.ofStandardWebhooks(PluginChannels.WHSEC), utf8(random.nextBoolean() ? NOW + "." : id + "." + NOW), body);
                    case DISCORD -> HexFormat.of().formatHex(random.nextBoolean() ? ed25519(discord.getPrivate(), body)
                            : ed25519(discord.getPrivate(), utf8(NOW + " "), body));
                    case TELEGRAM -> throw new IllegalStateException();
                });
                probe.label = "signature over another message";
            }
            case 14 -> {
                probe.set(sig, List.of(good.substring(0, good.length() - 1), good + "0", good + "==", "", good.substring(0, 10),
                                       kind.prefix()).get(random.nextInt(6)));
                probe.label = "signature length";
            }
            case 15 -> {
                probe.body = event(kind, id, index, "swapped " + index, random);
                probe.label = "body swapped";
            }
            case 16 -> {
                probe.body = switch (random.nextInt(5)) {
                    case 0 -> concat(body, utf8(" "));
                    case 1 -> Arrays.copyOf(body, random.nextInt(body.length));
                    case 2 -> new byte[0];
                    case 3 -> concat(body, body);
                    default -> concat(utf8("\n"), body);
                };
                probe.label = "body changed after signing";
            }
            case 17 -> {
                if (kind == Kind.HOOKS) {
                    int entries = List.of(1, 2, 16, 17, 100, 7000).get(random.nextInt(6));
                    StringBuilder list = new StringBuilder();
                    for (int i = 0; i < entries; i++) {
                        list.append(i == 0 ? "" : " ").append(entries > 100 ? "x" : junkSignature(kind, random));
                    }
                    probe.set(sig, list.toString());
                    probe.label = "signature list of junk";
                } else {
                    probe.set(sig, good + List.of(",", " ", ", ", "").get(random.nextInt(4)) + good);
                    probe.label = "signature listed twice";
                }
            }
            case 18 -> {
                if (kind == Kind.HOOKS) {
                    probe.set("webhook-id", id + "x");
                    probe.label = "webhook-id changed";
                } else {
                    probe.remove(sig);
                    probe.add(sig.substring(0, sig.length() - 1), good);
                    probe.label = "signature header misspelled";
                }
            }
            case 19 -> {
                probe.method = List.of("GET", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD").get(random.nextInt(6));
                if (probe.method.equals("GET") || probe.method.equals("HEAD") || probe.method.equals("OPTIONS")) {
                    probe.body = new byte[0];
                }
                probe.label = "wrong method";
            }
            case 20 -> {
                Kind other = Kind.values()[(kind.ordinal() + 1 + random.nextInt(5)) % Kind.values().length];
                Probe foreign = signed(other, index, "", Expect.FORGED, body, NOW, id);
                probe.headers.clear();
                probe.headers.addAll(foreign.headers);
                probe.label = "another channel's signature";
            }
            default -> {
                probe.headers.clear();
                probe.add(sig, junkValue(random));
                kind.timestampHeader.ifPresent(header -> probe.add(header, random.nextBoolean() ? NOW : junkValue(random)));
                if (kind == Kind.HOOKS) {
                    probe.add("webhook-id", junkValue(random));
                }
                byte[] bytes = new byte[random.nextInt(300)];
                random.nextBytes(bytes);
                probe.body = bytes;
                probe.label = "random headers and body";
            }
        }
        if (!kind.bodySigned() && (pick == 5 || pick == 15 || pick == 16)) {
            // Telegram signs no body: a changed body with the right token is authentic.
            probe.expect = Expect.MAYBE;
        }
        if (probe.fingerprint().equals(original)) {
            probe.expect = Expect.MAYBE;
            probe.label += " (no change)";
        }
        // Control characters and bytes beyond ASCII go over a socket: the web client would refuse or replace them.
        if (probe.headers.stream().anyMatch(h -> !h[1].chars().allMatch(c -> c == '\t' || c >= 0x20 && c < 0x7F))) {
            probe.raw = http(probe.method + " " + probe.path + " HTTP/1.1", probe.headers, probe.body, "\r\n", true);
        }
        return probe;
    }

    /** Transport oddities over raw sockets: bytes beyond ASCII and control characters, lengths, chunks, framing. */
    private Probe transport(Kind kind, int index, Random random) {
        String id = id(kind, "raw", index);
        byte[] body = event(kind, id, index, "raw " + index, random);
        Probe probe = signed(kind, index, "", Expect.MAYBE, body, NOW, id);
        String sig = kind.signatureHeader;
        String good = probe.header(sig);
        String line = "POST " + kind.path + " HTTP/1.1";
        List<String[]> headers = probe.headers;
        String eol = "\r\n";
        boolean length = true;
        int pick = random.nextInt(18);
        if (pick == 2 && kind.timestampHeader.isEmpty()) {
            pick = 0;
        }
        byte[] payload = body;
        switch (pick) {
            case 0 -> {
                int at = random.nextInt(good.length() + 1);
                probe.set(sig, good.substring(0, at) + (char) (0x80 + random.nextInt(0x80))
                        + good.substring(Math.min(good.length(), at + 1)));
                probe.expect = Expect.FORGED;
                probe.label = "non-ASCII byte in the signature";
            }
            case 1 -> {
                int at = random.nextInt(good.length() + 1);
                String header = kind.timestampHeader.filter(h -> random.nextBoolean()).orElse(sig);
                String value = probe.header(header);
                int cut = Math.min(at, value.length());
                String control = List.of("\u0000", "\u0001", "\u007f", "\u001b", "\u000b").get(random.nextInt(5));
                probe.set(header, value.substring(0, cut) + control + value.substring(cut));
                probe.expect = Expect.FORGED;
                probe.label = "control character in a header";
            }
            case 2 -> {
                String header = kind.timestampHeader.orElseThrow();
                String arabic = new String(utf8("\u0661\u0667\u0667\u0663\u0669\u0664\u0666\u0664\u0662\u0666"),
                                           StandardCharsets.ISO_8859_1);
                probe.set(header, random.nextBoolean() ? arabic : NOW + "\u00a0");
                probe.expect = Expect.FORGED;
                probe.label = "non-ASCII timestamp";
            }
            case 3 -> {
                length = false;
                headers.add(new String[] {"Content-Length", Integer.toString(body.length + 1 + random.nextInt(1000))});
                probe.expect = Expect.FORGED;
                probe.label = "Content-Length beyond the body";
            }
            case 4 -> {
                length = false;
                headers.add(new String[] {"Content-Length", Integer.toString(random.nextInt(body.length))});
                probe.expect = kind.bodySigned() ? Expect.FORGED : Expect.MAYBE;
                probe.label = "Content-Length short of the body";
            }
            case 5 -> {
                length = false;
                String n = Integer.toString(body.length);
                int variant = random.nextInt(9);
                String[] values = List.of(new String[] {"abc"}, new String[] {"-1"}, new String[] {"+" + n},
                                          new String[] {n + ", " + n}, new String[] {"99999999999999999999"},
                                          new String[] {n, Integer.toString(body.length + 1)}, new String[] {n, n},
                                          new String[] {"0x" + Integer.toHexString(body.length)}, new String[] {"0" + n})
                        .get(variant);
                for (String value : values) {
                    headers.add(new String[] {"Content-Length", value});
                }
                probe.label = "Content-Length " + List.of("abc", "-1", "+N", "N, N", "huge", "twice, differing", "twice, same",
                                                          "hex", "leading zero").get(variant);
            }
            case 6 -> {
                length = false;
                headers.add(new String[] {"Transfer-Encoding", "chunked"});
                int variant = random.nextInt(3);
                payload = chunked(body, random, variant == 1 ? ";ext=1" : "", variant == 2);
                probe.label = List.of("chunked body", "chunked body, chunk extension", "chunked body, trailer").get(variant);
            }
            case 7 -> {
                length = false;
                headers.add(new String[] {"Transfer-Encoding", "chunked"});
                String size = Integer.toHexString(body.length);
                int broken = random.nextInt(6);
                payload = switch (broken) {
                    case 0 -> concat(utf8("zz\r\n"), body, utf8("\r\n0\r\n\r\n"));
                    case 1 -> concat(utf8("-1\r\n"), body, utf8("\r\n0\r\n\r\n"));
                    case 2 -> concat(utf8("FFFFFFFFFFFFFFFFFFFF\r\n"), body, utf8("\r\n0\r\n\r\n"));
                    case 3 -> concat(utf8(Integer.toHexString(body.length + 50) + "\r\n"), body, utf8("\r\n0\r\n\r\n"));
                    case 4 -> concat(utf8(size + "\r\n"), body, utf8("\r\n"));
                    default -> concat(utf8(size + "\r\n"), body, utf8("XX0\r\n\r\n"));
                };
                // The first four can never yield the signed bytes; the last two hold them whole, only badly framed.
                probe.expect = broken < 4 ? Expect.FORGED : Expect.MAYBE;
                probe.label = broken < 4 ? "broken chunk size"
                        : broken == 4 ? "chunked, no last chunk" : "chunked, no CRLF after data";
            }
            case 8 -> {
                headers.add(new String[] {"Transfer-Encoding", random.nextBoolean() ? "chunked" : "gzip, chunked"});
                payload = chunked(body, random, "", false);
                probe.label = "Transfer-Encoding and Content-Length";
            }
            case 9 -> {
                eol = "\n";
                probe.label = "bare LF line ends";
            }
            case 10 -> {
                // An empty name writes the value as the whole line.
                headers.add(1, List.of(new String[] {"X-Junk", "a\r\n b"}, new String[] {"X-Junk", "a\r\n\tb"},
                                       new String[] {"", "X-Junk : a"}, new String[] {"X-Junk", "a\rb"}).get(random.nextInt(4)));
                if (random.nextBoolean()) {
                    headers.add(0, new String[] {"", "No colon here"});
                }
                probe.label = "folded or broken header line";
            }
            case 11 -> {
                headers.add(new String[] {"X-Junk", "j".repeat(16_000 + random.nextInt(40_000))});
                probe.label = "oversized headers";
            }
            case 12 -> {
                line = "POST " + kind.path + " HTTP/1.0";
                probe.label = "HTTP/1.0";
            }
            case 13 -> {
                headers.add(random.nextBoolean() ? new String[] {sig, junkSignature(kind, random)} : new String[] {sig, good});
                if (random.nextBoolean()) {
                    Collections.reverse(headers);
                }
                probe.label = "signature line twice";
            }
            case 14 -> {
                int broken = random.nextInt(8);
                line = List.of("POST", "POST " + kind.path, "POST " + kind.path + " HTTP/9.9", "\u0000\u0001\u0002",
                               "POST " + kind.path + " HTTP/1.1 extra", "POST  " + kind.path + "  HTTP/1.1",
                               "PO ST " + kind.path + " HTTP/1.1", "POST\t" + kind.path + " HTTP/1.1").get(broken);
                probe.expect = Expect.FORGED;
                probe.label = broken == 7 ? "tab after the method" : "broken request line";
            }
            case 15 -> {
                int variant = random.nextInt(5);
                line = List.of("post " + kind.path + " HTTP/1.1", "POST http://127.0.0.1:" + port + kind.path + " HTTP/1.1",
                               "POST " + kind.path.replace("/", "%2F") + " HTTP/1.1", "POST " + kind.path + "?x=%zz HTTP/1.1",
                               "POST " + kind.path + "%00 HTTP/1.1").get(variant);
                probe.label = List.of("lowercase method", "absolute-form target", "encoded slashes", "bad % in the query",
                                      "%00 in the path").get(variant);
            }
            case 16 -> {
                headers.add(new String[] {"Expect", "100-continue"});
                probe.label = "Expect: 100-continue";
            }
            default -> {
                byte[] junk = new byte[random.nextInt(400)];
                random.nextBytes(junk);
                probe.raw = junk;
                probe.expect = Expect.FORGED;
                probe.label = "random bytes";
                return probe;
            }
        }
        probe.raw = http(line, headers, payload, eol, length);
        return probe;
    }

    /** An acknowledged event again: the same bytes, or another body under the same id (github: another delivery id). */
    private Probe replay(Probe original) {
        Random random = new Random(SEED ^ (original.index + 1) * 0xC2B2AE3D27D4EB4FL);
        Kind kind = original.kind;
        Probe probe;
        if (random.nextInt(10) < 6) {
            probe = original.copy();
            probe.label = "replay, same bytes";
        } else if (kind == Kind.GITHUB) {
            probe = original.copy();
            probe.set("X-GitHub-Delivery", "d-replayed-" + original.index);
            probe.label = "replay, new delivery id";
        } else {
            probe = signed(kind, original.index, "replay, same id, new body", Expect.REPLAY,
                           event(kind, original.eventId, original.index, "replayed " + original.index, random), NOW,
                           original.eventId);
        }
        probe.expect = Expect.REPLAY;
        return probe;
    }

    /** The six channels of the gateway under test, with the header that carries each one's signature. */
    private enum Kind {
        RELAY("slack", "/relay/events", "X-Relay-Signature", "X-Relay-Timestamp"),
        SLACK("slack-direct", "/slack/events", "X-Slack-Signature", "X-Slack-Request-Timestamp"),
        GITHUB("gh", "/github/events", "X-Hub-Signature-256", null),
        HOOKS("hooks", "/hooks/events", "webhook-signature", "webhook-timestamp"),
        TELEGRAM("tg", "/telegram/updates", "X-Telegram-Bot-Api-Secret-Token", null),
        DISCORD("discord", "/discord/interactions", "X-Signature-Ed25519", "X-Signature-Timestamp");

        final String channel;
        final String path;
        final String signatureHeader;
        final Optional<String> timestampHeader;

        Kind(String channel, String path, String signatureHeader, String timestampHeader) {
            this.channel = channel;
            this.path = path;
            this.signatureHeader = signatureHeader;
            this.timestampHeader = Optional.ofNullable(timestampHeader);
        }

        boolean bodySigned() {
            return this != TELEGRAM;
        }

        String prefix() {
            return switch (this) {
                case RELAY, GITHUB -> "sha256=";
                case SLACK -> "v0=";
                case HOOKS -> "v1,";
                case TELEGRAM, DISCORD -> "";
            };
        }
    }

    /** A correctly signed request, as the channel's sender would make it. */
    private Probe signed(Kind kind, int index, String label, Expect expect, byte[] body, String ts, String hookId) {
        Probe probe = new Probe(kind, index, label, expect);
        probe.body = body;
        switch (kind) {
            case GITHUB -> probe.add("X-GitHub-Event", "issues").add("X-GitHub-Delivery", "d-" + index);
            case HOOKS -> probe.add("webhook-id", hookId);
            default -> {
            }
        }
        kind.timestampHeader.ifPresent(header -> probe.add(header, ts));
        probe.add(kind.signatureHeader, signature(kind, ts, body, hookId));
        probe.add("Content-Type", body.length > 0 && body[0] != '{' && kind == Kind.SLACK
                ? "application/x-www-form-urlencoded" : "application/json");
        return probe;
    }

    /** Sets the timestamp and signs again over it, verbatim. */
    private void resign(Probe probe, String ts, String hookId) {
        probe.set(probe.kind.timestampHeader.orElseThrow(), ts);
        probe.set(probe.kind.signatureHeader, signature(probe.kind, ts, probe.body, hookId));
    }

    private String signature(Kind kind, String ts, byte[] body, String hookId) {
        return switch (kind) {
            case RELAY -> HmacSignature.hex("sha256=").sign(TestGateway.SECRET, utf8(ts + "."), body);
            case SLACK -> HmacSignature.hex("v0=").sign(Secret.ofText(PluginChannels.SLACK_SECRET), utf8("v0:" + ts + ":"), body);
            case GITHUB -> HmacSignature.hex("sha256=").sign(Secret.ofText(PluginChannels.GITHUB_SECRET), body);
            case HOOKS -> HmacSignature.base64("v1,").sign(Secret.ofStandardWebhooks(PluginChannels.WHSEC), utf8(hookId + "." + ts + "."), body);
            case TELEGRAM -> PluginChannels.TELEGRAM_TOKEN;
            case DISCORD -> HexFormat.of().formatHex(ed25519(discord.getPrivate(), utf8(ts), body));
        };
    }

    private static byte[] ed25519(PrivateKey key, byte[]... parts) {
        try {
            Signature signer = Signature.getInstance("Ed25519");
            signer.initSign(key);
            for (byte[] part : parts) {
                signer.update(part);
            }
            return signer.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The same Ed25519 signature with S replaced by S + L. */
    private static String malleate(String hex) {
        byte[] signature = HexFormat.of().parseHex(hex);
        byte[] s = Arrays.copyOfRange(signature, 32, 64);
        reverse(s);
        byte[] bigger = new BigInteger(1, s).add(ED25519_ORDER).toByteArray();
        byte[] little = new byte[32];
        for (int i = 0; i < Math.min(32, bigger.length); i++) {
            little[i] = bigger[bigger.length - 1 - i];
        }
        System.arraycopy(little, 0, signature, 32, 32);
        return HexFormat.of().formatHex(signature);
    }

    private static void reverse(byte[] bytes) {
        for (int i = 0, j = bytes.length - 1; i < j; i++, j--) {
            byte b = bytes[i];
            bytes[i] = bytes[j];
            bytes[j] = b;
        }
    }

    private static String junkSignature(Kind kind, Random random) {
        byte[] mac = new byte[kind == Kind.DISCORD ? 64 : 32];
        random.nextBytes(mac);
        return switch (kind) {
            case HOOKS -> "v1," + Base64.getEncoder().encodeToString(mac);
            case TELEGRAM -> junkValue(random);
            default -> kind.prefix() + HexFormat.of().formatHex(mac);
        };
    }

    private static String junkValue(Random random) {
        StringBuilder value = new StringBuilder();
        int length = random.nextInt(60);
        for (int i = 0; i < length; i++) {
            value.append((char) (0x21 + random.nextInt(0x5E)));
        }
        return value.toString();
    }

    /** One bit of one character flipped (bits 0 to 6: the result may be a control character, never beyond ASCII). */
    private static String flip(String value, Random random) {
        if (value.isEmpty()) {
            return "x";
        }
        char[] chars = value.toCharArray();
        int at = random.nextInt(chars.length);
        chars[at] ^= (char) (1 << random.nextInt(7));
        return new String(chars);
    }

    /**
     * An id of its own space for each kind of request, so that no mutation of one can become another's (telegram's
     * update ids are numbers of other magnitudes).
     */
    private static String id(Kind kind, String space, int n) {
        if (kind == Kind.TELEGRAM) {
            long base = switch (space) {
                case "valid" -> 1;
                case "maybe" -> 1_000_000_000_000L;
                case "forged" -> 3_000_000_000_000L;
                case "raw" -> 5_000_000_000_000L;
                default -> 7_000_000_000_000L;
            };
            return Long.toString(base + n);
        }
        return space + "-" + n;
    }

    /** A valid event of the kind with the given id; several conversations, so that the dispatcher works in parallel. */
    private static byte[] event(Kind kind, String id, int n, String text, Random random) {
        String conversation = "C" + n % 8;
        return switch (kind) {
            case RELAY -> json("{'id':'%s','event_type':'message','provider':'slack','provider_scope':'T1','channel_id':'%s',"
                                       + "'sender_id':'U1','sender_name':'fuzz','content':'%s','thread_id':null,'raw':{},"
                                       + "'timestamp':'2026-03-19T18:53:20Z'}", id, conversation, text);
            case SLACK -> switch (random.nextInt(3)) {
                case 0 -> utf8("command=" + form("/deploy") + "&text=" + form(text) + "&trigger_id=" + form(id)
                                       + "&team_id=T1&channel_id=" + conversation + "&user_id=U1&user_name=fuzz");
                case 1 -> utf8("payload=" + form(new String(json(
                        "{'type':'block_actions','team':{'id':'T1'},'user':{'id':'U1','username':'fuzz'},'channel':{'id':'%s'},"
                                + "'actions':[{'action_id':'open','value':'%s','action_ts':'%s'}]}", conversation, text, id),
                        StandardCharsets.UTF_8)));
                default -> json("{'type':'event_callback','team_id':'T1','event_id':'%s','event':{'type':'message',"
                                        + "'channel':'%s','channel_type':'channel','user':'U1','text':'%s','ts':'1.%d'}}",
                                id, conversation, text, n);
            };
            case GITHUB -> json("{'action':'opened','nonce':'%s','issue':{'number':%d,'title':'%s'},'repository':"
                                        + "{'full_name':'acme/web','owner':{'login':'acme'}},'sender':{'login':'octo'}}",
                                id, n, text);
            case HOOKS -> json("{'type':'invoice.paid','data':{'id':'%s','amount':%d,'note':'%s'}}", id, n, text);
            case TELEGRAM -> json("{'update_id':%s,'message':{'message_id':%d,'chat':{'id':%d,'type':'private'},"
                                          + "'from':{'id':5,'username':'fuzz'},'text':'%s'}}", id, n, n % 8, text);
            case DISCORD -> json("{'id':'%s','type':%d,'guild_id':'G1','channel_id':'%s','member':{'user':{'id':'U1',"
                                         + "'username':'fuzz'}},'data':{'name':'%s'}}", id, random.nextInt(4) == 0 ? 3 : 2,
                                 conversation, text);
        };
    }

    /** JSON written with single quotes, for legibility (no value here holds a quote). */
    private static byte[] json(String template, Object... args) {
        return utf8(template.replace('\'', '"').formatted(args));
    }

    /** The body grown to exactly {@code size} bytes with a field (or form pair) the channels ignore. */
    private static byte[] pad(byte[] body, int size) {
        if (body[0] == '{') {
            int fill = size - body.length - "\"pad\":\"\",".length();
            return concat(utf8("{\"pad\":\"" + "x".repeat(fill) + "\","), Arrays.copyOfRange(body, 1, body.length));
        }
        return concat(body, utf8("&pad=" + "x".repeat(size - body.length - "&pad=".length())));
    }

    /** One to three random edits: a bit flipped, bytes dropped, inserted, duplicated or replaced, the end cut. */
    private static byte[] mutate(Random random, byte[] body) {
        byte[] result = body;
        int edits = 1 + random.nextInt(3);
        for (int e = 0; e < edits && result.length > 0; e++) {
            int at = random.nextInt(result.length);
            result = switch (random.nextInt(6)) {
                case 0 -> {
                    byte[] flipped = result.clone();
                    flipped[at] ^= (byte) (1 << random.nextInt(8));
                    yield flipped;
                }
                case 1 -> concat(Arrays.copyOfRange(result, 0, at), Arrays.copyOfRange(result, Math.min(result.length, at + 1
                        + random.nextInt(8)), result.length));
                case 2 -> concat(Arrays.copyOfRange(result, 0, at), new byte[] {(byte) random.nextInt(256)},
                                 Arrays.copyOfRange(result, at, result.length));
                case 3 -> concat(Arrays.copyOfRange(result, 0, at + Math.min(result.length - at, 20)),
                                 Arrays.copyOfRange(result, at, result.length));
                case 4 -> {
                    byte[] replaced = result.clone();
                    String tokens = "{}[]\":,\\0-e. ";
                    for (int i = at; i < Math.min(replaced.length, at + 1 + random.nextInt(6)); i++) {
                        replaced[i] = (byte) tokens.charAt(random.nextInt(tokens.length()));
                    }
                    yield replaced;
                }
                default -> Arrays.copyOf(result, at);
            };
        }
        return result;
    }

    private static byte[] chunked(byte[] body, Random random, String extension, boolean trailer) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int at = 0; at < body.length; ) {
            int size = Math.min(body.length - at, 1 + random.nextInt(200));
            out.writeBytes(utf8(Integer.toHexString(size) + extension + "\r\n"));
            out.write(body, at, size);
            out.writeBytes(utf8("\r\n"));
            at += size;
        }
        out.writeBytes(utf8("0\r\n" + (trailer ? "X-Trailer: 1\r\n" : "") + "\r\n"));
        return out.toByteArray();
    }

    /** A request as bytes; header values are Latin-1 strings, so each character is one byte as given. */
    private static byte[] http(String line, List<String[]> headers, byte[] body, String eol, boolean length) {
        StringBuilder head = new StringBuilder(line).append(eol).append("Host: 127.0.0.1").append(eol);
        for (String[] header : headers) {
            head.append(header[0]).append(header[0].isEmpty() ? "" : ": ").append(header[1]).append(eol);
        }
        if (length) {
            head.append("Content-Length: ").append(body.length).append(eol);
        }
        head.append("Connection: close").append(eol).append(eol);
        return concat(head.toString().getBytes(StandardCharsets.ISO_8859_1), body);
    }

    private static String form(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    private static String sha256(byte[] body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    private static byte[] replace(byte[] body, byte[] what, byte[] with) {
        String text = new String(body, StandardCharsets.ISO_8859_1);
        return text.replace(new String(what, StandardCharsets.ISO_8859_1), new String(with, StandardCharsets.ISO_8859_1))
                .getBytes(StandardCharsets.ISO_8859_1);
    }

    /** One request: what it is, how it is sent, and what it may do. */
    private static final class Probe {
        final Kind kind;
        final int index;
        final List<String[]> headers = new ArrayList<>();
        String label;
        Expect expect;
        String method = "POST";
        String path;
        byte[] body = new byte[0];
        boolean chunked;
        // When set, these bytes go over a socket as they are.
        byte[] raw;
        // EVENT: the id the handler must see.
        String eventId = "";

        Probe(Kind kind, int index, String label, Expect expect) {
            this.kind = kind;
            this.index = index;
            this.label = label;
            this.expect = expect;
            this.path = kind.path;
        }

        Probe copy() {
            Probe copy = new Probe(kind, index, label, expect);
            headers.forEach(h -> copy.headers.add(h.clone()));
            copy.method = method;
            copy.path = path;
            copy.body = body;
            copy.chunked = chunked;
            copy.raw = raw;
            copy.eventId = eventId;
            return copy;
        }

        String header(String name) {
            return headers.stream().filter(h -> h[0].equalsIgnoreCase(name)).map(h -> h[1]).findFirst().orElse(null);
        }

        Probe add(String name, String value) {
            headers.add(new String[] {name, value});
            return this;
        }

        Probe set(String name, String value) {
            for (String[] header : headers) {
                if (header[0].equalsIgnoreCase(name)) {
                    header[1] = value;
                    return this;
                }
            }
            return add(name, value);
        }

        void remove(String name) {
            headers.removeIf(h -> h[0].equalsIgnoreCase(name));
        }

        String fingerprint() {
            StringBuilder print = new StringBuilder(method).append(' ').append(path).append('\n');
            headers.forEach(h -> print.append(h[0].toLowerCase(Locale.ROOT)).append(':').append(h[1]).append('\n'));
            return print.append(HexFormat.of().formatHex(body)).toString();
        }
    }

    /** A request's answer: its status ({@code -1} for none), the reason, and every status on the connection. */
    private record Outcome(Probe probe, int status, String reason, List<Integer> allStatuses) {
    }
}
