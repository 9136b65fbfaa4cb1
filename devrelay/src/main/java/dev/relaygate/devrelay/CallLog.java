package dev.relaygate.devrelay;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

/**
 * The calls a fake server received, in order, for tests to read and wait for.
 *
 * @param <T> what is recorded of a call
 */
final class CallLog<T> {
    private final List<T> calls = new ArrayList<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition added = lock.newCondition();

    void add(T call) {
        lock.lock();
        try {
            calls.add(call);
            added.signalAll();
        } finally {
            lock.unlock();
        }
    }

    List<T> all() {
        lock.lock();
        try {
            return List.copyOf(calls);
        } finally {
            lock.unlock();
        }
    }

    List<T> matching(Predicate<T> which) {
        return all().stream().filter(which).toList();
    }

    /**
     * Waits for the {@code n}th matching call (1-based).
     *
     * @throws AssertionError when it does not come in time, naming {@code what} and the calls that did
     */
    T await(Predicate<T> which, String what, int n, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            while (true) {
                List<T> matching = calls.stream().filter(which).toList();
                if (matching.size() >= n) {
                    return matching.get(n - 1);
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("no call " + n + " of " + what + " within " + timeout + "; calls: " + calls);
                }
                added.await(left, TimeUnit.NANOSECONDS);
            }
        } finally {
            lock.unlock();
        }
    }
}
