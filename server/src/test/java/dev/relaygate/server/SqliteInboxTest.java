package dev.relaygate.server;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.relaygate.api.ApprovalDecision;
import dev.relaygate.api.ChannelEvent;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * What only the durable inbox does: keep everything across a restart.
 */
class SqliteInboxTest {
    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-29T10:00:00.123456789Z"));

    private <T> T withInbox(Work<T> work) throws Exception {
        try (DataDir data = DataDir.lock(dir);
             SqliteInbox inbox = SqliteInbox.open(data, 100, InboxTest.MAX_BYTES, InboxTest.WINDOW, clock)) {
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
            assertThat("never tried: still its first try", untouched.attempt(), is(1));
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
            connection.createStatement().execute("PRAGMA user_version = 2");
        }
        StartupException e = org.junit.jupiter.api.Assertions.assertThrows(StartupException.class, () -> withInbox(inbox -> null));
        assertThat(e.getMessage(), is("relaygate.data-dir: cannot open inbox.db: inbox.db has schema version 2; "
                                              + "this build reads version 1"));
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
}
