package dev.relaygate.server;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

import io.helidon.config.Config;

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

/**
 * The {@code relaygate} settings read into their parts, each step on its own: the gateway runs them in order and
 * stops at the first problem, {@link ConfigCheck} runs them all and reports every problem.
 */
final class GatewayConfig {
    private GatewayConfig() {
    }

    /** An enabled channel whose type a plugin provides. */
    record ChannelSpec(String name, ConfigSettings settings, Plugins.Found<ChannelProvider> found) {
    }

    /** How to keep the inbox. */
    record InboxSettings(String type, int capacity, Duration dedupWindow) {
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
        return Optional.of(new ChannelSpec(section.name(), channel, found));
    }

    /**
     * Creates a channel; bad settings come back as a {@link SettingsException} naming the key.
     */
    static Channel create(ChannelSpec spec, Clock clock, StateStore state, Counters counters) {
        ChannelContext context = new HostChannelContext(spec.name(), spec.settings(), clock, state,
                                                        System.getLogger("dev.relaygate.channel." + spec.name()), counters);
        try {
            return spec.found().provider().create(context);
        } catch (SettingsException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new StartupException(spec.settings().prefix() + ": channel type '" + spec.found().provider().type()
                                               + "' from " + spec.found().origin() + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * Claims a channel's webhook path; a path two channels claim stops the start, naming the second one's key.
     *
     * @param paths the paths claimed so far, by channel name
     */
    static void claimPath(Map<String, String> paths, ChannelSpec spec, String path) {
        String other = paths.putIfAbsent(path, spec.name());
        if (other != null) {
            throw new SettingsException(spec.settings().fullKey("path"), path + " is already the path of channel " + other);
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
        return found.provider().create(new HostHandlerContext(handler, clock,
                                                              System.getLogger("dev.relaygate.handler." + type)));
    }

    static InboxSettings inbox(ConfigSettings settings) {
        int capacity = positive(settings, "inbox.capacity", 10_000);
        Duration dedupWindow = settings.duration("inbox.dedup-window", Duration.ofHours(24));
        String type = settings.text("inbox.type").orElse("durable");
        if (!type.equals("durable") && !type.equals("memory")) {
            throw new SettingsException(settings.fullKey("inbox.type"),
                                        "unknown inbox type '" + type + "'; known types: durable, memory");
        }
        return new InboxSettings(type, capacity, dedupWindow);
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

    static Duration shutdownGrace(ConfigSettings settings) {
        return settings.duration("dispatch.shutdown-grace", Duration.ofSeconds(10));
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
