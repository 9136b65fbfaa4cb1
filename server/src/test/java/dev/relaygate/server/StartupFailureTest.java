package dev.relaygate.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Startup refuses bad configuration with one line that names the key or jar at fault.
 */
class StartupFailureTest {
    @TempDir
    Path dir;

    private String failure(String relaygateYaml) {
        return TestGateway.startupFailure(dir, relaygateYaml);
    }

    @Test
    void unknownChannelType() {
        assertThat(failure("channels:\n  x:\n    type: nope"),
                   is("relaygate.channels.x.type: unknown channel type 'nope'; known types: faulty, gated, slack-relay"));
    }

    @Test
    void unknownHandlerType() {
        assertThat(failure("handler:\n  type: nope"),
                   containsString("relaygate.handler.type: unknown handler type 'nope'; known types: "));
    }

    @Test
    void missingRequiredKeys() {
        assertThat(failure("channels:\n  x:\n    path: /x"), is("relaygate.channels.x.type: required"));
        assertThat("no secret and no relay to fetch one from", failure("channels:\n  slack:\n    team-id: T1"),
                   is("relaygate.channels.slack.relay-url: required unless signing-secret is set (env CHANNEL_RELAY_URL)"));
        assertThat(failure("channels:\n  slack:\n    relay-url: https://relay.test"),
                   is("relaygate.channels.slack.api-key: required when relay-url is set"));
        assertThat(failure("channels:\n  slack:\n    api-key: sk-agent-abc"),
                   is("relaygate.channels.slack.relay-url: required when api-key is set"));
    }

    @Test
    void unparseableValues() {
        assertThat(failure("inbox:\n  capacity: lots"), is("relaygate.inbox.capacity: expected a whole number, got 'lots'"));
        assertThat(failure("inbox:\n  capacity: 0"), is("relaygate.inbox.capacity: must be at least 1, got 0"));
        assertThat(failure("channels:\n  slack:\n    signing-secret: " + TestGateway.SECRET_HEX + "\n    tolerance: 5 minutes"),
                   is("relaygate.channels.slack.tolerance: expected an ISO-8601 duration such as PT30S, got '5 minutes'"));
        assertThat(failure("channels:\n  slack:\n    enabled: maybe"),
                   is("relaygate.channels.slack.enabled: expected true or false, got 'maybe'"));
        assertThat(failure("channels:\n  slack:\n    relay-url: ftp://relay.test\n    api-key: k"),
                   is("relaygate.channels.slack.relay-url: expected an http or https URL, got 'ftp://relay.test'"));
    }

    @Test
    void badSecretsAreNamedButNeverShown() {
        String shortSecret = "deadbeefcafe";
        String message = failure("channels:\n  slack:\n    signing-secret: " + shortSecret);
        assertThat(message, is("relaygate.channels.slack.signing-secret: expected 64 hex characters (32 bytes), got 12 characters"));
        String notHex = "zz" + TestGateway.SECRET_HEX.substring(2);
        message = failure("channels:\n  slack:\n    signing-secret: " + notHex);
        assertThat(message, is("relaygate.channels.slack.signing-secret: expected 64 hex characters (32 bytes): not a hex string"));
        assertThat(message, not(containsString(notHex.substring(2, 20))));
    }

    @Test
    void twoChannelsOnOnePath() {
        assertThat(failure("channels:\n  slack:\n    signing-secret: " + TestGateway.SECRET_HEX
                                   + "\n  other:\n    type: slack-relay\n    path: /relay/events\n    signing-secret: "
                                   + TestGateway.SECRET_HEX),
                   // Channels are set up in name order.
                   is("relaygate.channels.slack.path: /relay/events is already the path of channel other"));
    }

    @Test
    void aTypeProvidedTwiceNamesBothOrigins() throws IOException {
        Path jar = dir.resolve("plugins").resolve("impostor.jar");
        PluginJars.build(jar, Map.of("com.example.impostor.Impostor", """
                package com.example.impostor;
                public final class Impostor implements dev.relaygate.api.spi.ChannelProvider {
                    public String type() { return "slack-relay"; }
                    public dev.relaygate.api.spi.Channel create(dev.relaygate.api.spi.ChannelContext context) {
                        throw new UnsupportedOperationException();
                    }
                }
                """), List.of("com.example.impostor.Impostor"));
        assertThat(failure(""), is("channel type 'slack-relay' is provided twice: by the class path and by " + jar));
    }

