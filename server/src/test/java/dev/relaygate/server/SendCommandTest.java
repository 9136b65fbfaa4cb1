package dev.relaygate.server;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

import io.helidon.http.HeaderNames;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webclient.http1.Http1ClientResponse;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.relaygate.api.ChannelEvent;
import dev.relaygate.devrelay.DevRelay.Scripted;
import dev.relaygate.devrelay.FakeProviders;
import dev.relaygate.devrelay.FakeProviders.Call;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@code bin/relaygate send --config --via} for every channel type, against a gateway process with every logger at
 * FINEST whose handler echoes: each test event is signed as its provider signs it (the gateway accepts it), the echo
 * reaches the fake provider, and afterwards no bot token, interaction token, API token or key is anywhere in the log.
 */
class SendCommandTest {
    @TempDir
    Path dir;

    @Test
    void everyChannelTypeTakesASignedTestEventAndNoTokenIsLogged() throws Exception {
        Path logging = dir.resolve("logging.properties");
        Files.writeString(logging, """
                handlers=java.util.logging.ConsoleHandler
                java.util.logging.ConsoleHandler.level=ALL
                java.util.logging.SimpleFormatter.format=%4$s %3$s: %5$s%6$s%n
                .level=ALL
                """);
        KeyPair discord = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        Path key = dir.resolve("discord.key");
        Files.writeString(key, Base64.getEncoder().encodeToString(discord.getPrivate().getEncoded()));
        PluginChannels.install(dir);
        Path config = dir.resolve("config.yaml");
        Path log = dir.resolve("gateway.log");
        try (FakeProviders fake = ChannelRepliesTest.fakes()) {
            Files.writeString(config, """
                    server:
                      host: 127.0.0.1
                      port: 0
                    relaygate:
                      data-dir: %s
                      plugins-dir: %s
                      api-token: %s
                      handler:
                        type: echo
                      channels:
                        slack:
                          enabled: false
                    %s""".formatted(dir.resolve("data"), dir.resolve("plugins"), ChannelRepliesTest.API_TOKEN,
                                    ChannelRepliesTest.channels(fake, discord).indent(2)));
            ChildGateway gateway = ChildGateway.start(config, log, "-Djava.util.logging.config.file=" + logging);
            String interactionToken;
            try {
                String base = "http://127.0.0.1:" + gateway.port();
                assertThat(send(config, base, "tg", "hello telegram"), containsString("gateway answered 200 {\"ok\":true}"));
                assertThat(send(config, base, "discord", "hello discord", "--key", key.toString()),
                           containsString("gateway answered 200 {\"type\":5}"));
                assertThat(send(config, base, "gh", "hello github", "--conversation", "acme/web", "--thread", "7"),
                           containsString("gateway answered 200"));
                assertThat(send(config, base, "hooks", "hello hooks", "--conversation", "room-1"),
                           containsString("gateway answered 200"));
                assertThat(send(config, base, "slack-direct", "hello slack"), containsString("gateway answered 200"));

                assertThat(fake.await("telegram sendMessage", 1, Duration.ofSeconds(20)).json().getString("text"),
                           is("echo: hello telegram"));
                Call edit = fake.await("discord edit-original", 1, Duration.ofSeconds(20));
                assertThat(edit.json().getString("content"), is("echo: /say text:hello discord"));
                interactionToken = edit.path().split("/")[6];
                Call comment = fake.await("github create-comment", 1, Duration.ofSeconds(20));
                assertThat(comment.path(), is("/github/repos/acme/web/issues/7/comments"));
                assertThat(comment.json().getString("body"), is("echo: hello github"));
                assertThat(fake.await("hooks reply", 1, Duration.ofSeconds(20)).json().getString("text"), is("echo: hello hooks"));
                assertThat(fake.await("slack chat.postMessage", 1, Duration.ofSeconds(20)).json().getString("text"),
                           is("echo: hello slack"));

                // A refused Telegram call (its error is logged) and a proactive Discord message with the bot token.
                fake.script("telegram sendMessage", Scripted.answer(403, "{\"ok\":false,\"error_code\":403,"
                        + "\"description\":\"Forbidden: bot was kicked\"}", "Content-Type", "application/json"));
                send(config, base, "tg", "kicked");
                fake.await("telegram sendMessage", 2, Duration.ofSeconds(20));
                try (Http1ClientResponse refused = Http1Client.builder().baseUri(base).build()
                        .post("/api/v1/channels/discord/messages")
                        .header(HeaderNames.AUTHORIZATION, "Bearer " + ChannelRepliesTest.API_TOKEN)
                        .submit("{\"conversation\":\"C1\",\"text\":\"x\"}")) {
                    assertThat(refused.status().code(), is(200));
                }
                TestGateway.eventually("the refusal is logged", () -> {
                    try {
                        return Files.readString(log).contains("Forbidden: bot was kicked");
                    } catch (java.io.IOException e) {
                        return false;
                    }
                });
            } finally {
                gateway.terminate();
            }
            String output = Files.readString(log);
            assertThat("the run was logged at the finest level", output, containsString("FINEST"));
            for (String secret : List.of(ChannelRepliesTest.TELEGRAM_BOT, ChannelRepliesTest.DISCORD_BOT,
                                         ChannelRepliesTest.GITHUB_TOKEN, ChannelRepliesTest.SLACK_BOT,
                                         ChannelRepliesTest.REPLY_WHSEC.substring("whsec_".length()),
                                         ChannelRepliesTest.API_TOKEN, interactionToken, PluginChannels.TELEGRAM_TOKEN,
                                         PluginChannels.GITHUB_SECRET, PluginChannels.SLACK_SECRET)) {
                assertThat("a secret in the log: " + secret.substring(0, 4) + "...", output.contains(secret), is(false));
            }
        }
    }

