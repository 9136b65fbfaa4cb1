package dev.relaygate.server;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

import io.helidon.config.Config;
import io.helidon.http.Method;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.helidon.webserver.observe.ObserveFeature;
import io.helidon.webserver.observe.health.HealthObserver;
import io.helidon.webserver.observe.health.HealthObserverConfig;

import dev.relaygate.api.Endpoint;
import dev.relaygate.api.SettingsException;
import dev.relaygate.api.spi.Channel;
import dev.relaygate.api.spi.EventHandler;
import dev.relaygate.api.spi.StateStore;
import dev.relaygate.server.store.DataDir;
import dev.relaygate.server.store.Inbox;
import dev.relaygate.server.store.Inboxes;
import dev.relaygate.server.store.Postgres;
import dev.relaygate.server.store.SqliteState;

/**
 * The assembled server: plugins, channels, inbox, dispatcher and the Helidon WebServer with one webhook route per
 * channel. {@link #create} validates everything and fails with a {@link StartupException}; {@link #start} cannot fail
 * on configuration.
 */
final class Gateway implements AutoCloseable {
    private static final System.Logger LOGGER = System.getLogger(Gateway.class.getName());
    private static final Duration SAMPLE_EVERY = Duration.ofSeconds(10);

    /** Lifecycle; webhooks are accepted only while ACCEPTING (503 {@code not ready} otherwise). */
    enum Phase { CREATED, STARTING, ACCEPTING, STOPPING, STOPPED }

    private final Plugins plugins;
    private final DataDir dataDir;
    private final GatewayMetrics metrics = new GatewayMetrics();
    private final Duration shutdownGrace;
    // The plugins' state: SQLite in the data dir, or the shared database.
    private final Function<String, StateStore> state;
    // What holds the state and the inbox's database: closed after the inbox.
    private final List<AutoCloseable> stores = new ArrayList<>();
    private final Map<String, Channel> channels;
    private final Inbox inbox;
    private final Ingress ingress;
    private final EventFeed feed;
    private final Dispatcher dispatcher;
    private final WebServer server;
    private final String listenAddress;
    private volatile Phase phase = Phase.CREATED;
    private volatile Thread sampler;

    private Gateway(Config config, Clock clock, Sleeper sleeper) {
        ConfigSettings settings = new ConfigSettings(config.get("relaygate"));
        List<AutoCloseable> opened = new ArrayList<>();
        try {
            this.plugins = Plugins.load(Gateway.class.getClassLoader(), GatewayConfig.pluginsDir(settings));
            opened.addAll(plugins.loaders());
            Map<String, GatewayConfig.ChannelSpec> specs = channelSpecs(settings);
            GatewayConfig.IngressSettings limits = GatewayConfig.ingress(settings, maxPayloadSize(config));
            EventHandler handler = GatewayConfig.handler(settings, plugins, clock);
            this.dataDir = DataDir.lock(GatewayConfig.dataDir(settings));
            opened.add(dataDir);
            GatewayConfig.InboxSettings inboxSettings = GatewayConfig.inbox(settings, maxPayloadSize(config));
            if (inboxSettings.postgres().isPresent()) {
                Postgres postgres = Postgres.open(inboxSettings.postgres().get());
                opened.add(postgres);
                stores.add(postgres);
                this.state = postgres::store;
                this.inbox = Inboxes.postgres(postgres, inboxSettings.capacity(), inboxSettings.maxBytes(),
                                              inboxSettings.dedupWindow(), clock);
                metrics.replica(inboxSettings.postgres().get().instanceName());
            } else {
                SqliteState sqlite = SqliteState.open(dataDir);
                opened.add(sqlite);
                stores.add(sqlite);
                this.state = sqlite::store;
                this.inbox = inbox(inboxSettings, dataDir, clock);
            }
            opened.add(inbox);
            metrics.inbox(inbox.backlog(), clock);
            this.feed = new EventFeed(clock, inbox.backlog());
            this.channels = Collections.unmodifiableMap(channels(specs, clock));
            opened.addAll(channels.values());
            this.shutdownGrace = GatewayConfig.shutdownGrace(settings);
            this.ingress = new Ingress(limits.maxBytesInFlight(), limits.bodyTimeout());
            opened.add(ingress);
            this.dispatcher = new Dispatcher(inbox, handler, channels, GatewayConfig.retrySchedule(settings),
                                             GatewayConfig.maxConcurrency(settings), GatewayConfig.dispatchBytes(settings),
                                             clock, sleeper, metrics, feed);
            Map<String, Endpoint> endpoints = endpoints(channels);
            List<ChannelReadiness> readiness = new ArrayList<>();
            channels.forEach((name, channel) -> readiness.add(
                    new ChannelReadiness(name, specs.get(name).found().provider().type(), channel, this)));
            HealthObserverConfig.Builder health = HealthObserver.builder().details(true).useSystemServices(false);
            readiness.forEach(health::addCheck);
            ApiRoutes api = new ApiRoutes(channels, readiness, inbox, GatewayConfig.apiToken(settings), metrics, feed);
            this.listenAddress = config.get("server.host").asString().orElse("0.0.0.0") + ":"
                                 + config.get("server.port").asInt().orElse(8080);
            this.server = WebServer.builder()
                    .config(config.get("server"))
                    .shutdownHook(false) // Main's hook stops the gateway in order
                    .directHandlers(JsonDirectHandler.handlers())
                    .addFeature(ObserveFeature.just(health.build()))
                    .routing(routing -> routing(routing, endpoints, clock, api))
                    .build();
        } catch (SettingsException e) {
            closeAll(opened.reversed());
            throw new StartupException(e.getMessage(), e);
        } catch (RuntimeException e) {
            closeAll(opened.reversed());
            throw e;
        }
    }

