package dev.relaygate.server;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import dev.relaygate.api.ChannelEvent;
import dev.relaygate.api.spi.Channel;
import dev.relaygate.devrelay.TestContext;
import dev.relaygate.server.store.Inbox;
import dev.relaygate.server.store.Inboxes;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * The dispatcher's own loop survives whatever is thrown in it, an {@link OutOfMemoryError} included: an error there
 * would otherwise stop all delivery in silence.
 */
class DispatcherTest {
    @Test
    void theLoopSurvivesAnOutOfMemoryErrorAndDeliversOn() throws Exception {
        TestContext.TestClock clock = new TestContext.TestClock(Instant.parse("2026-11-29T10:00:00Z"));
        Inbox memory = Inboxes.memory(10, 1 << 20, Duration.ofHours(1), clock);
        AtomicInteger takes = new AtomicInteger();
        // The inbox, but its first take() fails the way a full heap would.
        Inbox inbox = (Inbox) Proxy.newProxyInstance(Inbox.class.getClassLoader(), new Class<?>[] {Inbox.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("take") && takes.getAndIncrement() == 0) {
                        throw new OutOfMemoryError("Java heap space (simulated)");
                    }
                    try {
                        return method.invoke(memory, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        BlockingQueue<ChannelEvent> handled = new LinkedBlockingQueue<>();
        List<Duration> pauses = new CopyOnWriteArrayList<>();
        Channel channel = new FaultyChannelProvider().create(TestContext.of("c", Map.of(), clock));
        Dispatcher dispatcher = new Dispatcher(inbox, (event, attempt, replies) -> handled.add(event), Map.of("c", channel),
                                               RetrySchedule.DEFAULT, 4, 1 << 20, clock, pauses::add, new GatewayMetrics(),
                                               new EventFeed(clock, inbox.backlog()));
        memory.offer(List.of(ChannelEvent.of("after-the-error", "c", "message", "p", "s", "conv", Optional.empty(), "u", "u", "",
                                              "{}", clock.instant())));
        dispatcher.start();
        try {
            ChannelEvent event = handled.poll(10, TimeUnit.SECONDS);
            assertThat("delivered after the loop's own error", event == null ? "nothing" : event.id(), is("after-the-error"));
            assertThat("it paused once before trying again", pauses, is(List.of(Duration.ofSeconds(1))));
        } finally {
            dispatcher.stop(Duration.ofSeconds(1));
        }
        TestGateway.eventually("done", () -> memory.backlog().size() == 0);
        assertThat("handled once", handled.isEmpty(), is(true));
    }
}
