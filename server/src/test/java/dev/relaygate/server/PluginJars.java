package dev.relaygate.server;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

import dev.relaygate.api.spi.ChannelProvider;

/**
 * Builds a real plugin jar at test time: compiles Java sources against the api alone (as a third party would) and
 * packs them with their {@code META-INF/services} entry. The classes exist nowhere on the test class path.
 */
final class PluginJars {
    private PluginJars() {
    }

    /**
     * @param jar       where to write the jar
     * @param sources   fully qualified class name to source text
     * @param providers fully qualified names of the ChannelProvider implementations
     */
    static Path build(Path jar, Map<String, String> sources, List<String> providers) throws IOException {
        Path work = Files.createTempDirectory("relaygate-plugin-src");
        Path classes = work.resolve("classes");
        Files.createDirectories(classes);
        List<String> args = new ArrayList<>(List.of("--release", "21", "-proc:none", "-classpath", apiClassPath(),
                                                    "-d", classes.toString()));
        for (Map.Entry<String, String> source : sources.entrySet()) {
            Path file = work.resolve(source.getKey().replace('.', '/') + ".java");
            Files.createDirectories(file.getParent());
            Files.writeString(file, source.getValue());
            args.add(file.toString());
        }
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        int status = compiler.run(null, null, null, args.toArray(String[]::new));
        if (status != 0) {
            throw new IllegalStateException("plugin sources did not compile");
        }
        Files.createDirectories(jar.getParent());
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file);
             Stream<Path> files = Files.walk(classes)) {
            for (Path path : files.filter(Files::isRegularFile).toList()) {
                out.putNextEntry(new JarEntry(classes.relativize(path).toString().replace('\\', '/')));
                out.write(Files.readAllBytes(path));
                out.closeEntry();
            }
            out.putNextEntry(new JarEntry("META-INF/services/" + ChannelProvider.class.getName()));
            out.write((String.join("\n", providers) + "\n").getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
        }
        return jar;
    }

    private static String apiClassPath() {
        try {
            return Path.of(ChannelProvider.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
