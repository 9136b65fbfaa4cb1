package dev.relaygate.server;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

import io.helidon.config.Config;

import dev.relaygate.api.Endpoint;
import dev.relaygate.api.Secret;
import dev.relaygate.api.SettingsException;
import dev.relaygate.api.spi.Channel;
import dev.relaygate.api.spi.ChannelContext;
import dev.relaygate.api.spi.ChannelProvider;
import dev.relaygate.api.spi.Counters;
import dev.relaygate.api.spi.EventHandler;
import dev.relaygate.api.spi.HandlerContext;
import dev.relaygate.api.spi.HandlerProvider;
import dev.relaygate.api.spi.Settings;
import dev.relaygate.api.spi.StateStore;
import dev.relaygate.server.store.PostgresSettings;

/**
 * The {@code relaygate} settings read into their parts, each step on its own: the gateway runs them in order and
 * stops at the first problem, {@link ConfigCheck} runs them all and reports every problem.
 */
final class GatewayConfig {
    /** The full key of the folder relative paths resolve against. */
    static final String BASE_DIR = "relaygate.base-dir";
    /** The longest {@code relaygate.inbox.commit-delay}: it adds to every acknowledgement under load. */
    static final Duration MAX_COMMIT_DELAY = Duration.ofMillis(100);
    /** The shortest {@code relaygate.api-token} accepted. */
    static final int MIN_API_TOKEN = 16;

    private GatewayConfig() {
    }

    /** An enabled channel whose type a plugin provides. */
    record ChannelSpec(String name, String type, ConfigSettings settings, Plugins.Found<ChannelProvider> found) {
    }

    /** How to keep the inbox; {@code postgres} is set for the type postgres only. */
    record InboxSettings(String type, int capacity, long maxBytes, Duration dedupWindow, Duration commitDelay,
                         Optional<PostgresSettings> postgres) {
    }

    /** The limits on webhook bodies while they arrive ({@link Ingress}). */
    record IngressSettings(long maxBytesInFlight, Duration bodyTimeout) {
    }

    /**
     * The channel of one {@code relaygate.channels.<name>} section; empty when it is switched off.
     */
    static Optional<ChannelSpec> channel(ConfigSettings settings, Config section, Plugins plugins) {
        ConfigSettings channel = settings.child(section);
        if (!channel.flag("enabled", true)) {
            settings.ignore(section);
            return Optional.empty();
        }
        String type = channel.required("type");
        Plugins.Found<ChannelProvider> found = plugins.channels().get(type);
        if (found == null) {
            throw new SettingsException(channel.fullKey("type"), "unknown channel type '" + type + "'; known types: "
                    + String.join(", ", new TreeSet<>(plugins.channels().keySet())));
        }
        return Optional.of(new ChannelSpec(section.name(), type, channel, found));
    }

    /**
     * Creates a channel; bad settings come back as a {@link SettingsException} naming the key.
     */
    static Channel create(ChannelSpec spec, Clock clock, StateStore state, Counters counters) {
        ChannelContext context = new HostChannelContext(spec.name(), spec.settings(), clock, state,
                                                        System.getLogger("dev.relaygate.channel." + spec.name()), counters);
        try {
            Channel channel = spec.found().provider().create(context);
            if (channel == null) {
                throw new IllegalStateException("create() returned null");
            }
            return channel;
        } catch (SettingsException e) {
            throw e;
        } catch (Throwable t) {
            // A plugin's bug or a class missing from its jar (NoClassDefFoundError): one line naming the jar.
            Throwables.rethrowIfFatal(t);
            throw new StartupException(spec.settings().prefix() + ": channel type '" + spec.type() + "' from "
                                               + spec.found().origin() + " failed: " + Throwables.describe(t), t);
        }
    }

    /**
     * The routes the channels claim: each webhook path (every method on it) and each extra endpoint (one method on its
     * path). Two claims on one route stop the start, naming the second channel.
     */
    static final class Routes {
        private final Map<String, String> webhooks = new HashMap<>();
        private final Map<String, String> endpoints = new HashMap<>();
        private final Map<String, String> endpointPaths = new HashMap<>();

        void claim(ChannelSpec spec, Channel channel) {
            String path = channel.path();
            String other = webhooks.containsKey(path) ? webhooks.get(path) : endpointPaths.get(path);
            if (other != null) {
                throw new SettingsException(spec.settings().fullKey("path"), path + " is already "
                        + (webhooks.containsKey(path) ? "the path" : "a route") + " of channel " + other);
            }
            for (Endpoint endpoint : channel.endpoints()) {
                String route = endpoint.method() + " " + endpoint.path();
                String owner = endpoints.containsKey(route) ? endpoints.get(route) : webhooks.get(endpoint.path());
                if (owner != null || endpoint.path().equals(path)) {
                    throw new StartupException(spec.settings().prefix() + ": route " + route + " is already taken by "
                            + (owner == null ? "its own webhook path" : "channel " + owner));
                }
            }
            webhooks.put(path, spec.name());
            for (Endpoint endpoint : channel.endpoints()) {
                endpoints.put(endpoint.method() + " " + endpoint.path(), spec.name());
                endpointPaths.put(endpoint.path(), spec.name());
            }
        }
    }

