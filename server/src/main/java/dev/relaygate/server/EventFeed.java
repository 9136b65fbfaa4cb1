package dev.relaygate.server;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import dev.relaygate.api.ChannelEvent;
import dev.relaygate.server.store.Backlog;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;

/**
 * What the console shows live, kept in memory and bounded: the last {@link #RECENT} events with their state (stored,
 * handled, retrying, dead), each change pushed to at most {@link #MAX_SUBSCRIBERS} subscribers through a queue of
 * {@link #QUEUE} changes (a subscriber that falls behind is cut off, never buffered for), and per-minute counts for the
 * last hour (accepted, failed tries, the largest backlog and oldest age seen). Texts are cut to {@link #MAX_TEXT}
 * characters. With several replicas each shows what it stored and handled.
 */
final class EventFeed {
    static final int RECENT = 500;
    static final int QUEUE = 256;
    static final int MAX_SUBSCRIBERS = 16;
    static final int MAX_TEXT = 200;
    static final int MINUTES = 60;

    /** One event as the console shows it. */
    record Item(long seq, String key, Instant at, String channel, String type, String conversation, Optional<String> thread,
                String sender, String text, String state, int attempt, Optional<String> deliveryId,
                Optional<String> error) {
        JsonObject json() {
            JsonObjectBuilder json = Json.createObjectBuilder().add("seq", seq).add("key", key).add("at", at.toString())
                    .add("channel", channel).add("type", type).add("conversation", conversation).add("sender", sender)
                    .add("text", text).add("state", state).add("attempt", attempt);
            thread.ifPresent(t -> json.add("thread", t));
            deliveryId.ifPresent(id -> json.add("delivery_id", id));
            error.ifPresent(e -> json.add("error", e));
            return json.build();
        }
    }

    /** A subscriber's changes; {@link #next} ends with empty when it fell behind or was closed. */
    static final class Subscription implements AutoCloseable {
        private final BlockingQueue<Item> queue = new ArrayBlockingQueue<>(QUEUE);
        private final EventFeed feed;
        private volatile boolean cut;

        private Subscription(EventFeed feed) {
            this.feed = feed;
        }

        /**
         * The next change, waiting up to {@code wait}; empty after the wait (send a keep-alive) and when cut off.
         */
        Optional<Item> next(Duration wait) throws InterruptedException {
            return cut ? Optional.empty() : Optional.ofNullable(queue.poll(wait.toMillis(), TimeUnit.MILLISECONDS));
        }

        boolean cut() {
            return cut;
        }

        private void offer(Item item) {
            if (!queue.offer(item)) {
                // Too slow to read: dropped, so that the gateway never holds more than QUEUE changes for it.
                cut = true;
                queue.clear();
                feed.subscribers.remove(this);
            }
        }

        @Override
        public void close() {
            cut = true;
            feed.subscribers.remove(this);
        }
    }

    private final Clock clock;
    private final Backlog backlog;
    private final Map<String, Item> recent = new LinkedHashMap<>();
    private final List<Subscription> subscribers = new CopyOnWriteArrayList<>();
    private final long[][] minutes = new long[MINUTES][5];
    private long seq;

    EventFeed(Clock clock, Backlog backlog) {
        this.clock = clock;
        this.backlog = backlog;
    }

    /**
     * Events just acknowledged. Told after the answer, when the dispatcher may have handled one already: a state it
     * has is never put back to stored.
     */
    void stored(List<ChannelEvent> events) {
        for (ChannelEvent event : events) {
            publish(event, "stored", 0, Optional.empty(), Optional.empty());
            count(1, 0);
        }
    }

    void handled(ChannelEvent event, int attempt, String deliveryId) {
        publish(event, "handled", attempt, Optional.of(deliveryId), Optional.empty());
    }

    void retrying(ChannelEvent event, int attempt, String deliveryId, String error) {
        publish(event, "retrying", attempt, Optional.of(deliveryId), Optional.of(error));
        count(0, 1);
    }

