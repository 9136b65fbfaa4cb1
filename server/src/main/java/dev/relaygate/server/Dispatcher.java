package dev.relaygate.server;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;

import dev.relaygate.api.ChannelEvent;
import dev.relaygate.api.ChannelException;
import dev.relaygate.api.Delivery;
import dev.relaygate.api.HandlerException;
import dev.relaygate.api.OutboundMessage;
import dev.relaygate.api.spi.Channel;
import dev.relaygate.api.spi.EventHandler;
import dev.relaygate.api.spi.Replies;
import dev.relaygate.server.store.Inbox;

/**
 * Hands inbox entries to the agent's handler: one at a time and in arrival order per conversation (channel, team,
 * conversation, thread), conversations in parallel on virtual threads, at most {@code max-concurrency} handler calls
 * at once. A failed try is retried on the schedule while the conversation waits (so its order holds); after the last
 * try the entry is dead. Nothing a handler does stops the dispatcher or holds up another conversation.
 *
 * <p>An entry's event is read from the inbox just before each try, and at most {@code max-bytes-in-flight} bytes of
 * events are held for handler calls at once (a larger event runs alone), so a backlog of large events cannot fill the
 * heap however many conversations run.
 */
final class Dispatcher {
    private static final System.Logger LOGGER = System.getLogger(Dispatcher.class.getName());
    private static final Duration STORE_PAUSE = Duration.ofSeconds(1);
    private static final int KIB = 1024;
    /** Errors kept with an entry are cut to this many characters. */
    static final int MAX_ERROR = 1000;

    private final Inbox inbox;
    private final EventHandler handler;
    private final Map<String, Channel> channels;
    private final RetrySchedule schedule;
    private final Semaphore handlerCalls;
    // Bytes of events held for handler calls, in KiB.
    private final Semaphore eventBytes;
    private final int eventKibs;
    private final Clock clock;
    private final Sleeper sleeper;
    private final GatewayMetrics metrics;
    private final EventFeed feed;
    // A lane per conversation with work; guarded by itself. A lane is removed, under the lock, once its worker finds
    // it empty, so an entry is never added to a lane whose worker has left.
    private final Map<String, ArrayDeque<Inbox.Entry>> lanes = new HashMap<>();
    private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
    // Lanes inside a handler call: a graceful stop lets them finish.
    private final Set<Thread> inHandler = ConcurrentHashMap.newKeySet();
    private volatile boolean stopping;
    private Thread loop;

    Dispatcher(Inbox inbox, EventHandler handler, Map<String, Channel> channels, RetrySchedule schedule,
               int maxConcurrency, long maxBytesInFlight, Clock clock, Sleeper sleeper, GatewayMetrics metrics,
               EventFeed feed) {
        this.inbox = inbox;
        this.handler = handler;
        this.channels = channels;
        this.schedule = schedule;
        this.handlerCalls = new Semaphore(maxConcurrency);
        this.eventKibs = (int) Math.max(1, Math.min(Integer.MAX_VALUE, maxBytesInFlight / KIB));
        // Fair: a large event waits its turn instead of being overtaken by small ones for ever.
        this.eventBytes = new Semaphore(eventKibs, true);
        this.clock = clock;
        this.sleeper = sleeper;
        this.metrics = metrics;
        this.feed = feed;
    }

    void start() {
        loop = start("relaygate-dispatcher", this::run);
    }

