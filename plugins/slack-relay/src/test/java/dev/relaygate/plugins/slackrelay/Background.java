package dev.relaygate.plugins.slackrelay;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;

/**
 * A channel's background work on threads a test can wait for, so that no test sleeps or polls.
 */
final class Background implements Executor {
    private final List<Thread> threads = new CopyOnWriteArrayList<>();

    @Override
    public void execute(Runnable task) {
        threads.add(Thread.ofVirtual().start(task));
    }

    /**
     * Waits for every task started so far.
     */
    void awaitIdle() throws InterruptedException {
        for (Thread thread : threads) {
            if (!thread.join(Duration.ofSeconds(10))) {
                throw new AssertionError("background task still running after 10 s");
            }
        }
    }

    int started() {
        return threads.size();
    }
}
