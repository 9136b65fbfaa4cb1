package dev.relaygate.server;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.relaygate.api.ChannelEvent;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

/**
 * The inbox contract, for the durable and the in-memory inbox alike.
 */
class InboxTest {
    static final Duration WINDOW = Duration.ofHours(24);

    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-29T10:00:00.123456789Z"));
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
            return new MemoryInbox(capacity, WINDOW, clock);
        }
        DataDir data = DataDir.lock(dir);
        Inbox inbox = SqliteInbox.open(data, capacity, WINDOW, clock);
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
    @ValueSource(strings = {"memory", "durable"})
    void allOrNothingUpToCapacity(String type) throws InterruptedException {
        Inbox inbox = inbox(type, 3);
        assertThat(inbox.offer(List.of(event("1"), event("2"))), is(Inbox.Offer.STORED));
        assertThat(inbox.offer(List.of(event("3"), event("4"))), is(Inbox.Offer.FULL));
        assertThat(inbox.backlog(), is(2));
        assertThat(inbox.offer(List.of(event("3"))), is(Inbox.Offer.STORED));
        assertThat(inbox.take().event().id(), is("1"));
        assertThat(inbox.take().event().id(), is("2"));
        assertThat(inbox.take().event().id(), is("3"));
        assertThat("a refused offer stored nothing: 4 was never seen", inbox.backlog(), is(3));
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "durable"})
    void closedRefusesOffers(String type) {
        Inbox inbox = inbox(type, 3);
        inbox.close();
        assertThat(inbox.offer(List.of(event("5"))), is(Inbox.Offer.CLOSED));
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "durable"})
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
        assertThat(inbox.deadLetters().size(), is(1));
        assertThat(inbox.backlog(), is(0));

        Inbox.DeadLetter letter = inbox.deadLetters().getFirst();
        assertThat(letter.entry().id(), is(second.id()));
        assertThat(letter.entry().attempt(), is(2));
        assertThat(letter.entry().event(), is(second.event()));
        assertThat(letter.error(), is("agent answered HTTP 500"));
        assertThat(letter.diedAt(), is(clock.instant()));

        assertThat(inbox.replay("msg_nope"), is(false));
        assertThat(inbox.replay(second.id()), is(true));
        assertThat(inbox.deadLetters(), empty());
        assertThat("same delivery id, the attempts count on", inbox.take(),
                   is(new Inbox.Entry(second.id(), second.event(), 3, Optional.empty())));
        assertThat(inbox.backlog(), is(1));
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "durable"})
    void replayNeedsRoomAndDeleteForgets(String type) throws InterruptedException {
        Inbox inbox = inbox(type, 1);
        inbox.offer(List.of(event("1")));
        Inbox.Entry entry = inbox.take();
        inbox.dead(entry, "x");
        inbox.offer(List.of(event("2")));
        assertThat(inbox.replay(entry.id()), is(false));
        assertThat(inbox.deadLetters().size(), is(1));
        assertThat(inbox.delete(entry.id()), is(true));
        assertThat(inbox.delete(entry.id()), is(false));
        assertThat(inbox.deadLetters(), empty());
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "durable"})
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
        assertThat(inbox.backlog(), is(6));
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
    @ValueSource(strings = {"memory", "durable"})
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
        assertThat(inbox.backlog(), is(senders * each));
        int[] next = new int[senders];
        for (int i = 0; i < senders * each; i++) {
            String[] id = inbox.take().event().id().split("-");
            int s = Integer.parseInt(id[0].substring(1));
            assertThat(Integer.parseInt(id[1]), is(next[s]++));
        }
    }
}
