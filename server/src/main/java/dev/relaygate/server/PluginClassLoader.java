package dev.relaygate.server;

import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.List;

/**
 * One class loader per plugin jar (Trino's pattern). The plugin sees the JDK, the packages the host shares with every
 * plugin (the Relaygate API, JSON-P and Helidon, so that a plugin's {@code ChannelEvent} is the host's), and its own
 * jar; nothing else of the host, so a plugin's libraries cannot clash with the server's.
 */
final class PluginClassLoader extends URLClassLoader {
    private static final List<String> SHARED_PACKAGES = List.of(
            "dev.relaygate.api.", "jakarta.json.", "org.eclipse.parsson.", "io.helidon.");
    private static final String SERVICES = "META-INF/services/";

    private final ClassLoader host;

    PluginClassLoader(Path jar, ClassLoader host) {
        super(jar.getFileName().toString(), new URL[] {toUrl(jar)}, ClassLoader.getPlatformClassLoader());
        this.host = host;
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (isShared(name)) {
            return host.loadClass(name);
        }
        // Parent is the platform loader: JDK classes first, then this jar.
        return super.loadClass(name, resolve);
    }

    @Override
    public URL getResource(String name) {
        return isSharedResource(name) ? host.getResource(name) : super.getResource(name);
    }

    @Override
    public Enumeration<URL> getResources(String name) throws IOException {
        // Relaygate's own service files come from this jar only, so ServiceLoader finds this plugin's providers and
        // not the host's again.
        return isSharedResource(name) ? host.getResources(name) : super.getResources(name);
    }

    private static boolean isShared(String className) {
        for (String prefix : SHARED_PACKAGES) {
            if (className.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isSharedResource(String name) {
        if (name.startsWith(SERVICES)) {
            String service = name.substring(SERVICES.length());
            return !service.startsWith("dev.relaygate.") && isShared(service);
        }
        return isShared(name.replace('/', '.'));
    }

    private static URL toUrl(Path jar) {
        try {
            return jar.toUri().toURL();
        } catch (MalformedURLException e) {
            throw new StartupException("plugin jar " + jar + ": " + e.getMessage(), e);
        }
    }
}