    @Test
    void aRelayTestEventIsSignedWithTheConfiguredSigningSecret() throws Exception {
        try (TestGateway gw = TestGateway.relay(dir, "")) {
            String base = "http://127.0.0.1:" + gw.gateway.port();
            // At the gateway's frozen now: the relay's window is checked against it.
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int status = new ProviderEvents(TestGateway.CLOCK).send(ProviderEvents.parse(new String[] {
                    "--config", dir.resolve("config.yaml").toString(), "--via", "slack", "--gateway", base,
                    "--conversation", "D42", "--thread", "17.5", "hello", "relay"}), new PrintStream(out, true, StandardCharsets.UTF_8));
            assertThat(status, is(0));
            assertThat(out.toString(StandardCharsets.UTF_8), is("gateway answered 200 {\"ok\":true}" + System.lineSeparator()));
            ChannelEvent event = gw.recorder.next();
            assertThat(event.type(), is(ChannelEvent.DIRECT_MESSAGE));
            assertThat(event.conversation(), is("D42"));
            assertThat(event.thread(), is(Optional.of("17.5")));
            assertThat(event.text(), is("hello relay"));
        }
        StartupException missing = assertThrows(StartupException.class, () -> send(
                writeConfig("relaygate:\n  channels:\n    slack:\n      team-id: T1\n"), "http://127.0.0.1:9", "slack", "x"));
        assertThat(missing.getMessage(), containsString("relaygate.channels.slack.signing-secret: required to sign a test event"));
        StartupException unknown = assertThrows(StartupException.class, () -> send(
                writeConfig("relaygate:\n  channels:\n    slack:\n      team-id: T1\n"), "http://127.0.0.1:9", "nope", "x"));
        assertThat(unknown.getMessage(), containsString("no channel named 'nope'"));
    }

    private Path writeConfig(String yaml) throws java.io.IOException {
        Path file = dir.resolve("other.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    private static String send(Path config, String gateway, String channel, String text, String... more) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<String> args = new java.util.ArrayList<>(List.of("--config", config.toString(), "--via", channel,
                                                              "--gateway", gateway));
        args.addAll(List.of(more));
        args.add(text);
        Demo.send(args.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8));
        return out.toString(StandardCharsets.UTF_8);
    }
}
