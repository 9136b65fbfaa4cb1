package dev.relaygate.server;

import java.time.Duration;

/**
 * Waits between tries; tests replace it so that they never sleep.
 */
@FunctionalInterface
interface Sleeper {
    Sleeper REAL = Thread::sleep;

    void sleep(Duration duration) throws InterruptedException;
}
