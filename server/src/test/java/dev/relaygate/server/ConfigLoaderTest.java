package dev.relaygate.server;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import io.helidon.config.Config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    @Test
    void defaultsComeFromApplicationYaml() {
        Config config = ConfigLoader.load(Optional.empty(), Map.of());
        assertThat(config.get("server.port").asInt().get(), is(8080));
        assertThat(config.get("relaygate.channels.slack.type").asString().get(), is("slack-relay"));
        assertThat(config.get("relaygate.channels.slack.path").asString().get(), is("/relay/events"));
        assertThat(config.get("relaygate.inbox.capacity").asInt().get(), is(10000));
    }

    @Test
    void fileOverlaysDefaults() throws Exception {
        Path file = dir.resolve("relaygate.yml");
        Files.writeString(file, "relaygate:\n  inbox:\n    capacity: 5\n");
        Config config = ConfigLoader.load(Optional.of(file), Map.of());
        assertThat(config.get("relaygate.inbox.capacity").asInt().get(), is(5));
        assertThat(config.get("relaygate.channels.slack.type").asString().get(), is("slack-relay"));
    }

    @Test
    void relayAliasesSetEverySlackRelayChannel() throws Exception {
        Path file = dir.resolve("config.yaml");
        Files.writeString(file, """
                relaygate:
                  channels:
                    slack:
                      relay-url: http://from-file
                    second:
                      type: slack-relay
                      path: /second
                    gh:
                      type: github
                """);
        Config config = ConfigLoader.load(Optional.of(file), Map.of(
                "CHANNEL_RELAY_URL", "http://relay.test:3001",
                "CHANNEL_RELAY_API_KEY", "sk-agent-1",
                "CHANNEL_RELAY_TEAM_ID", "T123",
                "CHANNEL_RELAY_SIGNING_SECRET", TestGateway.SECRET_HEX,
                "RELAY_REQUEST_TIMEOUT_SECS", "60"));
        for (String channel : new String[] {"slack", "second"}) {
            Config node = config.get("relaygate.channels." + channel);
            assertThat(node.get("relay-url").asString().get(), is("http://relay.test:3001"));
            assertThat(node.get("api-key").asString().get(), is("sk-agent-1"));
            assertThat(node.get("team-id").asString().get(), is("T123"));
            assertThat(node.get("signing-secret").asString().get(), is(TestGateway.SECRET_HEX));
            assertThat(new ConfigSettings(node).duration("request-timeout", Duration.ZERO), is(Duration.ofSeconds(60)));
        }
        assertThat(config.get("relaygate.channels.gh.relay-url").exists(), is(false));
    }

    @Test
    void systemPropertiesOverrideTheFile() throws Exception {
        Path file = dir.resolve("config.yaml");
        Files.writeString(file, "relaygate:\n  inbox:\n    capacity: 5\n");
        System.setProperty("relaygate.inbox.capacity", "7");
        try {
            assertThat(ConfigLoader.load(Optional.of(file), Map.of()).get("relaygate.inbox.capacity").asInt().get(), is(7));
        } finally {
            System.clearProperty("relaygate.inbox.capacity");
        }
    }

    @Test
    void badTimeoutAlias() {
        StartupException e = assertThrows(StartupException.class,
                                          () -> ConfigLoader.load(Optional.empty(), Map.of("RELAY_REQUEST_TIMEOUT_SECS", "30s")));
        assertThat(e.getMessage(), is("RELAY_REQUEST_TIMEOUT_SECS: expected whole seconds, got '30s'"));
    }
}
