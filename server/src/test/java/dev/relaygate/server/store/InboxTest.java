package dev.relaygate.server.store;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.relaygate.api.ChannelEvent;
import dev.relaygate.devrelay.TestContext;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The inbox contract, for the in-memory, the durable (SQLite) and the PostgreSQL inbox alike.
 */
class InboxTest {
    static final Duration WINDOW = Duration.ofHours(24);
    static final long MAX_BYTES = 1 << 20;

    @TempDir
    Path dir;
    private final TestContext.TestClock clock = new TestContext.TestClock(Instant.parse("2026-11-29T10:00:00.123456789Z"));
    private final List<AutoCloseable> open = new ArrayList<>();

    static ChannelEvent event(String id) {
        return event(id, "c", "s");
    }

    static ChannelEvent event(String id, String channel, String scope) {
        return ChannelEvent.of(id, channel, "message", "p", scope, "conv", Optional.empty(), "u", "u", "", "{}",
                               Instant.parse("2026-11-29T10:00:00.123456789Z"));
    }

    private Inbox inbox(String type, int capacity) {
        if (type.equals("memory")) {
            return new MemoryInbox(capacity, MAX_BYTES, WINDOW, clock);
        }
        if (type.equals("postgres")) {
            Postgres db = Postgres.open(TestPostgres.settings(TestPostgres.freshDatabase(), "inbox-test", Duration.ofSeconds(5)));
            Inbox inbox = PostgresInbox.open(db, capacity, MAX_BYTES, WINDOW, clock);
            open.add(db);
            open.add(0, inbox);
            return inbox;
        }
        DataDir data = DataDir.lock(dir);
        Inbox inbox = SqliteInbox.open(data, capacity, MAX_BYTES, WINDOW, Duration.ZERO, clock);
        open.add(data);
        open.add(0, inbox);
        return inbox;
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable closeable : open) {
            closeable.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "durable", "postgres"})
    void allOrNothingUpToCapacity(String type) throws InterruptedException {
        Inbox inbox = inbox(type, 3);
        assertThat(inbox.offer(List.of(event("1"), event("2"))), is(Inbox.Offer.STORED));
        assertThat(inbox.offer(List.of(event("3"), event("4"))), is(Inbox.Offer.FULL));
        assertThat(inbox.backlog().size(), is(2));
        assertThat(inbox.offer(List.of(event("3"))), is(Inbox.Offer.STORED));
        assertThat(inbox.event(inbox.take()).id(), is("1"));
        assertThat(inbox.event(inbox.take()).id(), is("2"));
        assertThat(inbox.event(inbox.take()).id(), is("3"));
        assertThat("a refused offer stored nothing: 4 was never seen", inbox.backlog().size(), is(3));
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "durable", "postgres"})
    void closedRefusesOffers(String type) {
        Inbox inbox = inbox(type, 3);
        inbox.close();
        assertThat(inbox.offer(List.of(event("5"))), is(Inbox.Offer.CLOSED));
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "durable", "postgres"})
    void takenEntriesCountUntilDoneOrDeadAndDeadLettersReplay(String type) throws InterruptedException {
        Inbox inbox = inbox(type, 2);
        inbox.offer(List.of(event("1"), event("2")));
        Inbox.Entry first = inbox.take();
        Inbox.Entry second = inbox.take();
        assertThat(first.id(), not(second.id()));
        assertThat(first.attempt(), is(1));
        assertThat("taken is not done", inbox.offer(List.of(event("3"))), is(Inbox.Offer.FULL));
        inbox.done(first);
        inbox.retry(second, clock.instant().plusSeconds(5), "agent answered HTTP 500");
        inbox.dead(second.next(), "agent answered HTTP 500");
        // Marks are not waited for: they show once committed, a moment later.
        Await.until("the dead letter", () -> inbox.deadLetterCount() == 1 && inbox.backlog().size() == 0);

        Inbox.DeadLetter letter = inbox.deadLetter(second.id()).orElseThrow();
        assertThat(letter.entry().id(), is(second.id()));
        assertThat(letter.entry().attempt(), is(2));
        assertThat(letter.event(), is(event("2")));
        assertThat(letter.error(), is("agent answered HTTP 500"));
        assertThat(letter.diedAt(), is(clock.instant()));

        assertThat(inbox.replay("msg_nope"), is(Inbox.Replay.NOT_FOUND));
        assertThat(inbox.replay(second.id()), is(Inbox.Replay.REPLAYED));
        assertThat(inbox.deadLetterCount(), is(0));
        assertThat("same delivery id, the attempts count on", inbox.take(), is(second.next().next()));
        assertThat(inbox.backlog().size(), is(1));
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "durable", "postgres"})
    void replayNeedsRoomAndDeleteForgets(String type) throws InterruptedException {
        Inbox inbox = inbox(type, 1);
        inbox.offer(List.of(event("1")));
        Inbox.Entry entry = inbox.take();
        inbox.dead(entry, "x");
        Await.until("the dead letter", () -> inbox.deadLetterCount() == 1);
        inbox.offer(List.of(event("2")));
        assertThat(inbox.replay(entry.id()), is(Inbox.Replay.FULL));
        assertThat(inbox.deadLetterCount(), is(1));
        assertThat(inbox.delete(entry.id()), is(true));
        assertThat(inbox.delete(entry.id()), is(false));
        assertThat(inbox.deadLetters(10, Optional.empty()), empty());
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "durable", "postgres"})
    void theSameEventInsideTheWindowIsStoredOnce(String type) throws InterruptedException {
        Inbox inbox = inbox(type, 100);
        assertThat(inbox.offer(List.of(event("e1"))), is(Inbox.Offer.STORED));
        assertThat(inbox.offer(List.of(event("e1"))), is(Inbox.Offer.DUPLICATE));
        assertThat("another channel", inbox.offer(List.of(event("e1", "other", "s"))), is(Inbox.Offer.STORED));
        assertThat("another team", inbox.offer(List.of(event("e1", "c", "T2"))), is(Inbox.Offer.STORED));
        assertThat("events without an id are never duplicates", inbox.offer(List.of(event(""))), is(Inbox.Offer.STORED));
        assertThat(inbox.offer(List.of(event(""))), is(Inbox.Offer.STORED));
        assertThat("only the fresh one of a mixed request", inbox.offer(List.of(event("e1"), event("e2"), event("e2"))),
                   is(Inbox.Offer.STORED));
        assertThat(inbox.backlog().size(), is(6));
        // Handled or not, the event stays known for the window.
        for (int i = 0; i < 6; i++) {
            inbox.done(inbox.take());
        }
        clock.advance(WINDOW.minusSeconds(1));
        assertThat(inbox.offer(List.of(event("e1"))), is(Inbox.Offer.DUPLICATE));
        clock.advance(Duration.ofSeconds(2));
        assertThat("after the window it is new", inbox.offer(List.of(event("e1"))), is(Inbox.Offer.STORED));
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "durable", "postgres"})
    void concurrentOffersAreAllStoredInOrderPerSender(String type) throws Exception {
        Inbox inbox = inbox(type, 10_000);
        int senders = 32;
        int each = 50;
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> futures = new ArrayList<>();
            for (int s = 0; s < senders; s++) {
                String sender = "s" + s;
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < each; i++) {
                        assertThat(inbox.offer(List.of(event(sender + "-" + i))), is(Inbox.Offer.STORED));
                    }
                    return null;
                }));
            }
            for (Future<?> future : futures) {
                future.get();
            }
        }
        assertThat(inbox.backlog().size(), is(senders * each));
        int[] next = new int[senders];
        for (int i = 0; i < senders * each; i++) {
            String[] id = inbox.event(inbox.take()).id().split("-");
            int s = Integer.parseInt(id[0].substring(1));
            assertThat(Integer.parseInt(id[1]), is(next[s]++));
        }
    }

    static ChannelEvent event(String id, String text, String raw, Instant receivedAt) {
        return ChannelEvent.of(id, "c", "message", "p", "s", "conv", Optional.empty(), "u", "u", text, raw, receivedAt);
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "durable", "postgres"})
    void theBacklogIsBoundedInBytesToo(String type) throws InterruptedException {
        Inbox inbox = inbox(type, 100);
        String large = "x".repeat((int) (MAX_BYTES * 6 / 10));
        ChannelEvent first = event("1", "", large, clock.instant());
        assertThat(inbox.offer(List.of(first)), is(Inbox.Offer.STORED));
        assertThat(inbox.backlog().bytes(), is(Inbox.size(first)));
        assertThat("over max-bytes", inbox.offer(List.of(event("2", "", large, clock.instant()))), is(Inbox.Offer.FULL));
        assertThat("a small one still fits", inbox.offer(List.of(event("3"))), is(Inbox.Offer.STORED));
        Inbox.Entry entry = inbox.take();
        assertThat(entry.size(), is(Inbox.size(first)));
        inbox.done(entry);
        Await.until("room again", () -> inbox.offer(List.of(event("2", "", large, clock.instant())))
                == Inbox.Offer.STORED);
        // Non-ASCII counts in UTF-8 bytes: two for é, four for an emoji (two chars).
        assertThat(Inbox.size(event("", "\u00e9\ud83d\ude00", "", clock.instant()))
                           - Inbox.size(event("", "", "", clock.instant())), is(6L));
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "durable", "postgres"})
    void deadLettersArePagedInArrivalOrderWithoutTheirBodies(String type) throws InterruptedException {
        Inbox inbox = inbox(type, 100);
        String text = "t".repeat(Inbox.TEXT_PREVIEW + 44);
        for (int i = 0; i < 5; i++) {
            inbox.offer(List.of(event("e" + i, text, "{\"n\":" + i + "}", clock.instant())));
        }
        List<Inbox.Entry> entries = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            entries.add(inbox.take());
        }
        // Given up in another order than they arrived: listings keep the arrival order.
        for (int i : new int[] {3, 0, 4, 1, 2}) {
            inbox.dead(entries.get(i), "error " + i);
        }
        Await.until("five dead letters", () -> inbox.deadLetterCount() == 5);

        List<Inbox.DeadLetter> page = inbox.deadLetters(2, Optional.empty());
        assertThat(page.stream().map(letter -> letter.event().id()).toList(), is(List.of("e0", "e1")));
        assertThat(page.getFirst().event().raw(), is(""));
        assertThat(page.getFirst().event().text(), is(text.substring(0, Inbox.TEXT_PREVIEW)));
        assertThat(page.getFirst().error(), is("error 0"));
        page = inbox.deadLetters(2, Optional.of(page.get(1).entry().id()));
        assertThat(page.stream().map(letter -> letter.event().id()).toList(), is(List.of("e2", "e3")));
        page = inbox.deadLetters(2, Optional.of(page.get(1).entry().id()));
        assertThat(page.stream().map(letter -> letter.event().id()).toList(), is(List.of("e4")));
        assertThat(inbox.deadLetters(2, Optional.of(entries.get(4).id())), empty());
        assertThrows(NoSuchElementException.class, () -> inbox.deadLetters(2, Optional.of("msg_unknown")));

        Inbox.DeadLetter whole = inbox.deadLetter(entries.get(1).id()).orElseThrow();
        assertThat(whole.event(), is(event("e1", text, "{\"n\":1}", clock.instant())));
        assertThat(inbox.deadLetter("msg_unknown"), is(Optional.empty()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "durable", "postgres"})
    void replayAllReplaysWhatFitsOldestFirst(String type) throws InterruptedException {
        Inbox inbox = inbox(type, 3);
        for (int round = 0; round < 2; round++) {
            inbox.offer(List.of(event("r" + round + "a"), event("r" + round + "b")));
            inbox.dead(inbox.take(), "x");
            inbox.dead(inbox.take(), "x");
            int expected = 2 * (round + 1);
            Await.until("dead letters", () -> inbox.deadLetterCount() == expected && inbox.backlog().size() == 0);
        }
        assertThat(inbox.replayAll(), is(3));
        assertThat(inbox.deadLetterCount(), is(1));
        assertThat(inbox.backlog().size(), is(3));
        assertThat(inbox.event(inbox.take()).id(), is("r0a"));
        assertThat(inbox.event(inbox.take()).id(), is("r0b"));
        assertThat(inbox.event(inbox.take()).id(), is("r1a"));
        assertThat(inbox.deadLetters(10, Optional.empty()).getFirst().event().id(), is("r1b"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "durable", "postgres"})
    void theOldestUndeliveredEventComesFromMemory(String type) throws InterruptedException {
        Inbox inbox = inbox(type, 10);
        assertThat(inbox.backlog().oldest(), is(Optional.empty()));
        Instant early = clock.instant().minusSeconds(60);
        inbox.offer(List.of(event("late", "", "{}", clock.instant()), event("early", "", "{}", early)));
        assertThat(inbox.backlog().oldest(), is(Optional.of(early)));
        Inbox.Entry late = inbox.take();
        Inbox.Entry first = inbox.take();
        inbox.done(first);
        Await.until("the early one done", () -> inbox.backlog().oldest().equals(Optional.of(clock.instant())));
        inbox.done(late);
        Await.until("none left", () -> inbox.backlog().oldest().isEmpty());
    }
}
