package dev.relaygate.server;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import io.helidon.config.Config;

import dev.relaygate.api.SettingsException;
import dev.relaygate.api.spi.Channel;
import dev.relaygate.api.spi.Counters;
import dev.relaygate.api.spi.StateStore;

/**
 * {@code check-config}, and the first thing {@code serve} does: every problem of a configuration on its own line naming
 * the key, and the keys nothing reads as warnings. It loads the plugins and creates the channels and the handler
 * (which validate their settings) but opens no data folder, port or connection.
 */
final class ConfigCheck {
    private ConfigCheck() {
    }

    /**
     * What the check found.
     *
     * @param problems lines naming a key; the gateway cannot start with any
     * @param warnings keys nothing reads (a typo, or a setting of another version)
     */
    record Report(List<String> problems, List<String> warnings) {
    }

    static Report run(Config config) {
        ConfigSettings settings = new ConfigSettings(config.get("relaygate"));
        long maxPayloadSize = Gateway.maxPayloadSize(config);
        Plugins plugins;
        try {
            plugins = Plugins.load(ConfigCheck.class.getClassLoader(), GatewayConfig.pluginsDir(settings));
        } catch (SettingsException | StartupException e) {
            return new Report(List.of(e.getMessage()), List.of());
        }
        List<String> problems = new ArrayList<>();
        try {
            GatewayConfig.dataDir(settings);
            check(settings, problems, () -> GatewayConfig.apiToken(settings));
            check(settings, problems, () -> GatewayConfig.inbox(settings, maxPayloadSize));
            check(settings, problems, () -> GatewayConfig.ingress(settings, maxPayloadSize));
            check(settings, problems, () -> GatewayConfig.maxConcurrency(settings));
            check(settings, problems, () -> GatewayConfig.dispatchBytes(settings));
            check(settings, problems, () -> GatewayConfig.shutdownGrace(settings));
            check(settings, problems, () -> GatewayConfig.retrySchedule(settings));
            check(settings, problems, () -> GatewayConfig.handler(settings, plugins, Clock.systemUTC()));
            GatewayConfig.Routes routes = new GatewayConfig.Routes();
            List<Config> sections = new ArrayList<>(check(settings, problems, () -> settings.children("channels")).orElse(List.of()));
            sections.sort(Comparator.comparing(Config::name)); // as the gateway sets them up
            for (Config section : sections) {
                if (check(settings, problems, () -> channel(settings, section, plugins, routes)).isEmpty()) {
                    // Its other keys were never read: they are not unknown, the channel is broken.
                    settings.ignore(section);
                }
            }
        } finally {
            plugins.loaders().forEach(ConfigCheck::close);
        }
        List<String> warnings = settings.unread().stream().map(key -> key + ": unknown key, ignored").toList();
        return new Report(problems, warnings);
    }

    private static String channel(ConfigSettings settings, Config section, Plugins plugins, GatewayConfig.Routes routes) {
        Optional<GatewayConfig.ChannelSpec> spec = GatewayConfig.channel(settings, section, plugins);
        if (spec.isEmpty()) {
            return "off";
        }
        Channel channel = GatewayConfig.create(spec.get(), Clock.systemUTC(), new ScratchState(), Counters.NONE);
        try {
            routes.claim(spec.get(), channel);
            return channel.path();
        } finally {
            close(channel);
        }
    }

    private static <T> Optional<T> check(ConfigSettings settings, List<String> problems, Supplier<T> step) {
        try {
            return Optional.ofNullable(step.get());
        } catch (SettingsException e) {
            for (SettingsException problem : e.problems()) {
                problems.add(problem.getMessage());
                settings.ignoreAround(problem.key());
            }
            return Optional.empty();
        } catch (StartupException e) {
            problems.add(e.getMessage());
            return Optional.empty();
        }
    }

    private static void close(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            System.getLogger(ConfigCheck.class.getName()).log(System.Logger.Level.DEBUG, "close failed", e);
        }
    }

    /**
     * Plugin state for channels created only to validate their settings: nothing is kept.
     */
    private static final class ScratchState implements StateStore {
        private final Map<String, String> values = new ConcurrentHashMap<>();

        @Override
        public Optional<String> get(String key) {
            return Optional.ofNullable(values.get(key));
        }

        @Override
        public void put(String key, String value) {
            values.put(key, value);
        }

        @Override
        public Optional<String> take(String key) {
            return Optional.ofNullable(values.remove(key));
        }
    }
}
