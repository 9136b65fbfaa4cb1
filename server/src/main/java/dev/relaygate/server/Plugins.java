package dev.relaygate.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.function.Function;
import java.util.stream.Stream;

import dev.relaygate.api.spi.ChannelProvider;
import dev.relaygate.api.spi.HandlerProvider;
import dev.relaygate.server.store.DataDir;

/**
 * The channel and handler providers found on the class path and in every jar of {@code relaygate.plugins-dir}, by
 * type. A type provided twice, or a jar that cannot be loaded, stops the start with one line naming the jars.
 */
final class Plugins {
    private static final String CLASS_PATH = "the class path";

    private final Map<String, Found<ChannelProvider>> channels;
    private final Map<String, Found<HandlerProvider>> handlers;
    private final List<PluginClassLoader> loaders;

    private Plugins(Map<String, Found<ChannelProvider>> channels,
                    Map<String, Found<HandlerProvider>> handlers,
                    List<PluginClassLoader> loaders) {
        this.channels = channels;
        this.handlers = handlers;
        this.loaders = loaders;
    }

    /**
     * Discovers all plugins.
     *
     * @param host       the class loader of the server (class path plugins and shared packages)
     * @param pluginsDir the folder of drop-in jars; a missing folder means none
     * @return the plugins
     */
    static Plugins load(ClassLoader host, Path pluginsDir) {
        Map<String, Found<ChannelProvider>> channels = new LinkedHashMap<>();
        Map<String, Found<HandlerProvider>> handlers = new LinkedHashMap<>();
        List<PluginClassLoader> loaders = new ArrayList<>();
        collect(ServiceLoader.load(ChannelProvider.class, host), CLASS_PATH, ChannelProvider::type, channels, "channel");
        collect(ServiceLoader.load(HandlerProvider.class, host), CLASS_PATH, HandlerProvider::type, handlers, "handler");
        for (Path jar : jars(pluginsDir)) {
            PluginClassLoader loader = new PluginClassLoader(jar, host);
            loaders.add(loader);
            String origin = jar.toString();
            int before = channels.size() + handlers.size();
            collect(ServiceLoader.load(ChannelProvider.class, loader), origin, ChannelProvider::type, channels, "channel");
            collect(ServiceLoader.load(HandlerProvider.class, loader), origin, HandlerProvider::type, handlers, "handler");
            if (channels.size() + handlers.size() == before) {
                System.getLogger(Plugins.class.getName()).log(System.Logger.Level.WARNING,
                        "Plugin jar " + jar + " provides no channel or handler (no META-INF/services entry)");
            }
        }
        return new Plugins(Collections.unmodifiableMap(channels), Collections.unmodifiableMap(handlers), loaders);
    }

    Map<String, Found<ChannelProvider>> channels() {
        return channels;
    }

    Map<String, Found<HandlerProvider>> handlers() {
        return handlers;
    }

    List<PluginClassLoader> loaders() {
        return loaders;
    }

    private static <T> void collect(ServiceLoader<T> loader,
                                    String origin,
                                    Function<T, String> type,
                                    Map<String, Found<T>> found,
                                    String kind) {
        try {
            for (T provider : loader) {
                String name = type.apply(provider);
                if (name == null || name.isBlank()) {
                    throw new IllegalStateException(provider.getClass().getName() + ".type() is empty");
                }
                Found<T> previous = found.putIfAbsent(name, new Found<>(provider, origin));
                if (previous != null) {
                    throw new StartupException(kind + " type '" + name + "' is provided twice: by "
                                                       + previous.origin() + " and by " + origin);
                }
            }
        } catch (StartupException e) {
            throw e;
        } catch (Throwable t) {
            // A broken service file, a class missing from the jar, a type() that throws: one line naming the jar.
            Throwables.rethrowIfFatal(t);
            throw new StartupException("cannot load " + kind + " plugins from " + origin + ": " + Throwables.describe(t), t);
        }
    }

    private static List<Path> jars(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        DataDir.warnIfShared(dir, "relaygate.plugins-dir", "whoever can write there can run code in the gateway");
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".jar") && Files.isRegularFile(f))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new StartupException("relaygate.plugins-dir " + dir + ": cannot list: " + e.getMessage(), e);
        }
    }

    /**
     * A provider and where it came from (a jar path or the class path), for error messages.
     */
    record Found<T>(T provider, String origin) {
    }
}