    static EventHandler handler(ConfigSettings settings, Plugins plugins, Clock clock) {
        ConfigSettings handler = settings.child(settings.node("handler"));
        String type = handler.text("type").orElse("log");
        Plugins.Found<HandlerProvider> found = plugins.handlers().get(type);
        if (found == null) {
            throw new SettingsException(handler.fullKey("type"), "unknown handler type '" + type + "'; known types: "
                    + String.join(", ", new TreeSet<>(plugins.handlers().keySet())));
        }
        try {
            System.Logger logger = System.getLogger("dev.relaygate.handler." + type);
            EventHandler created = found.provider().create(new HostHandlerContext(handler, clock, logger));
            if (created == null) {
                throw new IllegalStateException("create() returned null");
            }
            return created;
        } catch (SettingsException e) {
            throw e;
        } catch (Throwable t) {
            Throwables.rethrowIfFatal(t);
            throw new StartupException(handler.prefix() + ": handler type '" + type + "' from " + found.origin()
                                               + " failed: " + Throwables.describe(t), t);
        }
    }

    /**
     * The inbox; its byte limit must hold an event of the largest body twice (its raw body and its text).
     */
    static InboxSettings inbox(ConfigSettings settings, long maxPayloadSize) {
        int capacity = positive(settings, "inbox.capacity", 10_000);
        long maxBytes = twicePayload(settings, "inbox.max-bytes", 64L << 20, maxPayloadSize);
        Duration dedupWindow = settings.duration("inbox.dedup-window", Duration.ofHours(24));
        String type = settings.text("inbox.type").orElse("durable");
        if (!List.of("durable", "memory", "postgres").contains(type)) {
            throw new SettingsException(settings.fullKey("inbox.type"),
                                        "unknown inbox type '" + type + "'; known types: durable, memory, postgres");
        }
        Duration commitDelay = settings.duration("inbox.commit-delay", Duration.ofNanos(500_000));
        if (commitDelay.compareTo(MAX_COMMIT_DELAY) > 0) {
            throw new SettingsException(settings.fullKey("inbox.commit-delay"), "must be at most " + MAX_COMMIT_DELAY
                    + ", got " + commitDelay);
        }
        // Read (and checked) whatever the type, so that a key meant for postgres is never reported unknown.
        Duration leaseTimeout = settings.duration("inbox.lease-timeout", Duration.ofMinutes(1));
        if (leaseTimeout.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new SettingsException(settings.fullKey("inbox.lease-timeout"), "must be at least PT1S, got "
                    + leaseTimeout);
        }
        Optional<String> instance = instanceName(settings);
        Optional<PostgresSettings> postgres = type.equals("postgres")
                ? Optional.of(postgres(settings, leaseTimeout, instance.orElseGet(GatewayConfig::defaultInstanceName)))
                : Optional.empty();
        return new InboxSettings(type, capacity, maxBytes, dedupWindow, commitDelay, postgres);
    }

    private static PostgresSettings postgres(ConfigSettings settings, Duration leaseTimeout, String instance) {
        String url = settings.text("postgres.url").orElseThrow(() -> new SettingsException(
                settings.fullKey("postgres.url"), "required for inbox type postgres (jdbc:postgresql://host:5432/relaygate)"));
        if (!url.startsWith("jdbc:postgresql:")) {
            throw new SettingsException(settings.fullKey("postgres.url"), "must start with jdbc:postgresql:");
        }
        int poolSize = positive(settings, "postgres.pool-size", 8);
        if (poolSize < 3) {
            // The writer, the listener and at least one reader each hold a connection.
            throw new SettingsException(settings.fullKey("postgres.pool-size"), "must be at least 3, got " + poolSize);
        }
        return new PostgresSettings(url, settings.text("postgres.user"), settings.secret("postgres.password"), poolSize,
                                    leaseTimeout, instance, instance + "/" + HexFormat.of().toHexDigits(
                                            new SecureRandom().nextInt()));
    }

    /**
     * {@code relaygate.instance-name}, checked; {@link #defaultInstanceName} when absent.
     */
    private static Optional<String> instanceName(ConfigSettings settings) {
        Optional<String> name = settings.text("instance-name");
        if (name.isPresent() && (name.get().length() > 100 || !name.get().chars().allMatch(c -> c > 0x20 && c < 0x7F))) {
            throw new SettingsException(settings.fullKey("instance-name"),
                                        "must be at most 100 visible ASCII characters without spaces");
        }
        return name;
    }