    @Test
    void aPluginWhoseTypeFailsIsOneLineNamingItsJar() throws IOException {
        Path jar = dir.resolve("plugins").resolve("broken-type.jar");
        PluginJars.build(jar, Map.of("com.example.broken.BrokenType", """
                package com.example.broken;
                public final class BrokenType implements dev.relaygate.api.spi.ChannelProvider {
                    public String type() { throw new IllegalStateException("no type today"); }
                    public dev.relaygate.api.spi.Channel create(dev.relaygate.api.spi.ChannelContext context) {
                        throw new UnsupportedOperationException();
                    }
                }
                """), List.of("com.example.broken.BrokenType"));
        assertThat(failure(""), is("cannot load channel plugins from " + jar + ": IllegalStateException: no type today"));
    }

    @Test
    void aPluginThatCannotCreateItsChannelIsOneLineNamingItsJar() throws IOException {
        Path jar = dir.resolve("plugins").resolve("missing-class.jar");
        PluginJars.build(jar, Map.of("com.example.broken.MissingClass", """
                package com.example.broken;
                public final class MissingClass implements dev.relaygate.api.spi.ChannelProvider {
                    public String type() { return "missing-class"; }
                    public dev.relaygate.api.spi.Channel create(dev.relaygate.api.spi.ChannelContext context) {
                        // What a class left out of the plugin's jar looks like at run time.
                        throw new NoClassDefFoundError("com/example/broken/Helper");
                    }
                }
                """), List.of("com.example.broken.MissingClass"));
        assertThat(failure("channels:\n  slack:\n    enabled: false\n  x:\n    type: missing-class"),
                   is("relaygate.channels.x: channel type 'missing-class' from " + jar
                              + " failed: NoClassDefFoundError: com/example/broken/Helper"));
    }

    @Test
    void aShortApiTokenIsRefusedWithoutShowingIt() {
        String message = failure("api-token: \"hunter2 hunter2\"\nchannels:\n  slack:\n    enabled: false");
        assertThat(message, is("relaygate.api-token: must be at least 16 visible ASCII characters without spaces "
                                       + "(for example: openssl rand -hex 24)"));
    }

    @Test
    void aTakenPortIsNamedAndReleasesEverything() throws IOException {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            String relay = "channels:\n  slack:\n    signing-secret: " + TestGateway.SECRET_HEX;
            Gateway gateway = Gateway.create(TestGateway.config(dir, relay, "port: " + taken.getLocalPort()),
                                             TestGateway.CLOCK);
            StartupException e = assertThrows(StartupException.class, gateway::start);
            assertThat(e.getMessage(), is("server.port: cannot listen on 127.0.0.1:" + taken.getLocalPort()
                                          + " (address in use or not permitted)"));
            assertThat(gateway.phase(), is(Gateway.Phase.STOPPED));
        }
        // The state store was closed: a second gateway on the same data folder starts.
        try (TestGateway again = TestGateway.relay(dir, "")) {
            assertThat(again.gateway.accepting(), is(true));
        }
    }

    @Test
    void missingConfigFile() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Optional<Gateway> gateway = Main.serve(new String[] {"--config", dir.resolve("nope.yaml").toString()},
                                               new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(gateway.isPresent(), is(false));
        assertThat(err.toString(StandardCharsets.UTF_8),
                   is("relaygate: --config " + dir.resolve("nope.yaml") + ": no such readable file" + System.lineSeparator()));
    }

    @Test
    void mainExitsWithStatus2AndOneLine() throws Exception {
        Path config = dir.resolve("bad.yaml");
        Files.writeString(config, "relaygate:\n  channels:\n    slack:\n      type: slak-relay\n");
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                                             Main.class.getName(), "serve", "--config", config.toString())
                .directory(dir.toFile())
                .start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS), is(true));
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.exitValue(), is(2));
        assertThat(err, is("relaygate: relaygate.channels.slack.type: unknown channel type 'slak-relay'; known types: "
                                   + "faulty, gated, slack-relay\n"));
    }
}