    void dead(ChannelEvent event, int attempt, String deliveryId, String error) {
        publish(event, "dead", attempt, Optional.of(deliveryId), Optional.of(error));
        count(0, 1);
    }

    /**
     * The recent events, oldest first.
     */
    synchronized List<Item> recent() {
        return List.copyOf(recent.values());
    }

    /**
     * A live subscription, empty when {@link #MAX_SUBSCRIBERS} are open.
     */
    synchronized Optional<Subscription> subscribe() {
        if (subscribers.size() >= MAX_SUBSCRIBERS) {
            return Optional.empty();
        }
        Subscription subscription = new Subscription(this);
        subscribers.add(subscription);
        return Optional.of(subscription);
    }

    /**
     * The last hour by minute, oldest first: {@code minute} (epoch minute), {@code accepted}, {@code failures},
     * {@code backlog} and {@code oldest_age} (seconds, the largest seen in the minute).
     */
    synchronized JsonObject stats() {
        sampleBacklog();
        long now = minute();
        var list = Json.createArrayBuilder();
        for (long m = now - MINUTES + 1; m <= now; m++) {
            long[] bucket = minutes[(int) Math.floorMod(m, MINUTES)];
            boolean current = bucket[0] == m;
            list.add(Json.createObjectBuilder().add("minute", m).add("accepted", current ? bucket[1] : 0)
                             .add("failures", current ? bucket[2] : 0).add("backlog", current ? bucket[3] : 0)
                             .add("oldest_age", current ? bucket[4] : 0));
        }
        return Json.createObjectBuilder().add("minutes", list).add("backlog", backlog.size())
                .add("oldest_age", oldestAge()).build();
    }

    /**
     * Records the backlog in the current minute; the gateway calls it every few seconds.
     */
    synchronized void sampleBacklog() {
        long[] bucket = bucket();
        bucket[3] = Math.max(bucket[3], backlog.size());
        bucket[4] = Math.max(bucket[4], oldestAge());
    }

    private long oldestAge() {
        return backlog.oldest().map(t -> Math.max(0, Duration.between(t, clock.instant()).toSeconds())).orElse(0L);
    }

    private synchronized void count(int accepted, int failures) {
        long[] bucket = bucket();
        bucket[1] += accepted;
        bucket[2] += failures;
    }

    private long[] bucket() {
        long now = minute();
        long[] bucket = minutes[(int) Math.floorMod(now, MINUTES)];
        if (bucket[0] != now) {
            bucket[0] = now;
            bucket[1] = 0;
            bucket[2] = 0;
            bucket[3] = 0;
            bucket[4] = 0;
        }
        return bucket;
    }

    private long minute() {
        return Math.floorDiv(clock.instant().getEpochSecond(), 60);
    }

    private void publish(ChannelEvent event, String state, int attempt, Optional<String> deliveryId,
                         Optional<String> error) {
        Item item;
        synchronized (this) {
            String key = event.channel() + ':' + event.scope() + ':' + event.id();
            if (state.equals("stored") && recent.containsKey(key) && !recent.get(key).state().equals("stored")) {
                return;
            }
            recent.remove(key);
            item = new Item(++seq, key, clock.instant(), event.channel(), event.type(), event.conversation(), event.thread(),
                            event.senderName().isEmpty() ? event.senderId() : event.senderName(), cut(event.text(), MAX_TEXT),
                            state, attempt, deliveryId, error.map(e -> cut(e, 300)));
            recent.put(key, item);
            if (recent.size() > RECENT) {
                recent.remove(recent.keySet().iterator().next());
            }
        }
        for (Subscription subscription : subscribers) {
            subscription.offer(item);
        }
    }

    private static String cut(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max - 1) + "…";
    }

    /** For tests: how many subscribers are open. */
    int subscribers() {
        return subscribers.size();
    }
}
