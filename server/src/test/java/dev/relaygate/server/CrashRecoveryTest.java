package dev.relaygate.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.helidon.webclient.http1.Http1Client;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;

/**
 * A 200 is a promise: a gateway in a child process is stopped under load from many clients (SIGKILL, or SIGTERM for a
 * graceful stop), started again on the same data folder, and every acknowledged event is handled, none twice; what got
 * no 200 is sent again by the clients and handled once too.
 */
class CrashRecoveryTest {
    private static final int EVENTS = 3000;
    private static final int CLIENTS = 16;
    private static final int KILL_AFTER = 1000;

    @TempDir
    Path dir;

    @Test
    void killNineLosesNoAcknowledgedEventAndHandlesNoneTwice() throws Exception {
        int repeats = stopUnderLoadAndRestart(ChildGateway::kill);
        System.out.printf("CrashRecoveryTest: SIGKILL: %d repeated handler calls (each with attempt > 1)%n", repeats);
    }

    @Test
    void sigtermFinishesRunningHandlersAndRepeatsNothing() throws Exception {
        int repeats = stopUnderLoadAndRestart(ChildGateway::terminate);
        assertThat("a graceful stop lets running handler calls finish and records them", repeats, is(0));
    }

    private interface Stop {
        void stop(ChildGateway child) throws Exception;
    }

    /**
     * Returns how many handler calls were repeats of an earlier call for the same delivery.
     */
    private int stopUnderLoadAndRestart(Stop stop) throws Exception {
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, """
                server:
                  host: 127.0.0.1
                  port: 0
                relaygate:
                  data-dir: %s
                  plugins-dir: %s
                  channels:
                    slack:
                      signing-secret: %s
                  handler:
                    type: file-recording
                    dir: %s
                """.formatted(dir.resolve("data"), dir.resolve("plugins"), TestGateway.SECRET_HEX, dir.resolve("agent")));

        Set<Integer> acknowledged = ConcurrentHashMap.newKeySet();
        ChildGateway first = ChildGateway.start(config, dir.resolve("first.log"));
        AtomicInteger acks = new AtomicInteger();
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> sending = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                sending.add(clients.submit(() -> {
                    Http1Client http = first.client();
                    for (int n = client; n < EVENTS; n += CLIENTS) {
                        if (send(http, n) != 200) {
                            return null; // the gateway is gone: the rest is sent after the restart
                        }
                        acknowledged.add(n);
                        acks.incrementAndGet();
                    }
                    return null;
                }));
            }
            while (acks.get() < KILL_AFTER) {
                Thread.sleep(5);
            }
            stop.stop(first);
            for (Future<?> future : sending) {
                future.get(60, TimeUnit.SECONDS);
            }
        }
        assertThat("the kill came in the middle of the load", acknowledged.size(), lessThan(EVENTS));

        ChildGateway second = ChildGateway.start(config, dir.resolve("second.log"));
        try {
            // The clients send again what got no 200, and some acknowledged ones as a relay retry would.
            try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<Integer>> resent = new ArrayList<>();
                for (int n = 0; n < EVENTS; n++) {
                    if (!acknowledged.contains(n) || n % 10 == 0) {
                        int event = n;
                        resent.add(clients.submit(() -> send(second.client(), event)));
                    }
                }
                for (Future<Integer> status : resent) {
                    assertThat(status.get(60, TimeUnit.SECONDS), is(200));
                }
            }
            Map<String, Integer> effects = FileRecordingHandlerProvider.awaitEffects(dir.resolve("agent"), EVENTS);
            List<String> twice = effects.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).toList();
            assertThat("handled twice", twice, empty());
            for (int n : acknowledged) {
                assertThat("acknowledged event " + n + " was handled", effects.containsKey("e" + n), is(true));
            }
            assertThat(effects.size(), is(EVENTS));

            // Every event reached the handler; repeats only ever came with an attempt above 1.
            Map<String, List<Integer>> calls = new HashMap<>();
            for (String line : lines("calls.log")) {
                String[] parts = line.split(" ");
                calls.computeIfAbsent(parts[1], k -> new ArrayList<>()).add(Integer.parseInt(parts[0]));
            }
            for (List<Integer> attempts : calls.values()) {
                assertThat("attempt 1 is never a repeat", attempts.stream().filter(a -> a == 1).count() <= 1, is(true));
            }
            System.out.printf("CrashRecoveryTest: %d of %d acknowledged before the stop, %d handler calls%n",
                              acknowledged.size(), EVENTS, calls.values().stream().mapToInt(List::size).sum());
            return calls.values().stream().mapToInt(a -> a.size() - 1).sum();
        } finally {
            second.kill();
        }
    }

    private static int send(Http1Client http, int n) {
        return TestGateway.sendRelayEvent(http, """
                {"id":"e%d","event_type":"message","provider_scope":"T1","channel_id":"C%d","sender_id":"U1","content":"m%d"}"""
                .formatted(n, n % 50, n));
    }

    private List<String> lines(String file) throws IOException {
        return FileRecordingHandlerProvider.lines(dir.resolve("agent"), file);
    }
}
