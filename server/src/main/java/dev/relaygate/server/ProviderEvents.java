package dev.relaygate.server;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.helidon.config.Config;
import io.helidon.http.HeaderNames;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webclient.http1.Http1ClientRequest;
import io.helidon.webclient.http1.Http1ClientResponse;

import dev.relaygate.api.HmacSignature;
import dev.relaygate.api.Secret;
import dev.relaygate.api.StandardWebhooks;

import jakarta.json.Json;
import jakarta.json.JsonObjectBuilder;

/**
 * {@code send --config FILE --via NAME TEXT}: a test message shaped and signed exactly as the channel's provider sends
 * it, posted to the gateway that configuration describes (like {@code stripe trigger}), so a user can try their own
 * configuration: Slack v0, the relay's {@code sha256=}, GitHub's {@code X-Hub-Signature-256}, Standard Webhooks,
 * Telegram's secret token header, and Discord's Ed25519 with a private key file ({@code --key}; the demo writes one).
 */
final class ProviderEvents {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Clock clock;

    ProviderEvents(Clock clock) {
        this.clock = clock;
    }

    /** What to send. */
    record Options(Path config, String channel, String text, Optional<String> conversation, Optional<String> thread,
                   Optional<Path> key, Optional<String> gateway) {
    }

    /** A signed request for a channel's path. */
    record Signed(String path, Map<String, String> headers, String body) {
    }

    /**
     * Sends one event; prints what the gateway answered.
     *
     * @return 0 when the gateway acknowledged it with a 2xx
     */
    int send(Options options, PrintStream out) {
        Config config = ConfigLoader.load(Optional.of(options.config()), Map.of());
        Config channel = config.get("relaygate.channels." + options.channel());
        if (!channel.exists()) {
            throw new StartupException("no channel named '" + options.channel() + "' in " + options.config()
                                               + "; it has " + config.get("relaygate.channels").asNodeList().map(
                                                       list -> list.stream().map(Config::name).toList()).orElse(List.of()));
        }
        Signed signed = sign(channel, options);
        String base = options.gateway().orElseGet(() -> "http://127.0.0.1:" + config.get("server.port").asInt().orElse(8080));
        Http1ClientRequest request = Http1Client.builder().baseUri(base).build().post(signed.path());
        signed.headers().forEach((name, value) -> request.header(HeaderNames.create(name), value));
        try (Http1ClientResponse response = request.submit(signed.body())) {
            int status = response.status().code();
            out.println("gateway answered " + status + " " + response.as(String.class));
            return status >= 200 && status < 300 ? 0 : 1;
        } catch (RuntimeException e) {
            throw new StartupException("cannot reach the gateway at " + base + " (is it running? --gateway URL): "
                                               + e.getMessage(), e);
        }
    }

