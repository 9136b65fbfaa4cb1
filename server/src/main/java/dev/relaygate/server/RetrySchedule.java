package dev.relaygate.server;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * The pauses between the tries of one event ({@code relaygate.handler.retry-schedule}). After the last pause and a
 * failed try the event is dead. Each pause is varied by up to 20% either way, so that events that failed together do
 * not all come back at the same instant. A receiver's {@code Retry-After} replaces the pause, up to a day.
 *
 * @param pauses the pause after the first, second, ... failed try
 */
record RetrySchedule(List<Duration> pauses) {
    /** The Standard Webhooks schedule: 8 tries over about 27 hours. */
    static final RetrySchedule DEFAULT = new RetrySchedule(List.of(Duration.ofSeconds(5), Duration.ofMinutes(5),
                                                                   Duration.ofMinutes(30), Duration.ofHours(2),
                                                                   Duration.ofHours(5), Duration.ofHours(10),
                                                                   Duration.ofHours(10)));
    static final Duration MAX_RETRY_AFTER = Duration.ofDays(1);

    RetrySchedule {
        pauses = List.copyOf(pauses);
    }

    /**
     * Whether a failure at this try is the last one.
     */
    boolean exhausted(int attempt) {
        return attempt > pauses.size();
    }

    /**
     * The pause after a failed try that is not the last.
     */
    Duration pauseAfter(int attempt, Optional<Duration> retryAfter, RandomGenerator random) {
        if (retryAfter.isPresent()) {
            return retryAfter.get().compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : retryAfter.get();
        }
        Duration base = pauses.get(attempt - 1);
        return Duration.ofNanos((long) (base.toNanos() * (0.8 + 0.4 * random.nextDouble())));
    }
}
