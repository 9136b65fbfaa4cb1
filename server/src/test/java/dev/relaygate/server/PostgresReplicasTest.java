package dev.relaygate.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import dev.relaygate.server.store.TestPostgres;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;

/**
 * Three gateway processes on one PostgreSQL, under load from concurrent clients that spread their webhooks across the
 * replicas and send some again to another replica (as a relay retry would); one replica is SIGKILLed in the middle.
 * Every acknowledged event is handled, the idempotent handler does each effect once, attempt 1 is never a repeat,
 * a duplicate across replicas is stored once, and each conversation is handled in the order its events were sent.
 */
class PostgresReplicasTest {
    private static final int CONVERSATIONS = 24;
    private static final int PER_CONVERSATION = 100;
    private static final int EVENTS = CONVERSATIONS * PER_CONVERSATION;

    // Kept when the test fails: the replicas' logs and the agent's files are the evidence.
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    @Test
    void aReplicaKilledUnderLoadLosesNothingAndRepeatsNothingUnannounced() throws Exception {
        String url = TestPostgres.freshDatabase();
        List<ChildGateway> replicas = new ArrayList<>();
        for (int r = 0; r < 3; r++) {
            replicas.add(ChildGateway.start(config(url, "r" + r), dir.resolve("r" + r + ".log")));
        }
        ChildGateway victim = replicas.getFirst();
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        AtomicInteger sent = new AtomicInteger();
        AtomicInteger crossReplicaRetries = new AtomicInteger();
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> conversations = new ArrayList<>();
            for (int c = 0; c < CONVERSATIONS; c++) {
                int conversation = c;
                conversations.add(clients.submit(() -> {
                    // One sender per conversation, each event sent once the one before it was acknowledged.
                    for (int n = 0; n < PER_CONVERSATION; n++) {
                        String id = "c" + conversation + "-" + n;
                        int target = (conversation + n) % replicas.size();
                        while (send(replicas.get(target), id, conversation, n) != 200) {
                            target = (target + 1) % replicas.size(); // the relay tries again, here on the next replica
                        }
                        acknowledged.add(id);
                        if (n % 7 == 0) {
                            // A retry of an acknowledged event landing on another replica: acknowledged, stored once.
                            int other = (target + 1) % replicas.size();
                            if (send(replicas.get(other), id, conversation, n) == 200) {
                                crossReplicaRetries.incrementAndGet();
                            }
                        }
                        sent.incrementAndGet();
                    }
                    return null;
                }));
            }
            while (sent.get() < EVENTS / 3) {
                Thread.sleep(5);
            }
            victim.kill();
            for (Future<?> conversation : conversations) {
                conversation.get(120, TimeUnit.SECONDS);
            }
        }
        try {
            assertThat(acknowledged.size(), is(EVENTS));
            assertThat(crossReplicaRetries.get(), greaterThan(0));
            Map<String, Integer> effects = FileRecordingHandlerProvider.awaitEffects(dir.resolve("agent"), EVENTS);
            List<String> twice = effects.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).toList();
            assertThat("effects done twice", twice, empty());
            assertThat("every acknowledged event was handled", effects.keySet(), is(acknowledged));

            Map<String, Set<String>> deliveries = new HashMap<>();
            Map<String, Integer> firstTries = new HashMap<>();
            int calls = 0;
            for (String line : lines("calls.log")) {
                String[] parts = line.split(" ");
                calls++;
                deliveries.computeIfAbsent(parts[2], k -> new HashSet<>()).add(parts[1]);
                if (parts[0].equals("1")) {
                    firstTries.merge(parts[1], 1, Integer::sum);
                }
            }
            assertThat("each event stored once, under one delivery id", deliveries.values().stream()
                    .filter(ids -> ids.size() != 1).toList(), empty());
            assertThat("attempt 1 is never a repeat", firstTries.values().stream().filter(n -> n > 1).toList(), empty());

            // Effects in the order they happened, across the processes: per conversation, the order sent.
            int[] next = new int[CONVERSATIONS];
            for (String line : lines("effects.log")) {
                String[] id = line.split(" ")[0].substring(1).split("-");
                int conversation = Integer.parseInt(id[0]);
                assertThat("conversation " + conversation + " in order (logs: " + dir + ")", Integer.parseInt(id[1]),
                           is(next[conversation]));
                next[conversation]++;
            }
            System.out.printf("PostgresReplicasTest: %d events, %d cross-replica retries, %d handler calls (%d repeats, "
                                      + "each with attempt > 1)%n", EVENTS, crossReplicaRetries.get(), calls,
                              calls - EVENTS);
        } finally {
            for (ChildGateway replica : replicas.subList(1, replicas.size())) {
                replica.terminate();
            }
        }
    }

    private Path config(String url, String name) throws IOException {
        Path config = dir.resolve(name + ".yaml");
        Files.writeString(config, """
                server:
                  host: 127.0.0.1
                  port: 0
                relaygate:
                  instance-name: %s
                  data-dir: %s
                  plugins-dir: %s
                  inbox:
                    type: postgres
                    lease-timeout: PT3S
                  postgres:
                    url: %s
                    user: %s
                  channels:
                    slack:
                      signing-secret: %s
                  handler:
                    type: file-recording
                    dir: %s
                """.formatted(name, dir.resolve(name), dir.resolve("plugins"), url, TestPostgres.user(),
                              TestGateway.SECRET_HEX, dir.resolve("agent")));
        return config;
    }

    private static int send(ChildGateway replica, String id, int conversation, int n) {
        return TestGateway.sendRelayEvent(replica.client(), """
                {"id":"%s","event_type":"message","provider_scope":"T1","channel_id":"C%d","sender_id":"U1","content":"m%d"}"""
                .formatted(id, conversation, n));
    }

    private List<String> lines(String file) throws IOException {
        return FileRecordingHandlerProvider.lines(dir.resolve("agent"), file);
    }
}
