package dev.relaygate.server;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.helidon.common.media.type.MediaTypes;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;

/**
 * Loads the configuration in DESIGN.md section 4 order, highest first: system properties, environment variables
 * (Helidon's mapping, {@code RELAYGATE_INBOX_CAPACITY}), the plain env aliases of the relay channel
 * ({@code CHANNEL_RELAY_URL} ...), the {@code --config} file, and the bundled {@code application.yaml}; last, the
 * {@code --config} file's folder as {@code relaygate.base-dir}.
 */
final class ConfigLoader {
    static final String SLACK_RELAY = "slack-relay";

    // Env aliases of IronClaw's relay configuration, applied to every channel of type slack-relay.
    private static final Map<String, String> RELAY_ALIASES = Map.of(
            "CHANNEL_RELAY_URL", "relay-url",
            "CHANNEL_RELAY_API_KEY", "api-key",
            "CHANNEL_RELAY_TEAM_ID", "team-id",
            "CHANNEL_RELAY_SIGNING_SECRET", "signing-secret");
    private static final String TIMEOUT_ALIAS = "RELAY_REQUEST_TIMEOUT_SECS";

    private ConfigLoader() {
    }

    /**
     * Loads the configuration.
     *
     * @param file the {@code --config} file, if given
     * @param env  the process environment (a parameter so tests can pass their own)
     * @return the merged configuration
     * @throws StartupException when the file is missing or unreadable, or an alias value is unusable
     */
    static Config load(Optional<Path> file, Map<String, String> env) {
        file.ifPresent(ConfigLoader::checkReadable);
        Config base = build(file, Map.of());
        Map<String, String> aliases = aliases(base, env);
        return aliases.isEmpty() ? base : build(file, aliases);
    }

    private static Config build(Optional<Path> file, Map<String, String> aliases) {
        Config.Builder builder = Config.builder();
        if (!aliases.isEmpty()) {
            builder.addSource(ConfigSources.create(aliases).name("relay env aliases").build());
        }
        file.ifPresent(path -> builder.addSource(ConfigSources.file(path).mediaType(MediaTypes.APPLICATION_YAML).build()));
        builder.addSource(ConfigSources.classpath("application.yaml").build());
        // Relative data-dir and plugins-dir are relative to the configuration file, wherever the JVM was started.
        file.ifPresent(path -> builder.addSource(ConfigSources.create(
                Map.of(GatewayConfig.BASE_DIR, path.toAbsolutePath().normalize().getParent().toString()))
                                                         .name("the --config file's folder").build()));
        try {
            return builder.build();
        } catch (RuntimeException e) {
            throw new StartupException("cannot read the configuration: " + e.getMessage(), e);
        }
    }

    private static Map<String, String> aliases(Config base, Map<String, String> env) {
        Map<String, String> values = new LinkedHashMap<>();
        RELAY_ALIASES.forEach((variable, key) -> {
            String value = env.get(variable);
            if (value != null) {
                values.put(key, value);
            }
        });
        String timeout = env.get(TIMEOUT_ALIAS);
        if (timeout != null) {
            if (!timeout.matches("[0-9]{1,9}")) {
                throw new StartupException(TIMEOUT_ALIAS + ": expected whole seconds, got '" + timeout + "'");
            }
            values.put("request-timeout", "PT" + timeout + "S");
        }
        Map<String, String> aliases = new LinkedHashMap<>();
        if (values.isEmpty()) {
            return aliases;
        }
        for (Config channel : base.get("relaygate.channels").asNodeList().orElseGet(List::of)) {
            if (SLACK_RELAY.equals(channel.get("type").asString().orElse(""))) {
                values.forEach((key, value) -> aliases.put(channel.key() + "." + key, value));
            }
        }
        return aliases;
    }

    private static void checkReadable(Path path) {
        if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
            throw new StartupException("--config " + path + ": no such readable file");
        }
    }
}
