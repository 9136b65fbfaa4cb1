package dev.relaygate.server;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import io.helidon.webclient.http1.Http1ClientResponse;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.relaygate.api.ChannelEvent;
import dev.relaygate.api.spi.StateStore;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * What the PostgreSQL store does beside the inbox contract ({@link InboxTest}) and the replicas under load
 * ({@link PostgresReplicasTest}): shared plugin state, text PostgreSQL would refuse, its settings, and a database that
 * goes away.
 */
class PostgresTest {
    private static final Duration LEASE = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    @Test
    void pluginStateIsSharedByReplicasAndTakenOnce() throws Exception {
        String url = TestPostgres.freshDatabase();
        try (Postgres one = Postgres.open(TestPostgres.settings(url, "one", LEASE));
             Postgres two = Postgres.open(TestPostgres.settings(url, "two", LEASE))) {
            one.store("slack").put("team_id", "T1");
            one.store("slack").put("team_id", "T2");
            two.store("other").put("team_id", "T9");
            assertThat("an OAuth callback may land on the other replica", two.store("slack").get("team_id"),
                       is(Optional.of("T2")));
            assertThat(one.store("other").get("team_id"), is(Optional.of("T9")));
            assertThat(one.store("slack").get("missing"), is(Optional.empty()));

            one.store("slack").put("nonce", "n-1");
            List<StateStore> takers = List.of(one.store("slack"), two.store("slack"));
            int taken = 0;
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<Optional<String>>> results = new java.util.ArrayList<>();
                for (int i = 0; i < 16; i++) {
                    StateStore taker = takers.get(i % 2);
                    results.add(pool.submit(() -> taker.take("nonce")));
                }
                for (Future<Optional<String>> result : results) {
                    taken += result.get().isPresent() ? 1 : 0;
                }
            }
            assertThat("a one-time token is taken once across replicas", taken, is(1));
        }
    }

    @Test
    void textPostgresqlWouldRefuseComesBackExact() throws Exception {
        String awkward = "nul \u0000 escape \u0001 both \u0001\u0000 end \u0001";
        try (Postgres db = Postgres.open(TestPostgres.settings(TestPostgres.freshDatabase(), "t", LEASE));
             PostgresInbox inbox = PostgresInbox.open(db, 10, 1 << 20, Duration.ofHours(1), TestGateway.CLOCK)) {
            ChannelEvent event = ChannelEvent.of("id" + awkward, "c", "message", "p", "T" + awkward, "conv" + awkward,
                                                 Optional.of("th" + awkward), "u" + awkward, "name" + awkward,
                                                 awkward, "{\"raw\":\"" + awkward + "\"}", Instant.parse("2026-12-02T10:00:00Z"));
            assertThat(inbox.offer(List.of(event)), is(Inbox.Offer.STORED));
            assertThat(inbox.offer(List.of(event)), is(Inbox.Offer.DUPLICATE));
            Inbox.Entry entry = inbox.take();
            assertThat(entry.lane(), is(Inbox.lane("c", "T" + awkward, "conv" + awkward, Optional.of("th" + awkward))));
            assertThat(inbox.event(entry), is(event));
            db.store("c").put("k" + awkward, awkward);
            assertThat(db.store("c").get("k" + awkward), is(Optional.of(awkward)));
        }
        assertThat(Postgres.untext(Postgres.text(awkward)), is(awkward));
        assertThat(Postgres.text(awkward), not(containsString("\u0000")));
    }

    @Test
    void aRestartTakesOverWhatTheLastProcessLeftCountingTheTryThatWasRunning() throws Exception {
        String url = TestPostgres.freshDatabase();
        Inbox.Entry running;
        try (Postgres db = Postgres.open(TestPostgres.settings(url, "first", LEASE));
             PostgresInbox inbox = PostgresInbox.open(db, 10, 1 << 20, Duration.ofHours(1), TestGateway.CLOCK)) {
            inbox.offer(List.of(InboxTest.event("a"), InboxTest.event("b")));
            running = inbox.take();
            assertThat(inbox.lease(running), is(true));
        }
        try (Postgres db = Postgres.open(TestPostgres.settings(url, "second", LEASE));
             PostgresInbox inbox = PostgresInbox.open(db, 10, 1 << 20, Duration.ofHours(1), TestGateway.CLOCK)) {
            assertThat("the try that was running counts as run", inbox.take(), is(running.next()));
            Inbox.Entry next = inbox.take();
            assertThat("b never started", next.attempt(), is(1));
            assertThat(inbox.event(next).id(), is("b"));
            assertThat(inbox.offer(List.of(InboxTest.event("a"))), is(Inbox.Offer.DUPLICATE));
        }
    }

    private String failure(String relaygateYaml) {
        return assertThrows(StartupException.class,
                            () -> Gateway.create(TestGateway.config(dir, relaygateYaml, ""), TestGateway.CLOCK))
                .getMessage();
    }

    @Test
    void badSettingsNameTheKey() {
        assertThat(failure("inbox:\n  type: postgres"), is("relaygate.postgres.url: required for inbox type postgres "
                + "(jdbc:postgresql://host:5432/relaygate)"));
        assertThat(failure("inbox:\n  type: postgres\npostgres:\n  url: postgres://h/db"),
                   is("relaygate.postgres.url: must start with jdbc:postgresql:"));
        assertThat(failure("inbox:\n  type: postgres\n  lease-timeout: PT0.5S\npostgres:\n  url: jdbc:postgresql://h/db"),
                   is("relaygate.inbox.lease-timeout: must be at least PT1S, got PT0.5S"));
        assertThat(failure("inbox:\n  type: postgres\npostgres:\n  url: jdbc:postgresql://h/db\n  pool-size: 2"),
                   is("relaygate.postgres.pool-size: must be at least 3, got 2"));
        assertThat(failure("inbox:\n  type: nope"),
                   is("relaygate.inbox.type: unknown inbox type 'nope'; known types: durable, memory, postgres"));
        // Nothing listens on port 1: the start fails at once, and the password is not in the message.
        String unreachable = failure("inbox:\n  type: postgres\npostgres:\n  url: jdbc:postgresql://127.0.0.1:1/relaygate\n"
                                             + "  user: relaygate\n  password: hunter2-secret");
        assertThat(unreachable, startsWith("relaygate.postgres: cannot connect to jdbc:postgresql://127.0.0.1:1/relaygate: "));
        assertThat(unreachable, not(containsString("hunter2")));
    }

    @Test
    void aDatabaseThatGoesAwayMakesTheGatewayNotReadyAndWebhooks503() throws Exception {
        EmbeddedPostgres own = EmbeddedPostgres.builder().start();
        try (TestGateway gw = TestGateway.relay(dir, """
                inbox:
                  type: postgres
                postgres:
                  url: %s
                  user: postgres""".formatted(own.getJdbcUrl("postgres", "postgres")))) {
            try (Http1ClientResponse response = gw.postSigned(event("before"))) {
                assertThat(response.status().code(), is(200));
            }
            assertThat(gw.recorder.next().id(), is("before"));
            assertThat(ready(gw), containsString("\"status\":\"UP\""));
            own.close();
            TestGateway.eventually("readiness sees the database gone",
                                   () -> ready(gw).contains("storage unavailable: database unreachable"));
            try (Http1ClientResponse response = gw.postSigned(event("during"))) {
                assertThat("nothing is acknowledged", response.status().code(), is(503));
                assertThat(response.as(String.class), is("{\"ok\":false,\"error\":\"storage unavailable\"}"));
            }
        } finally {
            own.close();
        }
    }

    private static String event(String id) {
        return """
                {"id":"%s","event_type":"message","provider_scope":"T1","channel_id":"C1","sender_id":"U1","content":"m"}"""
                .formatted(id);
    }

    private static String ready(TestGateway gw) {
        try (Http1ClientResponse response = gw.client.get("/observe/health/ready").request()) {
            return response.as(String.class);
        }
    }
}