    /**
     * The request a provider would send for a text message on this channel.
     */
    Signed sign(Config channel, Options options) {
        String type = channel.get("type").asString().orElse(ConfigLoader.SLACK_RELAY);
        String path = channel.get("path").asString().orElse(switch (type) {
            case "slack" -> "/slack/events";
            case "github" -> "/github/events";
            case "standard-webhooks" -> "/hooks/events";
            case "telegram" -> "/telegram/updates";
            case "discord" -> "/discord/interactions";
            default -> "/relay/events";
        });
        long now = clock.instant().getEpochSecond();
        String ts = Long.toString(now);
        String id = randomId();
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        String body;
        switch (type) {
            case ConfigLoader.SLACK_RELAY -> {
                JsonObjectBuilder event = Json.createObjectBuilder().add("id", "Ev" + id).add("event_type", "direct_message")
                        .add("provider", "slack").add("provider_scope", channel.get("team-id").asString().filter(t -> !t.isEmpty()).orElse("T0SEND"))
                        .add("channel_id", options.conversation().orElse("D0SEND")).add("sender_id", "U0SEND")
                        .add("sender_name", "relaygate-send").add("content", options.text());
                options.thread().ifPresent(thread -> event.add("thread_id", thread));
                body = event.build().toString();
                Secret secret = Secret.ofHex(required(channel, "signing-secret", "the relay's signing secret (64 hex "
                        + "characters); without one, 'bin/relaygate send' without --via goes through the demo's dev relay"));
                headers.put("X-Relay-Timestamp", ts);
                headers.put("X-Relay-Signature", HmacSignature.hex("sha256=").sign(secret, (ts + "." + body).getBytes(StandardCharsets.UTF_8)));
            }
            case "slack" -> {
                JsonObjectBuilder event = Json.createObjectBuilder().add("type", "message").add("channel_type", "im")
                        .add("channel", options.conversation().orElse("D0SEND")).add("user", "U0SEND")
                        .add("text", options.text()).add("ts", now + ".000100");
                options.thread().ifPresent(thread -> event.add("thread_ts", thread));
                body = Json.createObjectBuilder().add("type", "event_callback").add("team_id", "T0SEND")
                        .add("event_id", "Ev" + id).add("event", event).build().toString();
                headers.put("X-Slack-Request-Timestamp", ts);
                headers.put("X-Slack-Signature", HmacSignature.hex("v0=").sign(
                        Secret.ofText(required(channel, "signing-secret", "the Slack app's signing secret")),
                        ("v0:" + ts + ":" + body).getBytes(StandardCharsets.UTF_8)));
            }
            case "github" -> {
                String repository = options.conversation().orElse("acme/demo");
                String owner = repository.contains("/") ? repository.substring(0, repository.indexOf('/')) : repository;
                long number = Long.parseLong(options.thread().filter(t -> t.matches("[0-9]{1,18}")).orElse("1"));
                body = Json.createObjectBuilder().add("action", "created")
                        .add("issue", Json.createObjectBuilder().add("number", number).add("title", "Tried with relaygate send"))
                        .add("comment", Json.createObjectBuilder().add("id", RANDOM.nextLong(1, Long.MAX_VALUE)).add("body", options.text()))
                        .add("repository", Json.createObjectBuilder().add("full_name", repository)
                                .add("owner", Json.createObjectBuilder().add("login", owner)))
                        .add("sender", Json.createObjectBuilder().add("login", "relaygate-send")).build().toString();
                headers.put("X-GitHub-Event", "issue_comment");
                headers.put("X-GitHub-Delivery", id);
                headers.put("X-Hub-Signature-256", HmacSignature.hex("sha256=").sign(
                        Secret.ofText(required(channel, "secret", "the webhook's secret")), body.getBytes(StandardCharsets.UTF_8)));
            }
            case "standard-webhooks" -> {
                List<String> secrets = channel.get("secrets").asList(String.class).orElse(List.of());
                if (secrets.isEmpty()) {
                    throw new StartupException(channel.key() + ".secrets: required to sign a test event (a whsec_ key)");
                }
                JsonObjectBuilder event = Json.createObjectBuilder().add("type", "message").add("text", options.text());
                options.conversation().ifPresent(conversation -> event.add("conversation", conversation));
                body = event.build().toString();
                headers.putAll(StandardWebhooks.headers(Secret.ofStandardWebhooks(secrets.getFirst()), "msg_" + id, now,
                                                        body.getBytes(StandardCharsets.UTF_8)));
            }
            case "telegram" -> {
                long chat = Long.parseLong(options.conversation().filter(c -> c.matches("-?[0-9]{1,18}")).orElse("1001"));
                JsonObjectBuilder message = Json.createObjectBuilder().add("message_id", RANDOM.nextInt(1, Integer.MAX_VALUE))
                        .add("date", now).add("from", Json.createObjectBuilder().add("id", 1001).add("first_name", "Relaygate")
                                .add("username", "relaygate_send"))
                        .add("chat", Json.createObjectBuilder().add("id", chat).add("type", chat < 0 ? "supergroup" : "private"))
                        .add("text", options.text());
                options.thread().filter(t -> t.matches("[0-9]{1,18}"))
                        .ifPresent(thread -> message.add("message_thread_id", Long.parseLong(thread)).add("is_topic_message", true));
                body = Json.createObjectBuilder().add("update_id", RANDOM.nextInt(1, Integer.MAX_VALUE)).add("message", message)
                        .build().toString();
                headers.put("X-Telegram-Bot-Api-Secret-Token", required(channel, "secret-token", "the webhook's secret_token"));
            }
            case "discord" -> {
                body = Json.createObjectBuilder().add("id", id).add("type", 2).add("application_id",
                                channel.get("application-id").asString().filter(a -> !a.isEmpty()).orElse("0"))
                        .add("token", "send-" + id).add("channel_id", options.conversation().orElse("C0SEND"))
                        .add("user", Json.createObjectBuilder().add("id", "U0SEND").add("username", "relaygate-send"))
                        .add("data", Json.createObjectBuilder().add("name", "say").add("type", 1)
                                .add("options", Json.createArrayBuilder().add(Json.createObjectBuilder()
                                        .add("name", "text").add("type", 3).add("value", options.text()))))
                        .build().toString();
                headers.put("X-Signature-Timestamp", ts);
                headers.put("X-Signature-Ed25519", ed25519(options, (ts + body).getBytes(StandardCharsets.UTF_8)));
            }
            default -> throw new StartupException(channel.key() + ".type: send cannot sign for type '" + type
                                                          + "'; it knows slack-relay, slack, github, standard-webhooks, "
                                                          + "telegram and discord");
        }
        return new Signed(path, headers, body);
    }

