package dev.relaygate.server.store;

import java.util.function.BooleanSupplier;

/**
 * Waiting, in tests, for what a store or a gateway does after it answered (a done mark, a dead letter).
 */
public final class Await {
    private Await() {
    }

    /**
     * Polls every 10 ms, for up to 10 s.
     *
     * @throws AssertionError when the condition did not come true in time
     */
    public static void until(String what, BooleanSupplier condition) throws InterruptedException {
        for (int i = 0; i < 1000; i++) {
            if (condition.getAsBoolean()) {
                return;
            }
            Thread.sleep(10);
        }
        throw new AssertionError(what + " did not happen within 10 s");
    }
}
