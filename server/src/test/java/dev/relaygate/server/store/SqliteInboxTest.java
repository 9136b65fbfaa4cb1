package dev.relaygate.server.store;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.relaygate.api.ApprovalDecision;
import dev.relaygate.api.ChannelEvent;
import dev.relaygate.devrelay.TestContext;
import dev.relaygate.server.StartupException;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * What only the durable inbox does: keep everything across a restart.
 */
class SqliteInboxTest {
    @TempDir
    Path dir;
    private final TestContext.TestClock clock = new TestContext.TestClock(Instant.parse("2026-11-29T10:00:00.123456789Z"));

    private <T> T withInbox(Work<T> work) throws Exception {
        try (DataDir data = DataDir.lock(dir);
             SqliteInbox inbox = SqliteInbox.open(data, 100, InboxTest.MAX_BYTES, InboxTest.WINDOW, Duration.ZERO, clock)) {
            return work.run(inbox);
        }
    }

    private interface Work<T> {
        T run(SqliteInbox inbox) throws Exception;
    }

    @Test
    void aRestartTakesOverWhatWasNotDoneInArrivalOrder() throws Exception {
        ChannelEvent approval = new ChannelEvent("a1", "slack", ChannelEvent.APPROVAL, "slack", "T1", "D1",
                                                 Optional.of("1700000000.000001"), "U1", "Ann", "yes", "{\"x\":1}",
                                                 Instant.parse("2026-11-29T09:59:59.987654321Z"),
                                                 Optional.of(new ApprovalDecision("req-1",
                                                                                  ApprovalDecision.Decision.APPROVE_ALWAYS)));
        Instant due = clock.instant().plusSeconds(300);
        List<Inbox.Entry> before = withInbox(inbox -> {
            inbox.offer(List.of(InboxTest.event("done"), approval, InboxTest.event("untouched"),
                                InboxTest.event("retrying"), InboxTest.event("dead")));
            Inbox.Entry done = inbox.take();
            Inbox.Entry inHandler = inbox.take();
            inbox.take();
            Inbox.Entry retrying = inbox.take();
            Inbox.Entry dead = inbox.take();
            for (Inbox.Entry started : List.of(done, inHandler, retrying, dead)) {
                assertThat(inbox.lease(started), is(true));
            }
            inbox.done(done);
            inbox.retry(retrying, due, "agent answered HTTP 503");
            inbox.dead(dead, "gone");
            return List.of(inHandler, retrying, dead);
        });

        withInbox(inbox -> {
            assertThat(inbox.backlog().size(), is(3));
            Inbox.Entry inHandler = inbox.take();
            assertThat("every field survives", inbox.event(inHandler), is(approval));
            assertThat(inHandler.id(), is(before.get(0).id()));
            assertThat("the entry is rebuilt from the row, size and lane included", inHandler, is(before.get(0).next()));
            assertThat("it may have run: attempt 1 is never a repeat", inHandler.attempt(), is(2));
            Inbox.Entry untouched = inbox.take();
            assertThat(inbox.event(untouched).id(), is("untouched"));
            assertThat("stored before the last lease: its first try may have started", untouched.attempt(), is(2));
            Inbox.Entry retrying = inbox.take();
            assertThat(retrying.id(), is(before.get(1).id()));
            assertThat("the next try, at its time", retrying.attempt(), is(2));
            assertThat(retrying.due(), is(Optional.of(due)));
            assertThat(inbox.deadLetters(10, Optional.empty()).getFirst().entry().id(), is(before.get(2).id()));
            assertThat(inbox.deadLetters(10, Optional.empty()).getFirst().error(), is("gone"));
            assertThat(inbox.offer(List.of(InboxTest.event("done"))), is(Inbox.Offer.DUPLICATE));
            return null;
        });
    }