    private static String required(Config channel, String key, String what) {
        return channel.get(key).asString().filter(value -> !value.isEmpty()).orElseThrow(
                () -> new StartupException(channel.key() + "." + key + ": required to sign a test event (" + what + ")"));
    }

    /**
     * Signs with the PKCS#8 private key in {@code --key} (base64, as the demo writes it).
     */
    private static String ed25519(Options options, byte[] payload) {
        Path file = options.key().orElseThrow(() -> new StartupException(
                "discord: send needs --key FILE, the Ed25519 private key whose public key the channel has (the demo writes "
                        + "one beside its configuration)"));
        try {
            byte[] der = Base64.getDecoder().decode(Files.readString(file).strip());
            PrivateKey key = KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(der));
            Signature signer = Signature.getInstance("Ed25519");
            signer.initSign(key);
            signer.update(payload);
            return HexFormat.of().formatHex(signer.sign());
        } catch (IOException | IllegalArgumentException | GeneralSecurityException e) {
            throw new StartupException("--key " + file + ": not a readable Ed25519 private key (base64 PKCS#8): "
                                               + e.getClass().getSimpleName(), e);
        }
    }

    private static String randomId() {
        byte[] bytes = new byte[9];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /**
     * Parses {@code --config FILE --via NAME [--conversation C] [--thread T] [--key FILE] [--gateway URL] TEXT}.
     */
    static Options parse(String[] args) {
        Map<String, String> values = new LinkedHashMap<>();
        List<String> text = new ArrayList<>();
        List<String> known = List.of("--config", "--via", "--conversation", "--thread", "--key", "--gateway");
        for (int i = 0; i < args.length; i++) {
            if (known.contains(args[i])) {
                if (i + 1 >= args.length) {
                    throw new StartupException(args[i] + " needs a value");
                }
                values.put(args[i], args[++i]);
            } else if (args[i].startsWith("--")) {
                throw new StartupException("unexpected option '" + args[i] + "'; send --config takes " + known);
            } else {
                text.add(args[i]);
            }
        }
        if (!values.containsKey("--config") || !values.containsKey("--via") || text.isEmpty()) {
            throw new StartupException("usage: send --config FILE --via CHANNEL [--conversation C] [--thread T] "
                                               + "[--key FILE] [--gateway URL] TEXT");
        }
        return new Options(Path.of(values.get("--config")), values.get("--via"), String.join(" ", text),
                           Optional.ofNullable(values.get("--conversation")), Optional.ofNullable(values.get("--thread")),
                           Optional.ofNullable(values.get("--key")).map(Path::of), Optional.ofNullable(values.get("--gateway")));
    }
}
