package dev.relaygate.server;

import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import dev.relaygate.api.spi.Counters;
import dev.relaygate.server.store.Backlog;

/**
 * The gateway's meters, in a Micrometer Prometheus registry of its own (Helidon 4.5's registries all wrap Micrometer's
 * global one, so two gateways in one JVM, as in tests, would mix their counts), served at {@code /observe/metrics}.
 */
final class GatewayMetrics {
    private static final Duration[] HANDLER_BUCKETS = {Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(25),
            Duration.ofMillis(100), Duration.ofMillis(500), Duration.ofSeconds(2), Duration.ofSeconds(10),
            Duration.ofSeconds(60)};

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    // Looked up once per channel and outcome: building a meter's id on every request is most of what a count costs.
    private final Map<String, Counter> webhooks = new ConcurrentHashMap<>();
    private final Map<String, Timer> handlers = new ConcurrentHashMap<>();

    /**
     * Labels every meter with the replica's {@code relaygate.instance-name} (several replicas on one database).
     * Called before any meter is registered. Not {@code instance}: Prometheus sets that label itself, to the target.
     */
    void replica(String instanceName) {
        registry.config().commonTags("replica", instanceName);
    }

    /**
     * {@code GET /observe/metrics}: Prometheus text.
     */
    void scrape(ServerRequest req, ServerResponse res) {
        res.header(HeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
        res.send(registry.scrape());
    }

    /**
     * A webhook request's outcome: {@code accepted}, {@code duplicate}, or the rejection reason
     * ({@code invalid_signature}, ...).
     */
    void webhook(String channel, String outcome) {
        webhooks.computeIfAbsent(channel + '\0' + outcome, key -> Counter.builder("relaygate.webhook.requests")
                .tags("channel", channel, "outcome", outcome.toLowerCase(Locale.ROOT).replace(' ', '_'))
                .register(registry)).increment();
    }

    /**
     * The webhooks a channel took so far, by outcome ({@code accepted}, {@code duplicate}, {@code invalid signature},
     * ...), for the console.
     */
    Map<String, Long> webhookCounts(String channel) {
        Map<String, Long> counts = new TreeMap<>();
        webhooks.forEach((key, counter) -> {
            if (key.startsWith(channel + '\0')) {
                counts.put(key.substring(channel.length() + 1), (long) counter.count());
            }
        });
        return counts;
    }

    void handled(String channel, Duration duration, boolean failed) {
        handlers.computeIfAbsent(channel, key -> Timer.builder("relaygate.handler.duration")
                .tags("channel", channel)
                .serviceLevelObjectives(HANDLER_BUCKETS)
                .register(registry)).record(duration);
        if (failed) {
            count("relaygate.handler.failures", "channel", channel);
        }
    }

    void deadLetter(String channel) {
        count("relaygate.dead.letters", "channel", channel);
    }

    /**
     * The backlog, its limits, and the age of the oldest event not yet handled in seconds (0 when there is none), all
     * read from the inbox's memory: a scrape costs no store query.
     */
    void inbox(Backlog backlog, Clock clock) {
        // Micrometer holds a gauge's state object weakly: the backlog, which the inbox holds, is that object.
        Gauge.builder("relaygate.inbox.backlog", backlog, Backlog::size).register(registry);
        Gauge.builder("relaygate.inbox.capacity", backlog, Backlog::capacity).register(registry);
        Gauge.builder("relaygate.inbox.backlog.bytes", backlog, Backlog::bytes).register(registry);
        Gauge.builder("relaygate.inbox.max.bytes", backlog, Backlog::maxBytes).register(registry);
        Gauge.builder("relaygate.inbox.oldest.age", backlog, b -> b.oldest()
                        .map(at -> Duration.between(at, clock.instant()).toMillis() / 1000.0)
                        .orElse(0.0))
                .baseUnit("seconds")
                .register(registry);
    }

    /**
     * Counters for one channel's plugin: {@code relaygate.<name>} with the tag {@code channel}.
     */
    Counters counters(String channel) {
        return (name, tags) -> {
            String[] all = new String[tags.length + 2];
            all[0] = "channel";
            all[1] = channel;
            System.arraycopy(tags, 0, all, 2, tags.length);
            count("relaygate." + name, all);
        };
    }

    private void count(String name, String... tags) {
        Counter.builder(name).tags(tags).register(registry).increment();
    }
}
