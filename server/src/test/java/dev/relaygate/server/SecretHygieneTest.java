package dev.relaygate.server;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

import io.helidon.http.HeaderNames;
import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webclient.api.WebClient;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.relaygate.api.Secret;
import dev.relaygate.devrelay.DevRelay;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

/**
 * A full run of a gateway process with every logger at FINEST, Helidon's included: OAuth connect and the secret
 * fetch, events, forged requests, replies, the forward handler, the API with right and wrong tokens, a graceful stop.
 * No configured or fetched secret may appear anywhere in its output.
 */
class SecretHygieneTest {
    private static final String API_KEY = "sk-agent-hygiene-7c1f6a9e0d7b";
    private static final String API_TOKEN = "api-token-hygiene-4a519d52";
    private static final String WHSEC = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    @TempDir
    Path dir;

    @Test
    void noSecretInAnyLogLine() throws Exception {
        Path logging = dir.resolve("logging.properties");
        Files.writeString(logging, """
                handlers=java.util.logging.ConsoleHandler
                java.util.logging.ConsoleHandler.level=ALL
                java.util.logging.SimpleFormatter.format=%4$s %3$s: %5$s%6$s%n
                .level=ALL
                """);
        DevRelay relay = DevRelay.builder().apiKey(API_KEY).teamId("T0HYG").build().start();
        FakeAgent agent = new FakeAgent();
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, """
                server:
                  host: 127.0.0.1
                  port: 0
                relaygate:
                  data-dir: %s
                  plugins-dir: %s
                  api-token: %s
                  handler:
                    type: forward
                    url: %s
                    secret: %s
                    retry-schedule: [PT0S]
                  channels:
                    slack:
                      relay-url: %s
                      api-key: %s
                """.formatted(dir.resolve("data"), dir.resolve("plugins"), API_TOKEN, agent.url(), WHSEC, relay.url(),
                              API_KEY));
        Path log = dir.resolve("gateway.log");
        ChildGateway gateway = ChildGateway.start(config, log, "-Djava.util.logging.config.file=" + logging);
        String relaySecret = relay.signingSecretHex();
        try {
            String base = "http://127.0.0.1:" + gateway.port();
            relay.gateway(URI.create(base));
            WebClient browser = WebClient.builder().followRedirects(false).build();

            // Connect: the API call, the relay's consent page, the callback that fetches the secret.
            String authorize;
            try (HttpClientResponse connect = browser.get().uri(URI.create(base + "/api/v1/channels/slack/connect"))
                    .header(HeaderNames.AUTHORIZATION, "Bearer " + API_TOKEN).request()) {
                authorize = connect.headers().first(HeaderNames.LOCATION).orElseThrow();
            }
            String callback;
            try (HttpClientResponse slack = browser.get().uri(URI.create(authorize)).request()) {
                callback = slack.headers().first(HeaderNames.LOCATION).orElseThrow();
            }
            try (HttpClientResponse page = browser.get().uri(URI.create(callback)).request()) {
                assertThat(page.as(String.class), containsString("Slack Connected!"));
            }
            relaySecret = relay.signingSecretHex();

            // Events: accepted and forged; the agent answers with a reply, then fails once.
            agent.answer(new FakeAgent.Answer(200, "{\"reply\":{\"text\":\"hi\"}}"), new FakeAgent.Answer(500, "no"));
            assertThat(relay.message("direct_message", "D1", "hello", Optional.empty()).status(), is(200));
            assertThat(relay.message("direct_message", "D1", "again", Optional.empty()).status(), is(200));
            String ts = Long.toString(java.time.Instant.now().getEpochSecond());
            try (HttpClientResponse forged = browser.post().uri(URI.create(base + "/relay/events"))
                    .header(HeaderNames.create("X-Relay-Timestamp"), ts)
                    .header(HeaderNames.create("X-Relay-Signature"), DevRelay.sign(Secret.ofHex(relaySecret), ts, "{}") + "0")
                    .submit("{\"id\":\"forged\"}")) {
                assertThat(forged.status().code(), is(401));
            }
            agent.next();
            agent.next();
            relay.await("/proxy/slack/chat.postMessage", 1, Duration.ofSeconds(10));

            // The API, with the token and with a wrong one.
            try (HttpClientResponse sent = browser.post().uri(URI.create(base + "/api/v1/channels/slack/messages"))
                    .header(HeaderNames.AUTHORIZATION, "Bearer " + API_TOKEN)
                    .submit("{\"conversation\":\"C1\",\"text\":\"deploy done\"}")) {
                assertThat(sent.status().code(), is(200));
            }
            try (HttpClientResponse refused = browser.get().uri(URI.create(base + "/api/v1/channels"))
                    .header(HeaderNames.AUTHORIZATION, "Bearer " + API_TOKEN + "x").request()) {
                assertThat(refused.status().code(), is(401));
            }
        } finally {
            gateway.terminate();
            agent.close();
            relay.close();
        }

        String output = Files.readString(log);
        assertThat("the run was logged at the finest level", output, containsString("FINEST"));
        assertThat("the relay calls were logged", output, containsString("Relay POST /proxy/slack/chat.postMessage -> 200"));
        assertThat("the forged request was logged, without its signature", output,
                   containsString("Rejected webhook on channel slack from 127.0.0.1: 401 invalid signature"));
        List<String> secrets = List.of(API_KEY, API_TOKEN, WHSEC, WHSEC.substring("whsec_".length()), relaySecret,
                                       relaySecret.toUpperCase(),
                                       Base64.getEncoder().encodeToString(HexFormat.of().parseHex(relaySecret)));
        for (String secret : secrets) {
            assertThat("a secret in the log", output.contains(secret), is(false));
        }
        assertThat(output, not(containsString("Bearer ")));
    }
}
