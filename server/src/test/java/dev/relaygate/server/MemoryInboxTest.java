package dev.relaygate.server;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.relaygate.api.ChannelEvent;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

class MemoryInboxTest {
    private static ChannelEvent event(String id) {
        return ChannelEvent.of(id, "c", "message", "p", "s", "conv", Optional.empty(), "u", "u", "", "{}", Instant.EPOCH);
    }

    @Test
    void allOrNothing() throws InterruptedException {
        MemoryInbox inbox = new MemoryInbox(3, TestGateway.CLOCK);
        assertThat(inbox.offer(List.of(event("1"), event("2"))), is(true));
        assertThat(inbox.offer(List.of(event("3"), event("4"))), is(false));
        assertThat(inbox.backlog(), is(2));
        assertThat(inbox.offer(List.of(event("3"))), is(true));
        assertThat(inbox.take().event().id(), is("1"));
        inbox.close();
        assertThat(inbox.offer(List.of(event("5"))), is(false));
    }

    @Test
    void takenEntriesCountUntilDoneOrDead() throws InterruptedException {
        MemoryInbox inbox = new MemoryInbox(2, TestGateway.CLOCK);
        inbox.offer(List.of(event("1"), event("2")));
        Inbox.Entry first = inbox.take();
        Inbox.Entry second = inbox.take();
        assertThat(first.id(), not(second.id()));
        assertThat(first.attempt(), is(1));
        assertThat("taken is not done", inbox.offer(List.of(event("3"))), is(false));
        inbox.done(first);
        inbox.dead(second.next(), "agent answered HTTP 500");
        assertThat(inbox.backlog(), is(0));

        Inbox.DeadLetter letter = inbox.deadLetters().getFirst();
        assertThat(letter.entry().attempt(), is(2));
        assertThat(letter.error(), is("agent answered HTTP 500"));
        assertThat(letter.diedAt(), is(TestGateway.CLOCK.instant()));

        assertThat(inbox.replay("msg_nope"), is(false));
        assertThat(inbox.replay(second.id()), is(true));
        assertThat(inbox.deadLetters(), empty());
        Inbox.Entry replayed = inbox.take();
        assertThat("same delivery id, a fresh first try", replayed, is(new Inbox.Entry(second.id(), second.event(), 1)));
        inbox.dead(replayed, "again");
        assertThat(inbox.delete(second.id()), is(true));
        assertThat(inbox.delete(second.id()), is(false));
    }

    @Test
    void replayNeedsRoom() throws InterruptedException {
        MemoryInbox inbox = new MemoryInbox(1, TestGateway.CLOCK);
        inbox.offer(List.of(event("1")));
        Inbox.Entry entry = inbox.take();
        inbox.dead(entry, "x");
        inbox.offer(List.of(event("2")));
        assertThat(inbox.replay(entry.id()), is(false));
        assertThat(inbox.deadLetters().size(), is(1));
    }
}
