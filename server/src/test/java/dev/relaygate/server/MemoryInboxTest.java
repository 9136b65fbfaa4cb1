package dev.relaygate.server;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.relaygate.api.ChannelEvent;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

class MemoryInboxTest {
    private static ChannelEvent event(String id) {
        return ChannelEvent.of(id, "c", "message", "p", "s", "conv", Optional.empty(), "u", "u", "", "{}", Instant.EPOCH);
    }

    @Test
    void allOrNothing() throws InterruptedException {
        MemoryInbox inbox = new MemoryInbox(3);
        assertThat(inbox.offer(List.of(event("1"), event("2"))), is(true));
        assertThat(inbox.offer(List.of(event("3"), event("4"))), is(false));
        assertThat(inbox.backlog(), is(2));
        assertThat(inbox.offer(List.of(event("3"))), is(true));
        assertThat(inbox.take().id(), is("1"));
        inbox.close();
        assertThat(inbox.offer(List.of(event("5"))), is(false));
    }
}
