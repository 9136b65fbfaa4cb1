package dev.relaygate.server;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * INFO lines that an unauthenticated sender can cause (a rejected webhook), at most one per key every
 * {@link #INTERVAL}; the next line says how many were left out. Metrics count every one.
 */
final class ThrottledLog {
    static final Duration INTERVAL = Duration.ofSeconds(10);
    // Keys are a channel and a fixed reason, so few; the cap only guards against a plugin that varies its reasons.
    private static final int MAX_KEYS = 1024;

    private final System.Logger logger;
    private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();

    ThrottledLog(System.Logger logger) {
        this.logger = logger;
    }

    void log(String key, Supplier<String> line) {
        if (!logger.isLoggable(Level.INFO)) {
            return;
        }
        if (windows.size() >= MAX_KEYS && !windows.containsKey(key)) {
            windows.clear();
        }
        long now = System.nanoTime();
        long[] left = {-1};
        windows.compute(key, (k, window) -> {
            if (window == null || now - window.start() >= INTERVAL.toNanos()) {
                left[0] = window == null ? 0 : window.suppressed();
                return new Window(now, 0);
            }
            return new Window(window.start(), window.suppressed() + 1);
        });
        if (left[0] >= 0) {
            logger.log(Level.INFO, left[0] == 0 ? line.get()
                    : line.get() + " (" + left[0] + " more like it since the last such line)");
        }
    }

    private record Window(long start, long suppressed) {
    }
}