    /**
     * Builds a gateway from configuration without starting it.
     *
     * @throws StartupException naming the key or jar at fault
     */
    static Gateway create(Config config, Clock clock) {
        return new Gateway(config, clock, Sleeper.REAL);
    }

    /**
     * As {@link #create(Config, Clock)}, with the dispatcher's pauses between tries taken by the given sleeper.
     */
    static Gateway create(Config config, Clock clock, Sleeper sleeper) {
        return new Gateway(config, clock, sleeper);
    }

    Gateway start() {
        phase = Phase.STARTING;
        // Helidon 4.5 logs a listener that cannot bind and returns a server that is not running, without throwing.
        server.start();
        if (!server.isRunning()) {
            close();
            throw new StartupException("server.port: cannot listen on " + listenAddress
                                       + " (address in use or not permitted)");
        }
        dispatcher.start();
        sampler = Thread.ofVirtual().name("relaygate-console-sampler").start(this::sample);
        channels.forEach((name, channel) -> {
            try {
                channel.start();
            } catch (Throwable t) {
                // A channel that cannot start (relay down) reports it in readiness; the others keep working.
                Throwables.rethrowIfFatal(t);
                LOGGER.log(Level.WARNING, "Channel " + name + " did not start: " + Throwables.describe(t));
            }
        });
        phase = Phase.ACCEPTING;
        LOGGER.log(Level.INFO, "Relaygate accepting on port " + server.port() + " with channels " + channels.keySet()
                + ", data in " + dataDir.path());
        return this;
    }

    // The console's backlog chart: a sample every few seconds, so that a backlog that sits still is still drawn.
    private void sample() {
        try {
            while (true) {
                Thread.sleep(SAMPLE_EVERY);
                try {
                    feed.sampleBacklog();
                } catch (RuntimeException e) {
                    // A chart point is not worth stopping the samples for.
                    LOGGER.log(Level.DEBUG, "Console sample skipped: " + e);
                }
            }
        } catch (InterruptedException e) {
            // stopping
        }
    }

    int port() {
        return server.port();
    }

    boolean accepting() {
        return phase == Phase.ACCEPTING;
    }

    Phase phase() {
        return phase;
    }

    Inbox inbox() {
        return inbox;
    }

    Ingress ingress() {
        return ingress;
    }

    @Override
    public void close() {
        if (phase == Phase.STOPPED) {
            return;
        }
        // New webhooks get 503 "not ready" while running handler calls finish; then the server and the store close.
        phase = Phase.STOPPING;
        if (sampler != null) {
            sampler.interrupt();
        }
        dispatcher.stop(shutdownGrace);
        if (server.isRunning()) {
            server.stop();
        }
        inbox.close();
        ingress.close();
        List<AutoCloseable> resources = new ArrayList<>(channels.values());
        resources.addAll(stores);
        resources.addAll(plugins.loaders());
        resources.add(dataDir);
        closeAll(resources);
        phase = Phase.STOPPED;
    }

