package dev.relaygate.server;

import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

import dev.relaygate.api.ChannelEvent;

/**
 * A bounded in-memory queue: fast, and lost on a crash. For tests and benchmarks ({@code relaygate.inbox.type:
 * memory}).
 */
final class MemoryInbox implements Inbox {
    private final BlockingQueue<ChannelEvent> queue;
    private final int capacity;
    private volatile boolean closed;

    MemoryInbox(int capacity) {
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.capacity = capacity;
    }

    @Override
    public synchronized boolean offer(List<ChannelEvent> events) {
        // Synchronized so that the room check and the offers are one step: all events or none.
        if (closed || queue.remainingCapacity() < events.size()) {
            return false;
        }
        events.forEach(queue::add);
        return true;
    }

    @Override
    public ChannelEvent take() throws InterruptedException {
        return queue.take();
    }

    @Override
    public int backlog() {
        return queue.size();
    }

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public void close() {
        closed = true;
    }
}
