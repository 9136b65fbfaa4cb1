package dev.relaygate.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.relaygate.api.spi.EventHandler;
import dev.relaygate.api.spi.HandlerContext;
import dev.relaygate.api.spi.HandlerProvider;

/**
 * A test handler for gateways run as a child process ({@code type: file-recording}, {@code dir: <folder>}). It
 * appends every call to {@code calls.log} ({@code <attempt> <delivery id> <event id>}) and does its one effect, a
 * line {@code <event id> <delivery id>} in {@code effects.log}, once per delivery id: the idempotent handler that the
 * delivery id and attempt number exist for. Each line is one append, so a kill leaves whole lines (or a torn last one),
 * and several processes may share the folder.
 */
public final class FileRecordingHandlerProvider implements HandlerProvider {
    public FileRecordingHandlerProvider() {
    }

    @Override
    public String type() {
        return "file-recording";
    }

    @Override
    public EventHandler create(HandlerContext context) {
        Path dir = Path.of(context.settings().required("dir"));
        try {
            Files.createDirectories(dir);
            Set<String> done = new HashSet<>();
            Path effects = dir.resolve("effects.log");
            if (Files.exists(effects)) {
                Files.readAllLines(effects).stream().map(line -> line.split(" ")).filter(parts -> parts.length == 2)
                        .forEach(parts -> done.add(parts[1]));
            }
            FileChannel calls = FileChannel.open(dir.resolve("calls.log"), StandardOpenOption.CREATE,
                                                 StandardOpenOption.APPEND);
            FileChannel effect = FileChannel.open(effects, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            return (event, attempt, replies) -> {
                synchronized (done) {
                    append(calls, attempt.number() + " " + attempt.deliveryId() + " " + event.id());
                    // Attempt 1 is never a repeat; a later one may be, so look first (in the file too: replicas of
                    // one database share it).
                    if (attempt.number() > 1 && Files.readAllLines(effects).stream()
                            .anyMatch(line -> line.endsWith(" " + attempt.deliveryId()))) {
                        done.add(attempt.deliveryId());
                    }
                    if (attempt.number() == 1 || !done.contains(attempt.deliveryId())) {
                        append(effect, event.id() + " " + attempt.deliveryId());
                        done.add(attempt.deliveryId());
                    }
                }
            };
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The lines of one of the handler's files ({@code calls.log}, {@code effects.log}) in {@code dir}.
     */
    static List<String> lines(Path dir, String file) throws IOException {
        return Files.readAllLines(dir.resolve(file), StandardCharsets.US_ASCII);
    }

    /**
     * How many effects each event id has, once there are effects for {@code expected} event ids or after 60 s.
     */
    static Map<String, Integer> awaitEffects(Path dir, int expected) throws IOException, InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (true) {
            Map<String, Integer> effects = new HashMap<>();
            for (String line : lines(dir, "effects.log")) {
                effects.merge(line.split(" ")[0], 1, Integer::sum);
            }
            if (effects.size() >= expected || Instant.now().isAfter(deadline)) {
                return effects;
            }
            Thread.sleep(50);
        }
    }

    private static void append(FileChannel file, String line) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.US_ASCII));
        while (bytes.hasRemaining()) {
            file.write(bytes);
        }
    }
}