    private void routing(HttpRouting.Builder routing, Map<String, Endpoint> endpoints, Clock clock, ApiRoutes api) {
        channels.forEach((name, channel) -> {
            WebhookRoute route = new WebhookRoute(name, channel, inbox, ingress, this::accepting, clock, metrics, feed);
            routing.post(channel.path(), route::handle);
            routing.any(channel.path(), route::methodNotAllowed);
        });
        endpoints.values().forEach(endpoint -> routing.route(Method.create(endpoint.method()), endpoint.path(),
                                                             (req, res) -> endpoint(req, res, endpoint, clock, api)));
        routing.get("/observe/metrics", metrics::scrape);
        Console.register(routing);
        api.register(routing);
        api.registerFallback(routing);
    }

    /**
     * The channels' extra routes by "METHOD path" (checked for clashes when the channels were created).
     */
    private static Map<String, Endpoint> endpoints(Map<String, Channel> channels) {
        Map<String, Endpoint> endpoints = new LinkedHashMap<>();
        channels.values().forEach(channel -> channel.endpoints()
                .forEach(endpoint -> endpoints.put(endpoint.method() + " " + endpoint.path(), endpoint)));
        return endpoints;
    }

    private static void endpoint(ServerRequest req, ServerResponse res, Endpoint endpoint, Clock clock, ApiRoutes api) {
        if (endpoint.access() == Endpoint.Access.API_TOKEN && !api.authorized(req)) {
            ApiRoutes.refuse(res);
            return;
        }
        try {
            WebhookRoute.send(res, endpoint.handler().apply(WebhookRoute.requestOf(req, clock).build()));
        } catch (RuntimeException e) {
            LOGGER.log(Level.ERROR, "Endpoint " + endpoint.method() + " " + endpoint.path() + " failed", e);
            JsonErrors.send(res, 500, "internal error");
        }
    }

    static long maxPayloadSize(Config config) {
        return config.get("server.max-payload-size").asLong().orElse(-1L);
    }

    private static Inbox inbox(GatewayConfig.InboxSettings settings, DataDir dataDir, Clock clock) {
        return settings.type().equals("memory")
                ? Inboxes.memory(settings.capacity(), settings.maxBytes(), settings.dedupWindow(), clock)
                : Inboxes.sqlite(dataDir, settings.capacity(), settings.maxBytes(), settings.dedupWindow(),
                                 settings.commitDelay(), clock);
    }

    /**
     * Resolves every enabled channel's type to its provider, before anything is opened.
     */
    private Map<String, GatewayConfig.ChannelSpec> channelSpecs(ConfigSettings settings) {
        // By name: Helidon does not keep the YAML order, and start order and error messages should not vary.
        Map<String, GatewayConfig.ChannelSpec> specs = new TreeMap<>();
        for (Config node : settings.children("channels")) {
            GatewayConfig.channel(settings, node, plugins).ifPresent(spec -> specs.put(spec.name(), spec));
        }
        return specs;
    }

    private Map<String, Channel> channels(Map<String, GatewayConfig.ChannelSpec> specs, Clock clock) {
        Map<String, Channel> created = new LinkedHashMap<>();
        GatewayConfig.Routes routes = new GatewayConfig.Routes();
        try {
            specs.forEach((name, spec) -> {
                Channel channel = GatewayConfig.create(spec, clock, state.apply(name), metrics.counters(name));
                created.put(name, channel);
                routes.claim(spec, channel);
            });
            return created;
        } catch (RuntimeException e) {
            closeAll(new ArrayList<>(created.values()));
            throw e;
        }
    }

    private static void closeAll(List<? extends AutoCloseable> resources) {
        for (AutoCloseable resource : resources) {
            try {
                resource.close();
            } catch (Throwable t) {
                Throwables.rethrowIfFatal(t);
                LOGGER.log(Level.WARNING, "Closing " + resource + " failed", t);
            }
        }
    }
}
