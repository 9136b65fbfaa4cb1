package dev.relaygate.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.helidon.webclient.http1.Http1Client;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * {@code relaygate serve --config FILE} in its own JVM with the tests' class path, its output in a file.
 */
record ChildGateway(Process process, int port) {
    private static final Pattern PORT = Pattern.compile("Relaygate accepting on port (\\d+)");

    /**
     * Starts the gateway with the JVM flags {@code bin/relaygate} gives it (its {@code DEFAULT_JAVA_OPTS}), so that
     * memory tests run against the heap a deployment gets.
     */
    static ChildGateway startWithScriptFlags(Path config, Path log) throws Exception {
        return start(config, log, scriptFlags().toArray(String[]::new));
    }

    static List<String> scriptFlags() throws IOException {
        // Surefire runs in the server module's folder; the script is in the checkout's bin/.
        Matcher flags = Pattern.compile("(?m)^DEFAULT_JAVA_OPTS=\"([^\"]*)\"")
                .matcher(Files.readString(Path.of("..", "bin", "relaygate")));
        assertThat("bin/relaygate defines DEFAULT_JAVA_OPTS", flags.find(), is(true));
        List<String> options = new ArrayList<>();
        if (Runtime.version().feature() < 22) {
            options.add("-XX:+UnlockExperimentalVMOptions"); // as bin/relaygate does: native heap trimming on JDK 21
        }
        options.addAll(List.of(flags.group(1).split(" ")));
        return options;
    }

    static ChildGateway start(Path config, Path log, String... jvmOptions) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow());
        command.addAll(List.of(jvmOptions));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), "serve", "--config",
                               config.toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (Instant.now().isBefore(deadline) && process.isAlive()) {
            Matcher port = PORT.matcher(Files.readString(log));
            if (port.find()) {
                return new ChildGateway(process, Integer.parseInt(port.group(1)));
            }
            Thread.sleep(50);
        }
        process.destroyForcibly();
        throw new AssertionError("the gateway did not start:\n" + Files.readString(log));
    }

    Http1Client client() {
        return Http1Client.builder().baseUri("http://127.0.0.1:" + port).build();
    }

    void kill() throws InterruptedException {
        process.destroyForcibly(); // SIGKILL
        assertThat(process.waitFor(30, TimeUnit.SECONDS), is(true));
        assertThat(process.exitValue(), is(137));
    }

    void terminate() throws InterruptedException {
        process.destroy(); // SIGTERM: the shutdown hook stops the gateway gracefully
        assertThat(process.waitFor(30, TimeUnit.SECONDS), is(true));
        assertThat(process.exitValue(), is(143));
    }
}
