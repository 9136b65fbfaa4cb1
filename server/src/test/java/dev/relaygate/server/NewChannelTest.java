package dev.relaygate.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.helidon.webclient.http1.Http1ClientResponse;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.relaygate.api.ChannelEvent;
import dev.relaygate.api.HmacSignature;
import dev.relaygate.api.Secret;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@code bin/relaygate new-channel} as a plugin author uses it: run in a copy of this checkout (the script builds the
 * server there first, as in a fresh clone), the generated module is built with Maven (offline: the suite's own build
 * has fetched everything), its test passes unedited, and its jar, dropped into a gateway's plugins folder, takes a
 * signed event.
 */
class NewChannelTest {
    @TempDir
    Path dir;

    @Test
    void theGeneratedPluginBuildsPassesItsTestAndLoadsIntoAGateway() throws Exception {
        Path checkout = dir.resolve("checkout");
        copy(Path.of("..").toAbsolutePath().normalize(), checkout);
        String printed = run(checkout, dir.resolve("new-channel.log"), "bin/relaygate", "new-channel", "my-chat");
        assertThat(printed, containsString("relaygate: made the channel plugin my-chat in plugins/my-chat"));
        assertThat(printed, containsString("mvn -B -ntp -pl plugins/my-chat -am package"));
        assertThat(Files.readString(checkout.resolve("pom.xml")), containsString("<module>plugins/my-chat</module>"));
        assertThat(Files.exists(checkout.resolve("plugins/my-chat/src/main/java/dev/relaygate/plugins/mychat/MyChatChannel.java")),
                   is(true));
        StartupException twice = assertThrows(StartupException.class, () -> NewChannel.run(
                new String[] {"my-chat"}, checkout, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)));
        assertThat(twice.getMessage(), containsString("exists already"));
        assertThat(assertThrows(StartupException.class, () -> NewChannel.run(new String[] {"My Chat"}, checkout, System.out))
                           .getMessage(), containsString("usage: new-channel NAME"));

        String output = run(checkout, dir.resolve("build.log"), "mvn", "-B", "-ntp", "-o", "-pl", "plugins/my-chat", "-am",
                            "package");
        assertThat(output, containsString("Tests run: 2, Failures: 0, Errors: 0, Skipped: 0, Time elapsed"));
        assertThat(output, containsString("in dev.relaygate.plugins.mychat.MyChatChannelTest"));

        Path gatewayDir = dir.resolve("gateway");
        Files.createDirectories(gatewayDir.resolve("plugins"));
        Path jar = checkout.resolve("plugins/my-chat/target/relaygate-my-chat-0.1.0-SNAPSHOT.jar");
        Files.copy(jar, gatewayDir.resolve("plugins").resolve(jar.getFileName()));
        try (TestGateway gw = TestGateway.start(gatewayDir, """
                channels:
                  slack:
                    enabled: false
                  chat:
                    type: my-chat
                    secret: the-chat-secret
                """)) {
            String body = "{\"id\":\"evt-9\",\"conversation\":\"room-1\",\"sender\":\"ann\",\"text\":\"hi plugin\"}";
            String ts = Long.toString(TestGateway.NOW);
            String signature = HmacSignature.hex("sha256=").sign(Secret.ofText("the-chat-secret"),
                                                                 (ts + "." + body).getBytes(StandardCharsets.UTF_8));
            try (Http1ClientResponse forged = gw.post("/my-chat/events", body, "X-Timestamp", ts, "X-Signature",
                                                      "sha256=" + "0".repeat(64))) {
                assertThat(forged.status().code(), is(401));
            }
            try (Http1ClientResponse accepted = gw.post("/my-chat/events", body, "X-Timestamp", ts, "X-Signature", signature)) {
                assertThat(accepted.as(String.class), is("{\"ok\":true}"));
            }
            ChannelEvent event = gw.recorder.next();
            assertThat(event.channel(), is("chat"));
            assertThat(event.provider(), is("my-chat"));
            assertThat(event.conversation(), is("room-1"));
            assertThat(event.text(), is("hi plugin"));
        }
    }

    /** Runs a command in the checkout with this JVM's JDK; returns its output once it succeeded. */
    private static String run(Path checkout, Path log, String... command) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).directory(checkout.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process process = builder.start();
        assertThat(String.join(" ", command) + " finished in time", process.waitFor(5, TimeUnit.MINUTES), is(true));
        String output = Files.readString(log);
        assertThat(output, process.exitValue(), is(0));
        return output;
    }

    /** The checkout without build output, Git data or local state. */
    private static void copy(Path from, Path to) throws IOException {
        List<String> skipped = List.of("target", ".git", "data", ".build.log");
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : files.toList()) {
                Path relative = from.relativize(file);
                boolean skip = false;
                for (Path part : relative) {
                    skip |= skipped.contains(part.toString());
                }
                if (skip) {
                    continue;
                }
                Path target = to.resolve(relative.toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(file, target);
                }
            }
        }
    }
}