    /** The host name and the process id (a name lookup: only when a replica needs a name). */
    private static String defaultInstanceName() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "localhost";
        }
        return host + "-" + ProcessHandle.current().pid();
    }

    /**
     * The ingress limits; a body of {@code server.max-payload-size} must fit into the half of the budget that large
     * bodies may use.
     */
    static IngressSettings ingress(ConfigSettings settings, long maxPayloadSize) {
        long maxBytes = twicePayload(settings, "ingress.max-bytes-in-flight", 16L << 20, maxPayloadSize);
        Duration bodyTimeout = settings.duration("ingress.body-timeout", Duration.ofSeconds(10));
        if (bodyTimeout.isZero()) {
            throw new SettingsException(settings.fullKey("ingress.body-timeout"), "must be more than zero");
        }
        return new IngressSettings(maxBytes, bodyTimeout);
    }

    /**
     * {@code relaygate.api-token}: long enough that guessing it online is hopeless. Its value is never echoed.
     */
    static Optional<Secret> apiToken(ConfigSettings settings) {
        Optional<Secret> token = settings.secret("api-token");
        if (token.isPresent()) {
            String text = token.get().text();
            if (text.length() < MIN_API_TOKEN || !text.chars().allMatch(c -> c > 0x20 && c < 0x7F)) {
                throw new SettingsException(settings.fullKey("api-token"), "must be at least " + MIN_API_TOKEN
                        + " visible ASCII characters without spaces (for example: openssl rand -hex 24)");
            }
        }
        return token;
    }

    /**
     * {@code relaygate.data-dir}, resolved against {@code relaygate.base-dir}.
     */
    static Path dataDir(ConfigSettings settings) {
        return folder(settings, "data-dir", "data");
    }

    /**
     * {@code relaygate.plugins-dir}, resolved against {@code relaygate.base-dir}.
     */
    static Path pluginsDir(ConfigSettings settings) {
        return folder(settings, "plugins-dir", "plugins");
    }

    /**
     * A folder setting: absolute as given, relative to {@code relaygate.base-dir} (the {@code --config} file's folder
     * by default), or, with neither, relative to the working directory, which is said in a warning because it depends
     * on where the process was started.
     */
    private static Path folder(ConfigSettings settings, String key, String defaultValue) {
        Optional<String> base = settings.text("base-dir");
        Path path = Path.of(settings.text(key).orElse(defaultValue));
        if (path.isAbsolute()) {
            return path.normalize();
        }
        if (base.isEmpty()) {
            System.getLogger(GatewayConfig.class.getName()).log(System.Logger.Level.WARNING, settings.fullKey(key) + " '"
                    + path + "' is relative and no --config file or " + BASE_DIR + " says to what: using the working "
                    + "directory, " + path.toAbsolutePath().normalize());
            return path.toAbsolutePath().normalize();
        }
        return Path.of(base.get()).resolve(path).toAbsolutePath().normalize();
    }

    static RetrySchedule retrySchedule(ConfigSettings settings) {
        List<Duration> pauses = settings.durations("handler.retry-schedule");
        for (int i = 0; i < pauses.size(); i++) {
            if (pauses.get(i).compareTo(RetrySchedule.MAX_RETRY_AFTER) > 0) {
                throw new SettingsException(settings.fullKey("handler.retry-schedule." + i),
                                            "must be at most " + RetrySchedule.MAX_RETRY_AFTER + ", got " + pauses.get(i));
            }
        }
        return pauses.isEmpty() ? RetrySchedule.DEFAULT : new RetrySchedule(pauses);
    }

    static int maxConcurrency(ConfigSettings settings) {
        return positive(settings, "dispatch.max-concurrency", 256);
    }

    static long dispatchBytes(ConfigSettings settings) {
        return settings.bytes("dispatch.max-bytes-in-flight", 8L << 20);
    }

    static Duration shutdownGrace(ConfigSettings settings) {
        return settings.duration("dispatch.shutdown-grace", Duration.ofSeconds(10));
    }

    /**
     * A byte limit that must hold twice the largest body (-1 when Helidon's is unlimited).
     */
    private static long twicePayload(ConfigSettings settings, String key, long defaultValue, long maxPayloadSize) {
        long bytes = settings.bytes(key, defaultValue);
        if (maxPayloadSize > 0 && bytes < 2 * maxPayloadSize) {
            throw new SettingsException(settings.fullKey(key), "must be at least twice server.max-payload-size ("
                    + 2 * maxPayloadSize + "), got " + bytes);
        }
        return bytes;
    }

    private static int positive(ConfigSettings settings, String key, int defaultValue) {
        int value = settings.integer(key, defaultValue);
        if (value < 1) {
            throw new SettingsException(settings.fullKey(key), "must be at least 1, got " + value);
        }
        return value;
    }

    private record HostChannelContext(String name, Settings settings, Clock clock, StateStore state,
                                      System.Logger logger, Counters counters) implements ChannelContext {
    }

    private record HostHandlerContext(Settings settings, Clock clock, System.Logger logger) implements HandlerContext {
    }
}