    @Test
    void doneEventsArePrunedAfterTheWindowButDeadLettersStay() throws Exception {
        withInbox(inbox -> {
            inbox.offer(List.of(InboxTest.event("old"), InboxTest.event("dead")));
            inbox.done(inbox.take());
            inbox.dead(inbox.take(), "x");
            return null;
        });
        clock.advance(InboxTest.WINDOW.plus(Duration.ofSeconds(1)));
        withInbox(inbox -> {
            assertThat(inbox.offer(List.of(InboxTest.event("old"))), is(Inbox.Offer.STORED));
            assertThat(inbox.deadLetterCount(), is(1));
            return null;
        });
        try (var connection = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("inbox.db"));
             var rows = connection.createStatement().executeQuery("SELECT count(*) FROM events WHERE state = 'done'")) {
            assertThat("the old done row was pruned", rows.getInt(1), is(0));
        }
    }

    @Test
    void aNewerSchemaIsRefused() throws Exception {
        withInbox(inbox -> null);
        try (var connection = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("inbox.db"))) {
            connection.createStatement().execute("PRAGMA user_version = 3");
        }
        StartupException e = org.junit.jupiter.api.Assertions.assertThrows(StartupException.class, () -> withInbox(inbox -> null));
        assertThat(e.getMessage(), is("relaygate.data-dir: cannot open inbox.db: inbox.db has schema version 3; "
                                              + "this build reads version 2"));
    }

    @Test
    void theBacklogFiguresComeFromMemoryNotFromTheWriter() throws Exception {
        withInbox(inbox -> {
            inbox.offer(List.of(InboxTest.event("a"), InboxTest.event("b")));
            // A closed inbox has no writer: gauges and readiness must not need it.
            inbox.close();
            assertThat(inbox.backlog().size(), is(2));
            assertThat(inbox.backlog().bytes(), is(2 * Inbox.size(InboxTest.event("a"))));
            assertThat(inbox.backlog().oldest(), is(Optional.of(InboxTest.event("a").receivedAt())));
            return null;
        });
    }

    /**
     * Leases of first tries are a watermark: one write covers every event stored by then. Whatever moment a crash
     * hits (after the store, after the lease, after the handler, before or after the done mark), a delivery the
     * handler may have seen comes back with a higher attempt, and one stored after the last lease keeps attempt 1.
     */
    @Test
    void aCrashBetweenTheStoreAndTheMarksNeverShowsAttemptOneTwice() throws Exception {
        List<Inbox.Entry> before = withInbox(inbox -> {
            inbox.offer(List.of(InboxTest.event("handled")));
            inbox.offer(List.of(InboxTest.event("in-handler")));
            Inbox.Entry handled = inbox.take();
            Inbox.Entry inHandler = inbox.take();
            assertThat(inbox.lease(handled), is(true));
            assertThat("covered by the same watermark", inbox.lease(inHandler), is(true));
            inbox.done(handled);
            // Stored after the last lease: nothing of it can have started.
            inbox.offer(List.of(InboxTest.event("after-the-lease")));
            Inbox.Entry after = inbox.take();
            // The handler returned, but the crash comes before its done mark is committed: no done() call at all.
            return List.of(inHandler, after);
        });
        List<Inbox.Entry> second = withInbox(inbox -> {
            Inbox.Entry inHandler = inbox.take();
            assertThat(inbox.event(inHandler).id(), is("in-handler"));
            assertThat("it may have run", inHandler.attempt(), is(2));
            assertThat(inHandler.id(), is(before.get(0).id()));
            Inbox.Entry after = inbox.take();
            assertThat(inbox.event(after).id(), is("after-the-lease"));
            assertThat("it cannot have run", after.attempt(), is(1));
            assertThat("handled is not delivered again", inbox.backlog().size(), is(2));
            // A later try marks its own row; a crash during it counts it as run too.
            assertThat(inbox.lease(inHandler), is(true));
            assertThat(inbox.lease(after), is(true));
            return List.of(inHandler, after);
        });
        withInbox(inbox -> {
            Inbox.Entry inHandler = inbox.take();
            assertThat(inHandler.id(), is(second.get(0).id()));
            assertThat(inHandler.attempt(), is(3));
            Inbox.Entry after = inbox.take();
            assertThat(after.id(), is(second.get(1).id()));
            assertThat("its first try had started", after.attempt(), is(2));
            return null;
        });
    }

    @Test
    void aVersionOneFileIsBroughtToVersionTwoWithItsDeliveryIds() throws Exception {
        // The layout of the first release: a random delivery id with its own index, a lease write per try.
        try (var connection = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("inbox.db"));
             var statement = connection.createStatement()) {
            statement.execute("""
                    CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, channel TEXT NOT NULL,
                      scope TEXT NOT NULL, event_id TEXT NOT NULL, type TEXT NOT NULL, provider TEXT NOT NULL,
                      conversation TEXT NOT NULL, thread TEXT, sender_id TEXT NOT NULL, sender_name TEXT NOT NULL,
                      text TEXT NOT NULL, raw TEXT NOT NULL, received_at INTEGER NOT NULL, approval_request TEXT,
                      approval_decision TEXT, state TEXT NOT NULL, attempt INTEGER NOT NULL, due_at INTEGER, error TEXT,
                      dead_at INTEGER)""");
            statement.execute("CREATE INDEX events_dedup ON events (channel, scope, event_id) WHERE event_id <> ''");
            statement.execute("CREATE INDEX events_state ON events (state, received_at)");
            long at = clock.instant().toEpochMilli() * 1_000_000;
            statement.execute("INSERT INTO events (id, channel, scope, event_id, type, provider, conversation, sender_id, "
                    + "sender_name, text, raw, received_at, state, attempt, error, dead_at) VALUES "
                    + "('msg_0123456789abcdef0123456789abcdef', 'c', 's', 'p1', 'message', 'p', 'conv', 'u', 'u', 'hi', '{}', "
                    + at + ", 'pending', 1, NULL, NULL), "
                    + "('msg_fedcba9876543210fedcba9876543210', 'c', 's', 'l1', 'message', 'p', 'conv', 'u', 'u', 'hi', '{}', "
                    + at + ", 'leased', 1, NULL, NULL), "
                    + "('msg_00000000000000000000000000000000', 'c', 's', 'd1', 'message', 'p', 'conv', 'u', 'u', 'hi', '{}', "
                    + at + ", 'dead', 3, 'gone', " + at + ")");
            statement.execute("PRAGMA user_version = 1");
        }
        withInbox(inbox -> {
            Inbox.Entry pending = inbox.take();
            assertThat(pending.id(), is("msg_0123456789abcdef0123456789abcdef"));
            assertThat("never leased: its first try", pending.attempt(), is(1));
            Inbox.Entry leased = inbox.take();
            assertThat(leased.id(), is("msg_fedcba9876543210fedcba9876543210"));
            assertThat(leased.attempt(), is(2));
            assertThat(inbox.event(leased).id(), is("l1"));
            assertThat("an id from before is still found",
                       inbox.deadLetter("msg_00000000000000000000000000000000").orElseThrow().error(), is("gone"));
            assertThat(inbox.offer(List.of(InboxTest.event("p1"))), is(Inbox.Offer.DUPLICATE));
            return null;
        });
    }
}
