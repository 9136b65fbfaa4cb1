package dev.relaygate.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import dev.relaygate.api.ChannelEvent;
import dev.relaygate.server.store.DataDir;
import dev.relaygate.server.store.Inbox;
import dev.relaygate.server.store.Inboxes;

/**
 * The store alone, no HTTP: offers of {@code batch} events at once (what one group commit holds when that many
 * webhooks arrive together), while a consumer takes each event, reads it, leases and marks it done, as the dispatcher
 * does. The score is offers per second; times {@code batch}, events per second, on one offering thread (the writer, for
 * the durable inbox, is one more). An offer waits while the backlog is at the default capacity, so that the score is
 * what the store sustains, not how fast an unbounded backlog grows.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class InboxBenchmark {
    private static final String BODY = "{\"id\":\"%s\",\"event_type\":\"message\",\"provider_scope\":\"T1\",\"channel_id\":\"C1\","
            + "\"sender_id\":\"U1\",\"content\":\"" + "x".repeat(480) + "\"}";

    private static final int CAPACITY = 10_000;

    @Param({"1", "8", "64"})
    public int batch;

    @Param({"durable", "memory"})
    public String store;

    private final Clock clock = Clock.systemUTC();
    private Path dir;
    private DataDir data;
    private Inbox inbox;
    private Thread consumer;
    private volatile boolean stopping;
    private long next;

    @Setup(Level.Trial)
    public void open() throws IOException {
        dir = Files.createTempDirectory("relaygate-inbox-bench");
        data = DataDir.lock(dir);
        inbox = store.equals("memory")
                ? Inboxes.memory(Integer.MAX_VALUE, Long.MAX_VALUE, Duration.ofHours(24), clock)
                : Inboxes.sqlite(data, Integer.MAX_VALUE, Long.MAX_VALUE, Duration.ofHours(24), Duration.ZERO, clock);
        consumer = Thread.ofPlatform().daemon().start(() -> {
            try {
                while (true) {
                    Inbox.Entry entry = inbox.take();
                    inbox.event(entry);
                    inbox.lease(entry);
                    inbox.done(entry);
                }
            } catch (InterruptedException e) {
                // torn down
            } catch (IllegalStateException e) {
                if (!stopping) {
                    throw e;
                }
                // torn down while waiting for the store
            }
        });
    }

    @Benchmark
    public Inbox.Offer offer() {
        while (inbox.backlog().size() > CAPACITY - batch) {
            Thread.onSpinWait();
        }
        List<ChannelEvent> events = new ArrayList<>(batch);
        for (int i = 0; i < batch; i++) {
            String id = "e" + next++;
            events.add(ChannelEvent.of(id, "slack", "message", "slack", "T1", "C" + (next % 64), Optional.empty(), "U1", "U1",
                                       "x".repeat(480), BODY.formatted(id), clock.instant()));
        }
        return inbox.offer(events);
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        stopping = true;
        consumer.interrupt();
        inbox.close();
        data.close();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
    }
}
