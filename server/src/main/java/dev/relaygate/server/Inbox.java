package dev.relaygate.server;

import java.util.List;

import dev.relaygate.api.ChannelEvent;

/**
 * Where acknowledged events wait for the dispatcher. A webhook is answered 200 only after {@link #offer} accepted its
 * events.
 */
interface Inbox extends AutoCloseable {
    /**
     * Accepts all events or none.
     *
     * @param events verified events of one request
     * @return false when the backlog has no room for all of them or the inbox is closed
     */
    boolean offer(List<ChannelEvent> events);

    /**
     * The next event, waiting for one.
     *
     * @return the event
     * @throws InterruptedException when the dispatcher is stopped
     */
    ChannelEvent take() throws InterruptedException;

    /**
     * Events accepted but not yet taken.
     *
     * @return the backlog
     */
    int backlog();

    /**
     * The backlog limit.
     *
     * @return the capacity
     */
    int capacity();

    /**
     * Refuses further offers.
     */
    @Override
    void close();
}
