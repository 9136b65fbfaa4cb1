package dev.relaygate.server;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;

/**
 * {@code check-config}: every problem on its own line naming the key, unknown keys as warnings, nothing started.
 */
class ConfigCheckTest {
    @TempDir
    Path dir;

    @Test
    void reportsEveryProblemNotJustTheFirst() {
        ConfigCheck.Report report = ConfigCheck.run(TestGateway.config(dir, """
                inbox:
                  dedup-window: soon
                dispatch:
                  max-concurency: 5
                handler:
                  type: forward
                  url: ftp://agent.test
                channels:
                  slack:
                    signing-secret: abc
                  gh:
                    type: github
                    path: /gh
                  other:
                    type: slack-relay
                    path: /other
                    api-key: sk-1
                """, ""));
        assertThat(report.problems(), is(List.of(
                "relaygate.inbox.dedup-window: expected an ISO-8601 duration such as PT30S, got 'soon'",
                "relaygate.handler.url: expected an http or https URL with a host",
                "relaygate.channels.gh.type: unknown channel type 'github'; known types: faulty, gated, slack-relay",
                "relaygate.channels.other.relay-url: required when api-key is set",
                "relaygate.channels.slack.signing-secret: expected 64 hex characters (32 bytes), got 3 characters")));
        assertThat(report.warnings(), is(List.of("relaygate.dispatch.max-concurency: unknown key, ignored")));
        assertThat("nothing was opened", Files.exists(dir.resolve("data")), is(false));
    }

    @Test
    void aGoodConfigurationHasNoWarnings() {
        ConfigCheck.Report report = ConfigCheck.run(TestGateway.config(dir, """
                api-token: check-config-api-token
                dispatch:
                  max-concurrency: 8
                handler:
                  type: recording
                  id: check
                  retry-schedule: [PT1S, PT1M]
                channels:
                  slack:
                    relay-url: https://relay.test
                    api-key: sk-1
                    team-id: T1
                  off:
                    enabled: false
                    type: nothing-provides-this
                """, ""));
        assertThat(report.problems(), empty());
        assertThat("the defaults and a channel that is off are not unknown", report.warnings(), empty());
    }

    @Test
    void theCommandPrintsOneLinePerProblemAndExits2() throws Exception {
        Path config = dir.resolve("bad.yaml");
        Files.writeString(config, """
                relaygate:
                  data-dir: %s
                  inbox:
                    type: disk
                  channels:
                    slack:
                      signing-secret: %s
                      tolerence: PT1M
                """.formatted(dir.resolve("data"), TestGateway.SECRET_HEX));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.checkConfig(new String[] {"--config", config.toString()}, new PrintStream(out, true, StandardCharsets.UTF_8),
                                      new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(err.toString(StandardCharsets.UTF_8), is("""
                relaygate: warning: relaygate.channels.slack.tolerence: unknown key, ignored
                relaygate: relaygate.inbox.type: unknown inbox type 'disk'; known types: durable, memory, postgres
                """));
        assertThat(status, is(2));
        assertThat(out.toString(StandardCharsets.UTF_8), is(""));

        Files.writeString(config, Files.readString(config).replace("type: disk", "type: memory"));
        err.reset();
        assertThat(Main.checkConfig(new String[] {"--config", config.toString()}, new PrintStream(out, true, StandardCharsets.UTF_8),
                                    new PrintStream(err, true, StandardCharsets.UTF_8)), is(0));
        assertThat(out.toString(StandardCharsets.UTF_8), is("relaygate: configuration OK\n"));
        assertThat(err.toString(StandardCharsets.UTF_8), is("relaygate: warning: relaygate.channels.slack.tolerence: unknown key, ignored\n"));
    }

    @Test
    void severalProblemsOfOneChannelAndOfTheLimitsAreAllReported() {
        ConfigCheck.Report report = ConfigCheck.run(TestGateway.config(dir, """
                api-token: short
                ingress:
                  max-bytes-in-flight: 1000
                  body-timeout: PT0S
                inbox:
                  max-bytes: lots
                dispatch:
                  max-bytes-in-flight: 0
                channels:
                  slack:
                    signing-secret: abc
                    request-timeout: soon
                    tolerance: later
                """, ""));
        assertThat(report.problems(), is(List.of(
                "relaygate.api-token: must be at least 16 visible ASCII characters without spaces (for example: openssl rand -hex 24)",
                "relaygate.inbox.max-bytes: expected a whole number of bytes (at least 1), got 'lots'",
                "relaygate.ingress.max-bytes-in-flight: must be at least twice server.max-payload-size (2097152), got 1000",
                "relaygate.dispatch.max-bytes-in-flight: expected a whole number of bytes (at least 1), got '0'",
                "relaygate.channels.slack.signing-secret: expected 64 hex characters (32 bytes), got 3 characters",
                "relaygate.channels.slack.request-timeout: expected an ISO-8601 duration such as PT30S, got 'soon'",
                "relaygate.channels.slack.tolerance: expected an ISO-8601 duration such as PT30S, got 'later'")));
        assertThat("the API token is never shown", String.join("\n", report.problems()).contains("short"), is(false));
    }

    @Test
    void relativeFoldersAreRelativeToTheConfigurationFile() throws Exception {
        Path etc = dir.resolve("etc");
        Files.createDirectories(etc);
        Path config = etc.resolve("relaygate.yaml");
        Files.writeString(config, "relaygate:\n  data-dir: ../var/data\n");
        ConfigSettings settings = new ConfigSettings(ConfigLoader.load(Optional.of(config), Map.of()).get("relaygate"));
        assertThat(GatewayConfig.dataDir(settings), is(dir.resolve("var").resolve("data").toAbsolutePath()));
        assertThat(GatewayConfig.pluginsDir(settings), is(etc.resolve("plugins").toAbsolutePath()));

        // Without a file (and without relaygate.base-dir) it is the working directory, as a warning says.
        ConfigSettings bare = new ConfigSettings(ConfigLoader.load(Optional.empty(), Map.of()).get("relaygate"));
        assertThat(GatewayConfig.dataDir(bare), is(Path.of("data").toAbsolutePath()));
    }
}
