package dev.relaygate.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code new-channel NAME}: a channel plugin module under {@code plugins/NAME/} of this checkout (pom, provider,
 * channel with a verifier from the api toolkit, service file, a test that drives one signed request through it, a
 * README), added to the root pom's modules. It builds and its test passes as generated.
 */
final class NewChannel {
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9]*(-[a-z0-9]+)*");
    private static final Pattern VERSION = Pattern.compile(
            "<artifactId>relaygate-project</artifactId>\\s*<version>([^<]+)</version>");
    private static final String SERVER_MODULE = "<module>server</module>";

    private NewChannel() {
    }

    /**
     * Writes the module; prints what was made and what to do next.
     *
     * @param args the name
     * @param root the checkout's root folder
     * @param out  where to print
     */
    static void run(String[] args, Path root, PrintStream out) {
        if (args.length != 1 || !NAME.matcher(args[0]).matches() || args[0].length() > 40) {
            throw new StartupException("usage: new-channel NAME, a type name in lower case with dashes "
                                               + "(for example: my-chat), at most 40 characters");
        }
        String name = args[0];
        Path pom = root.resolve("pom.xml");
        Path module = root.resolve("plugins").resolve(name);
        try {
            String project = Files.readString(pom);
            Matcher version = VERSION.matcher(project);
            if (!version.find() || !project.contains(SERVER_MODULE)) {
                throw new StartupException(pom + " is not Relaygate's root pom (run new-channel from a checkout)");
            }
            if (Files.exists(module)) {
                throw new StartupException(module + " exists already; choose another name or remove it");
            }
            String className = className(name);
            String pkg = name.replace("-", "");
            Map<String, String> values = Map.of("@@name@@", name, "@@Class@@", className, "@@package@@", pkg,
                                                "@@version@@", version.group(1));
            Path sources = module.resolve("src/main/java/dev/relaygate/plugins/" + pkg);
            Path tests = module.resolve("src/test/java/dev/relaygate/plugins/" + pkg);
            Map<String, Path> files = new LinkedHashMap<>();
            files.put("pom.xml.tmpl", module.resolve("pom.xml"));
            files.put("README.md.tmpl", module.resolve("README.md"));
            files.put("Provider.java.tmpl", sources.resolve(className + "Provider.java"));
            files.put("Channel.java.tmpl", sources.resolve(className + "Channel.java"));
            files.put("services.tmpl", module.resolve("src/main/resources/META-INF/services/"
                                                              + "dev.relaygate.api.spi.ChannelProvider"));
            files.put("ChannelTest.java.tmpl", tests.resolve(className + "ChannelTest.java"));
            for (Map.Entry<String, Path> file : files.entrySet()) {
                Files.createDirectories(file.getValue().getParent());
                Files.writeString(file.getValue(), fill(template(file.getKey()), values));
            }
            // Before the server, like the other plugins: the server's tests may copy its jar.
            Files.writeString(pom, project.replace(SERVER_MODULE, "<module>plugins/" + name + "</module>\n        "
                    + SERVER_MODULE));
            out.printf("""
                    relaygate: made the channel plugin %s in %s
                      %s
                      %s (the verifier: change the headers and signed bytes to your provider's)
                      %s
                      %s (one signed request through verifier and decode)
                    and added it to the modules in %s.

                    Next:
                      mvn -B -ntp -pl plugins/%s -am package      # builds it and runs its test
                      cp plugins/%s/target/relaygate-%s-*.jar plugins/   # the gateway's plugins-dir
                      # then in your configuration: relaygate.channels.<name>.type: %s, with a secret
                    The guide: docs/plugins.md.
                    """, name, root.relativize(module), root.relativize(module.resolve("pom.xml")),
                    root.relativize(sources.resolve(className + "Provider.java")),
                    root.relativize(sources.resolve(className + "Channel.java")),
                    root.relativize(tests.resolve(className + "ChannelTest.java")), root.relativize(pom), name, name,
                    name, name);
        } catch (IOException e) {
            throw new StartupException("cannot write the plugin in " + module + ": " + e.getMessage(), e);
        }
    }

    static String className(String name) {
        StringBuilder className = new StringBuilder();
        for (String part : name.split("-")) {
            className.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
        }
        return className.toString();
    }

    private static String template(String file) throws IOException {
        try (InputStream in = NewChannel.class.getResourceAsStream("/scaffold/channel/" + file)) {
            if (in == null) {
                throw new IOException("the template " + file + " is missing from the server jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String fill(String template, Map<String, String> values) {
        String text = template;
        for (Map.Entry<String, String> value : values.entrySet()) {
            text = text.replace(value.getKey(), value.getValue());
        }
        return text;
    }
}
