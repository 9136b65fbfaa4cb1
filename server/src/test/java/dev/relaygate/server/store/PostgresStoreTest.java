package dev.relaygate.server.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import dev.relaygate.api.ChannelEvent;
import dev.relaygate.api.spi.StateStore;
import dev.relaygate.devrelay.TestContext;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

/**
 * What the PostgreSQL store does beside the inbox contract ({@link InboxTest}): plugin state shared by replicas, text
 * PostgreSQL would refuse, and a restart that takes over what the last process left.
 */
class PostgresStoreTest {
    private static final Duration LEASE = Duration.ofSeconds(5);
    // The time of InboxTest's events: inside the dedup window.
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-29T10:00:00.123456789Z"), ZoneOffset.UTC);

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
                List<Future<Optional<String>>> results = new ArrayList<>();
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
             PostgresInbox inbox = PostgresInbox.open(db, 10, 1 << 20, Duration.ofHours(1), CLOCK)) {
            ChannelEvent event = ChannelEvent.of("id" + awkward, "c", "message", "p", "T" + awkward, "conv" + awkward,
                                                 Optional.of("th" + awkward), "u" + awkward, "name" + awkward,
                                                 awkward, "{\"raw\":\"" + awkward + "\"}", Instant.parse("2026-12-02T10:00:00Z"));
            assertThat(inbox.offer(List.of(event)), is(Inbox.Offer.STORED));
            assertThat(inbox.offer(List.of(event)), is(Inbox.Offer.DUPLICATE));
            Inbox.Entry entry = inbox.take();
            assertThat(entry.lane(), is(Inbox.lane("c", "T" + awkward, "conv" + awkward, Optional.of("th" + awkward))));
            assertThat(inbox.event(entry), is(event));
            // From the database, not from memory: a dead letter is read back whole.
            inbox.dead(entry, "error" + awkward);
            Await.until("the dead letter", () -> inbox.deadLetterCount() == 1);
            Inbox.DeadLetter letter = inbox.deadLetter(entry.id()).orElseThrow();
            assertThat(letter.event(), is(event));
            assertThat(letter.error(), is("error" + awkward));
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
             PostgresInbox inbox = PostgresInbox.open(db, 10, 1 << 20, Duration.ofHours(1), CLOCK)) {
            inbox.offer(List.of(InboxTest.event("a"), InboxTest.event("b")));
            running = inbox.take();
            assertThat(inbox.lease(running), is(true));
        }
        try (Postgres db = Postgres.open(TestPostgres.settings(url, "second", LEASE));
             PostgresInbox inbox = PostgresInbox.open(db, 10, 1 << 20, Duration.ofHours(1), CLOCK)) {
            assertThat("the try that was running counts as run", inbox.take(), is(running.next()));
            Inbox.Entry next = inbox.take();
            assertThat("b never started", next.attempt(), is(1));
            assertThat(inbox.event(next).id(), is("b"));
            assertThat(inbox.offer(List.of(InboxTest.event("a"))), is(Inbox.Offer.DUPLICATE));
        }
    }

    @Test
    void doneEventsThatLeftTheDedupWindowArePrunedAndDeadLettersStay() throws Exception {
        String url = TestPostgres.freshDatabase();
        TestContext.TestClock clock = new TestContext.TestClock(CLOCK.instant());
        try (Postgres db = Postgres.open(TestPostgres.settings(url, "first", LEASE));
             PostgresInbox inbox = PostgresInbox.open(db, 10, 1 << 20, Duration.ofHours(1), clock)) {
            inbox.offer(List.of(InboxTest.event("done-1"), InboxTest.event("done-2"), InboxTest.event("dead")));
            inbox.done(inbox.take());
            inbox.done(inbox.take());
            inbox.dead(inbox.take(), "gave up");
            Await.until("the marks", () -> inbox.deadLetterCount() == 1 && inbox.backlog().size() == 0);
            assertThat(count(db, "events"), is(3L));
        }
        clock.advance(Duration.ofHours(2));
        // A new process prunes at its first poll: the done events are gone, the dead letter stays, no lane is left.
        try (Postgres db = Postgres.open(TestPostgres.settings(url, "second", LEASE));
             PostgresInbox inbox = PostgresInbox.open(db, 10, 1 << 20, Duration.ofHours(1), clock)) {
            Await.until("the pruning", () -> count(db, "events") == 1);
            assertThat(inbox.deadLetters(10, Optional.empty()).getFirst().event().id(), is("dead"));
            assertThat(count(db, "lanes"), is(0L));
        }
    }

    private static long count(Postgres db, String table) {
        try (Connection connection = db.connection(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT count(*) FROM " + table)) {
            rows.next();
            return rows.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