    private void run() {
        Inbox.Entry entry = null;
        while (true) {
            try {
                if (entry == null) {
                    entry = inbox.take();
                }
                toLane(entry);
                entry = null;
            } catch (InterruptedException e) {
                return;
            } catch (Throwable t) {
                // Nothing may stop this loop, an OutOfMemoryError included, or delivery would stop in silence; the entry
                // is tried again after a pause.
                LOGGER.log(Level.ERROR, "The dispatcher failed to start delivery " + (entry == null ? "" : entry.id())
                        + "; trying again", t);
                try {
                    sleeper.sleep(STORE_PAUSE);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    private void toLane(Inbox.Entry entry) {
        synchronized (lanes) {
            ArrayDeque<Inbox.Entry> lane = lanes.get(entry.lane());
            if (lane != null) {
                lane.add(entry);
            } else {
                ArrayDeque<Inbox.Entry> fresh = new ArrayDeque<>();
                fresh.add(entry);
                start("relaygate-lane", () -> drain(entry.lane(), fresh));
                lanes.put(entry.lane(), fresh);
            }
        }
    }

    private void drain(String key, ArrayDeque<Inbox.Entry> lane) {
        while (!stopping) {
            Inbox.Entry entry;
            synchronized (lanes) {
                entry = lane.poll();
                if (entry == null) {
                    lanes.remove(key);
                    return;
                }
            }
            try {
                deliver(entry);
            } catch (InterruptedException e) {
                return; // only stop() interrupts a lane
            } catch (Throwable t) {
                // A bug or an OutOfMemoryError, not the handler (whose failures are caught): the entry stays undelivered
                // in the store until the next start, and the conversation goes on rather than stalling behind it.
                LOGGER.log(Level.ERROR, "Delivery " + entry.id() + " broke off", t);
            }
        }
    }

    private void deliver(Inbox.Entry first) throws InterruptedException {
        Inbox.Entry entry = first;
        if (entry.due().isPresent()) {
            // A retry that was waiting when the gateway stopped keeps its time.
            Duration wait = Duration.between(clock.instant(), entry.due().get());
            if (wait.isPositive()) {
                sleeper.sleep(wait);
            }
        }
        while (true) {
            Optional<Try> tried = Optional.empty();
            int kibs = (int) Math.min(eventKibs, Math.max(1, (entry.size() + KIB - 1) / KIB));
            handlerCalls.acquire();
            try {
                eventBytes.acquire(kibs);
            } catch (InterruptedException e) {
                handlerCalls.release();
                throw e;
            }
            // In the set before looking at the flag: stop() either sees this call running or this call sees the flag.
            inHandler.add(Thread.currentThread());
            try {
                if (stopping) {
                    return;
                }
                ChannelEvent event = inbox.event(entry);
                if (!inbox.lease(entry)) {
                    return;
                }
                long start = System.nanoTime();
                Optional<Failure> failure = attempt(entry, event);
                metrics.handled(entry.channel(), Duration.ofNanos(System.nanoTime() - start), failure.isPresent());
                tried = Optional.of(new Try(event, failure));
            } catch (IllegalStateException e) {
                // The store could not give the event or record the start of the try: it does not run, does not count.
                LOGGER.log(Level.ERROR, "Delivery " + entry.id() + " waits for the store: " + e.getMessage());
            } finally {
                inHandler.remove(Thread.currentThread());
                eventBytes.release(kibs);
                handlerCalls.release();
            }
            if (tried.isEmpty()) {
                sleeper.sleep(STORE_PAUSE);
                continue;
            }
            if (tried.get().failure().isEmpty()) {
                inbox.done(entry);
                feed.handled(tried.get().event(), entry.attempt(), entry.id());
                return;
            }
            Failure f = tried.get().failure().get();
            ChannelEvent what = tried.get().event();
            if (f.giveUp() || schedule.exhausted(entry.attempt())) {
                LOGGER.log(Level.WARNING, "Dead letter " + entry.id() + " after try " + entry.attempt() + " of "
                        + what + ": " + f.logged());
                inbox.dead(entry, f.message());
                metrics.deadLetter(entry.channel());
                feed.dead(what, entry.attempt(), entry.id(), f.message());
                return;
            }
            Duration pause = schedule.pauseAfter(entry.attempt(), f.retryAfter(), ThreadLocalRandom.current());
            LOGGER.log(Level.WARNING, "Delivery " + entry.id() + " try " + entry.attempt() + " of " + what
                    + " failed, next in " + pause + ": " + f.logged());
            inbox.retry(entry, clock.instant().plus(pause), f.message());
            feed.retrying(what, entry.attempt(), entry.id(), f.message());
            if (stopping) {
                return; // the retry is recorded with its time; the next start keeps it
            }
            sleeper.sleep(pause);
            entry = entry.next();
        }
    }

    private Optional<Failure> attempt(Inbox.Entry entry, ChannelEvent event) throws InterruptedException {
        Channel channel = channels.get(event.channel());
        if (channel == null) {
            // Stored before a restart that removed or switched off its channel: nothing could answer it.
            String error = "channel " + event.channel() + " is not configured";
            return Optional.of(Failure.of(error, error, Optional.empty(), true));
        }
        try {
            handler.handle(event, entry.asAttempt(), new ChannelReplies(event, channel));
            return Optional.empty();
        } catch (InterruptedException e) {
            if (stopping) {
                throw e;
            }
            // The handler's own interruption, not a stop: a failed try like any other.
            return Optional.of(Failure.of(e.toString(), e.getClass().getName(), Optional.empty(), false));
        } catch (HandlerException e) {
            return Optional.of(Failure.of(e.getMessage() + e.detail().map(detail -> ": " + detail).orElse(""),
                                          e.getMessage(), e.retryAfter(), e.gaveUp()));
        } catch (ChannelException e) {
            return Optional.of(Failure.of(e.getMessage(), e.getMessage(), Optional.empty(), !e.retryable()));
        } catch (Throwable t) {
            // The message of an arbitrary exception may quote user text: logs get the class, the dead letter all.
            LOGGER.log(Level.DEBUG, "Handler failure detail", t);
            return Optional.of(Failure.of(t.toString(), t.getClass().getName(), Optional.empty(), false));
        }
    }

    private Thread start(String name, Runnable task) {
        Thread thread = Thread.ofVirtual().name(name).unstarted(() -> {
            try {
                task.run();
            } finally {
                threads.remove(Thread.currentThread());
            }
        });
        threads.add(thread);
        thread.start();
        return thread;
    }

    /**
     * Stops taking entries and lets handler calls that are running finish, for at most {@code grace}; then interrupts
     * what is left. Entries not done stay in the inbox for the next start.
     */
    void stop(Duration grace) {
        stopping = true;
        if (loop != null) {
            loop.interrupt();
        }
        // Lanes waiting (for a retry, for a handler slot) have nothing to finish.
        threads.stream().filter(thread -> !inHandler.contains(thread)).forEach(Thread::interrupt);
        long deadline = System.nanoTime() + grace.toNanos();
        try {
            for (Thread thread : threads) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || !thread.join(Duration.ofNanos(left))) {
                    break;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!threads.isEmpty()) {
            LOGGER.log(Level.WARNING, threads.size() + " handler calls did not finish within " + grace
                    + "; their events are delivered again after the restart");
            threads.forEach(Thread::interrupt);
        }
    }

    /** A try that ran: its event, and how it failed, if it did. */
    private record Try(ChannelEvent event, Optional<Failure> failure) {
    }

    /**
     * A failed try: the message kept with the entry, what may be logged, and what the handler asked for.
     */
    private record Failure(String message, String logged, Optional<Duration> retryAfter, boolean giveUp) {
        static Failure of(String message, String logged, Optional<Duration> retryAfter, boolean giveUp) {
            String kept = message == null ? "" : message;
            return new Failure(kept.length() <= MAX_ERROR ? kept : kept.substring(0, MAX_ERROR) + "...", logged,
                               retryAfter, giveUp);
        }
    }

    /**
     * Replies through the channel the event came from.
     */
    private record ChannelReplies(ChannelEvent event, Channel channel) implements Replies {
        @Override
        public Delivery reply(String text) {
            return channel.send(OutboundMessage.reply(event, text));
        }

        @Override
        public Delivery send(OutboundMessage message) {
            return channel.send(message);
        }
    }
}
