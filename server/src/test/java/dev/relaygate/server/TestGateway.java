package dev.relaygate.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import io.helidon.http.HeaderNames;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webclient.http1.Http1ClientRequest;
import io.helidon.webclient.http1.Http1ClientResponse;

import org.junit.jupiter.api.Assertions;

import dev.relaygate.api.HmacSignature;
import dev.relaygate.api.Secret;

/**
 * A real gateway on a random loopback port, configured from a YAML file in a temporary folder, with a frozen clock.
 */
final class TestGateway implements AutoCloseable {
    static final long NOW = 1_773_946_426L;
    static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(NOW), ZoneOffset.UTC);
    static final String SECRET_HEX = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    static final Secret SECRET = Secret.ofHex(SECRET_HEX);

    final Gateway gateway;
    final Http1Client client;
    final RecordingHandlerProvider.Recorder recorder;
    /** The dispatcher's pauses between tries, recorded instead of slept. */
    final List<Duration> pauses;

    /**
     * Wraps a gateway built by a test itself (its pauses are not recorded).
     */
    TestGateway(Gateway gateway, RecordingHandlerProvider.Recorder recorder) {
        this(gateway, recorder, List.of());
    }

    private TestGateway(Gateway gateway, RecordingHandlerProvider.Recorder recorder, List<Duration> pauses) {
        this.gateway = gateway;
        this.recorder = recorder;
        this.pauses = pauses;
        this.client = Http1Client.builder().baseUri("http://127.0.0.1:" + gateway.port()).build();
    }

    /**
     * Starts a gateway whose {@code relaygate:} section is the given YAML (indented as if at top level), with a
     * recording handler unless the YAML names another.
     */
    static TestGateway start(Path dir, String relaygateYaml) {
        return start(dir, relaygateYaml, "");
    }

    /**
     * As {@link #start(Path, String)}, with extra lines for the {@code server:} section.
     */
    static TestGateway start(Path dir, String relaygateYaml, String serverYaml) {
        return start(dir, relaygateYaml, serverYaml, CLOCK);
    }

    /**
     * As {@link #start(Path, String, String)}, on the given clock.
     */
    static TestGateway start(Path dir, String relaygateYaml, String serverYaml, Clock clock) {
        List<Duration> pauses = new CopyOnWriteArrayList<>();
        Gateway gateway = Gateway.create(config(dir, relaygateYaml, serverYaml), clock, pauses::add).start();
        return new TestGateway(gateway, recorderOf(dir), pauses);
    }

    /**
     * The slack-relay channel with the worked example's secret and the recording handler.
     */
    static TestGateway relay(Path dir, String extraYaml) {
        return start(dir, """
                channels:
                  slack:
                    signing-secret: %s
                %s""".formatted(SECRET_HEX, extraYaml));
    }

    static io.helidon.config.Config config(Path dir, String relaygateYaml, String serverYaml) {
        try {
            Files.createDirectories(dir);
            String id = recorderId(dir);
            String yaml = """
                    server:
                      host: 127.0.0.1
                    %s
                    relaygate:
                      data-dir: %s
                      plugins-dir: %s
                    %s""".formatted((serverYaml.contains("port:") ? serverYaml : "port: 0\n" + serverYaml).indent(2), dir.resolve("data"), dir.resolve("plugins"),
                                    (relaygateYaml.contains("handler:") ? relaygateYaml
                                            : "handler:\n  type: recording\n  id: " + id + "\n" + relaygateYaml).indent(2));
            Path file = dir.resolve("config.yaml");
            Files.writeString(file, yaml);
            return ConfigLoader.load(Optional.of(file), Map.of());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Waits up to 10 s for something the gateway does after it answered (a done mark, a dead letter).
     */
    static void eventually(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
        dev.relaygate.server.store.Await.until(what, condition);
    }

    static RecordingHandlerProvider.Recorder recorderOf(Path dir) {
        return RecordingHandlerProvider.recorder(recorderId(dir));
    }

    static String recorderId(Path dir) {
        return UUID.nameUUIDFromBytes(dir.toAbsolutePath().toString().getBytes(StandardCharsets.UTF_8)).toString();
    }

    /** Signs like the relay: {@code sha256=hex(HMAC(key, ts "." body))}. */
    /**
     * The one line a start fails with.
     */
    static String startupFailure(Path dir, String relaygateYaml) {
        return Assertions.assertThrows(StartupException.class,
                () -> Gateway.create(config(dir, relaygateYaml, ""), CLOCK)).getMessage();
    }

    /**
     * POSTs a body signed with {@link #SECRET} to {@code /relay/events}: the status, or -1 when the connection fails
     * (a gateway in a child process that was killed: no 200).
     */
    static int sendRelayEvent(Http1Client http, String body) {
        String ts = Long.toString(Instant.now().getEpochSecond());
        try (Http1ClientResponse response = http.post("/relay/events")
                .header(HeaderNames.create("X-Relay-Timestamp"), ts)
                .header(HeaderNames.create("X-Relay-Signature"), sign(SECRET, ts, body))
                .submit(body)) {
            return response.status().code();
        } catch (RuntimeException e) {
            return -1;
        }
    }

    static String sign(Secret key, String timestamp, String body) {
        return HmacSignature.hex("sha256=").sign(key, (timestamp + "." + body).getBytes(StandardCharsets.UTF_8));
    }

    Http1ClientResponse post(String path, String body, String... headers) {
        Http1ClientRequest request = client.post(path);
        for (int i = 0; i < headers.length; i += 2) {
            request.header(HeaderNames.create(headers[i]), headers[i + 1]);
        }
        return request.submit(body);
    }

    /** A correctly signed relay webhook at the frozen now. */
    Http1ClientResponse postSigned(String body) {
        String ts = Long.toString(NOW);
        return post("/relay/events", body, "X-Relay-Timestamp", ts, "X-Relay-Signature", sign(SECRET, ts, body));
    }

    /** Sends raw bytes (for header bytes no well-behaved client would send) and returns the status line and body. */
    String raw(byte[] request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", gateway.port())) {
            OutputStream out = socket.getOutputStream();
            out.write(request);
            out.flush();
            socket.shutdownOutput();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    @Override
    public void close() {
        client.closeResource();
        gateway.close();
    }
}
