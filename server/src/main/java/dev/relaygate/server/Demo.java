package dev.relaygate.server;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import io.helidon.http.HeaderValues;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webclient.http1.Http1ClientResponse;

import dev.relaygate.devrelay.DevRelay;
import dev.relaygate.devrelay.FakeProviders;

import jakarta.json.Json;

/**
 * {@code demo}: a gateway with the {@code echo} handler and an embedded dev relay on loopback, the relay protocol
 * end to end (the gateway fetches its signing secret from the relay at activation). {@code send}: asks the dev relay
 * to push a signed test message to the gateway.
 */
final class Demo {
    static final String TEAM = "T0DEMO";
    static final String CONVERSATION = "D0DEMO";
    static final String API_TOKEN = "relaygate-demo-token";
    static final String DISCORD_KEY = "discord-ed25519.key";
    private static final String DEMO_TELEGRAM_TOKEN = "100001:demo-telegram-bot-token";
    private static final String DEMO_DISCORD_TOKEN = "demo-discord-bot-token";
    private static final String DEMO_GITHUB_TOKEN = "github_pat_demo_token";
    private static final String DEMO_SLACK_TOKEN = "xoxb-demo-slack-token";
    private static final String DEMO_HOOKS_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static final String DEMO_REPLY_SECRET = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

    private Demo() {
    }

