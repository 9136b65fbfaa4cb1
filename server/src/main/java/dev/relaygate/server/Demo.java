package dev.relaygate.server;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import io.helidon.http.HeaderValues;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webclient.http1.Http1ClientResponse;

import dev.relaygate.devrelay.DevRelay;

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

    private Demo() {
    }

    static void run(String[] args, PrintStream out) {
        Map<String, String> options = options(args, Map.of("--port", "8080", "--relay-port", "8081"));
        int port = port(options.get("--port"));
        int relayPort = port(options.get("--relay-port"));
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
        try {
            Files.writeString(config, """
                    server:
                      port: %d
                      host: 127.0.0.1
                    relaygate:
                      data-dir: %s
                      api-token: %s
                      channels:
                        slack:
                          relay-url: %s
                          api-key: %s
                          team-id: %s
                      handler:
                        type: echo
                    """.formatted(port, dir.resolve("data"), API_TOKEN, relay.url(), apiKey, TEAM));
        } catch (IOException e) {
            throw new StartupException("cannot write the demo configuration: " + e.getMessage(), e);
        }
        Gateway gateway = Gateway.create(ConfigLoader.load(Optional.of(config), Map.of()), Clock.systemUTC()).start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            gateway.close();
            relay.close();
        }, "relaygate-demo-shutdown"));
        out.printf("""

                Relaygate demo
                  gateway    http://127.0.0.1:%d  (channel slack-relay, handler echo, data in %s)
                  dev relay  %s  (team %s; it signs events and prints the Slack calls it proxies)

                Send a test message from another terminal:

                  bin/relaygate send "hello relaygate"

                The dev relay prints the signed event going in and the echo reply coming out. The API takes the
                token %s (loopback only):

                  curl -s -H "Authorization: Bearer %s" http://127.0.0.1:%d/api/v1/channels

                Ctrl-C stops.

                """, port, dir, relay.url(), TEAM, API_TOKEN, API_TOKEN, port);
    }

    /**
     * Posts {@code {"text":…}} to the dev relay's {@code /dev/events}; prints what the gateway answered.
     *
     * @return 0 when the gateway accepted the event
     */
    static int send(String[] args, PrintStream out) {
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