    static void run(String[] args, PrintStream out) {
        Map<String, String> options = options(args, Map.of("--port", "8080", "--relay-port", "8081", "--channels", "slack"));
        int port = port(options.get("--port"));
        int relayPort = port(options.get("--relay-port"));
        boolean all = switch (options.get("--channels")) {
            case "slack" -> false;
            case "all" -> true;
            default -> throw new StartupException("--channels takes 'slack' (the relay only) or 'all' (every channel type)");
        };
        Path dir;
        try {
            dir = Files.createTempDirectory("relaygate-demo");
        } catch (IOException e) {
            throw new StartupException("cannot create a folder for the demo: " + e.getMessage(), e);
        }
        String apiKey = "sk-agent-demo-" + UUID.randomUUID();
        DevRelay relay = DevRelay.builder()
                .apiKey(apiKey)
                .teamId(TEAM)
                .port(relayPort)
                .gateway(URI.create("http://127.0.0.1:" + port))
                .out(out)
                .build();
        try {
            relay.start();
        } catch (RuntimeException e) {
            throw new StartupException("the dev relay cannot listen on 127.0.0.1:" + relayPort + " (--relay-port): "
                                               + e.getMessage(), e);
        }
        Path config = dir.resolve("demo.yaml");
        Optional<FakeProviders> fakes = all ? Optional.of(startFakes(out)) : Optional.empty();
        try {
            String more = fakes.isPresent() ? everyChannel(dir, fakes.get()) : "";
            Files.writeString(config, """
                    server:
                      port: %d
                      host: 127.0.0.1
                    relaygate:
                      data-dir: %s
                      plugins-dir: %s
                      api-token: %s
                      handler:
                        type: echo
                      channels:
                        slack:
                          relay-url: %s
                          api-key: %s
                          team-id: %s
                    %s""".formatted(port, dir.resolve("data"), dir.resolve("plugins"), API_TOKEN, relay.url(), apiKey, TEAM,
                                    more));
        } catch (IOException e) {
            throw new StartupException("cannot write the demo configuration: " + e.getMessage(), e);
        }
        Gateway gateway = Gateway.create(ConfigLoader.load(Optional.of(config), Map.of()), Clock.systemUTC()).start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            gateway.close();
            relay.close();
            fakes.ifPresent(FakeProviders::close);
        }, "relaygate-demo-shutdown"));
        out.printf("""

                Relaygate demo
                  gateway    http://127.0.0.1:%d  (channel slack-relay, handler echo, data in %s)
                  dev relay  %s  (team %s; it signs events and prints the Slack calls it proxies)

                Send a test message from another terminal:

                  bin/relaygate send "hello relaygate"

                The dev relay prints the signed event going in and the echo reply coming out. The console is at

                  http://127.0.0.1:%d/console/   (sign in with the demo's API token: %s)

                and the API takes the same token (loopback only):

                  curl -s -H "Authorization: Bearer %s" http://127.0.0.1:%d/api/v1/channels

                Ctrl-C stops.

                """, port, dir, relay.url(), TEAM, port, API_TOKEN, API_TOKEN, port);
        fakes.ifPresent(fake -> out.printf("""
                Every channel type (plugins from %s), replies to fake provider APIs at %s, which print each call.
                Send a provider-signed test message to each:

                  bin/relaygate send --config %s --via tg "hello telegram"
                  bin/relaygate send --config %s --via discord --key %s "hello discord"
                  bin/relaygate send --config %s --via gh --conversation acme/demo --thread 7 "hello github"
                  bin/relaygate send --config %s --via hooks --conversation room-1 "hello webhooks"
                  bin/relaygate send --config %s --via slack-direct "hello slack"

                """, dir.resolve("plugins"), fake.url(), config, config, dir.resolve(DISCORD_KEY), config, config, config));
    }

    private static FakeProviders startFakes(PrintStream out) {
        return FakeProviders.builder().telegramToken(DEMO_TELEGRAM_TOKEN).discordBotToken(DEMO_DISCORD_TOKEN)
                .githubToken(DEMO_GITHUB_TOKEN).slackToken(DEMO_SLACK_TOKEN).hooksSecret(DEMO_REPLY_SECRET).out(out)
                .build().start();
    }

    /**
     * The plugin jars copied into the demo's plugins folder, a Discord key pair (the private key for {@code send
     * --key}), and one channel of each type whose replies go to the fakes.
     */
    private static String everyChannel(Path dir, FakeProviders fake) throws IOException {
        Path base = Path.of(System.getProperty(GatewayConfig.BASE_DIR, "."));
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        for (String plugin : List.of("github", "standard-webhooks", "telegram", "discord", "slack")) {
            Path target = base.resolve("plugins/" + plugin + "/target");
            Optional<Path> jar;
            try (var jars = Files.list(target)) {
                jar = jars.filter(p -> p.getFileName().toString().matches("relaygate-" + plugin + "-[0-9][^-]*(-SNAPSHOT)?\\.jar"))
                        .findFirst();
            } catch (IOException e) {
                jar = Optional.empty();
            }
            Path found = jar.orElseThrow(() -> new StartupException(
                    "the demo needs the built plugin jar in " + target + " (run: bin/relaygate build)"));
            Files.copy(found, plugins.resolve(found.getFileName()));
        }
        KeyPair discord;
        try {
            discord = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new StartupException("this JDK cannot make an Ed25519 key: " + e.getMessage(), e);
        }
        Files.writeString(dir.resolve(DISCORD_KEY), Base64.getEncoder().encodeToString(discord.getPrivate().getEncoded()));
        byte[] encoded = discord.getPublic().getEncoded();
        String publicKey = HexFormat.of().formatHex(Arrays.copyOfRange(encoded, encoded.length - 32, encoded.length));
        return """
                    tg:
                      type: telegram
                      secret-token: demo-telegram-secret
                      bot-token: "%s"
                      api-url: %s
                    discord:
                      type: discord
                      public-key: %s
                      application-id: "100000000000000001"
                      bot-token: %s
                      api-url: %s
                    gh:
                      type: github
                      secret: demo-github-secret
                      token: %s
                      api-url: %s
                    hooks:
                      type: standard-webhooks
                      secrets: [%s]
                      reply-url: %s
                      reply-secret: "%s"
                    slack-direct:
                      type: slack
                      signing-secret: demo-slack-signing-secret
                      bot-token: %s
                      api-url: %s
                """.formatted(DEMO_TELEGRAM_TOKEN, fake.telegramUrl(), publicKey, DEMO_DISCORD_TOKEN,
                              fake.discordUrl(), DEMO_GITHUB_TOKEN, fake.githubUrl(), DEMO_HOOKS_SECRET, fake.hooksUrl(),
                              DEMO_REPLY_SECRET, DEMO_SLACK_TOKEN, fake.slackUrl());
    }

    /**
     * Posts {@code {"text":…}} to the dev relay's {@code /dev/events}; prints what the gateway answered. With
     * {@code --config} and {@code --via}, signs a provider's test event for that channel instead ({@link ProviderEvents}).
     *
     * @return 0 when the gateway accepted the event
     */
    static int send(String[] args, PrintStream out) {
        if (List.of(args).contains("--via") || List.of(args).contains("--config")) {
            return new ProviderEvents(Clock.systemUTC()).send(ProviderEvents.parse(args), out);
        }
        Map<String, String> options = new HashMap<>(Map.of("--relay", "http://127.0.0.1:8081",
                                                          "--type", "direct_message",
                                                          "--channel", CONVERSATION));
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < args.length; i++) {
            if (options.containsKey(args[i]) || args[i].equals("--thread")) {
                if (i + 1 >= args.length) {
                    throw new StartupException(args[i] + " needs a value");
                }
                options.put(args[i], args[++i]);
            } else {
                text.append(text.isEmpty() ? "" : " ").append(args[i]);
            }
        }
        if (text.isEmpty()) {
            throw new StartupException("send needs a message text, for example: bin/relaygate send \"hello\"");
        }
        var event = Json.createObjectBuilder()
                .add("text", text.toString())
                .add("type", options.get("--type"))
                .add("channel", options.get("--channel"));
        Optional.ofNullable(options.get("--thread")).ifPresent(thread -> event.add("thread", thread));
        Http1Client client = Http1Client.builder().baseUri(options.get("--relay")).build();
        try (Http1ClientResponse response = client.post("/dev/events")
                .header(HeaderValues.CONTENT_TYPE_JSON)
                .submit(event.build().toString())) {
            var answer = response.as(jakarta.json.JsonObject.class);
            out.println("gateway answered " + answer.getInt("status") + " " + answer.getString("body"));
            return answer.getInt("status") == 200 ? 0 : 1;
        } catch (RuntimeException e) {
            throw new StartupException("cannot reach the dev relay at " + options.get("--relay")
                                               + " (is 'bin/relaygate demo' running?): " + e.getMessage(), e);
        }
    }

    private static Map<String, String> options(String[] args, Map<String, String> defaults) {
        Map<String, String> options = new HashMap<>(defaults);
        for (int i = 0; i < args.length; i += 2) {
            if (!defaults.containsKey(args[i]) || i + 1 >= args.length) {
                throw new StartupException("unexpected argument '" + args[i] + "'; demo takes " + defaults.keySet());
            }
            options.put(args[i], args[i + 1]);
        }
        return options;
    }

    private static int port(String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new StartupException("expected a port number, got '" + value + "'");
        }
    }
}
