package dev.relaygate.server;

import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import dev.relaygate.api.ApprovalRequest;
import dev.relaygate.api.Attempt;
import dev.relaygate.api.ChannelEvent;
import dev.relaygate.api.HandlerException;
import dev.relaygate.api.OutboundMessage;
import dev.relaygate.api.spi.EventHandler;
import dev.relaygate.api.spi.HandlerContext;
import dev.relaygate.api.spi.HandlerProvider;

/**
 * A test handler ({@code type: recording}, {@code id: <test id>}) that records every event it is given, can be held
 * at a gate (all events, or one conversation's), throws on events whose text is {@code boom}, asks for approval on {@code needs approval} and answers
 * approval decisions; while {@code down}, refuses every event for good.
 */
public final class RecordingHandlerProvider implements HandlerProvider {
    static final ApprovalRequest APPROVAL = new ApprovalRequest("5b0c5e8e-3c1a-4f7e-9a43-0a4c8f1d2e77", "deploy",
                                                                "Deploy to production", "{\"service\":\"web\"}", true);
    private static final Map<String, Recorder> RECORDERS = new ConcurrentHashMap<>();

    public RecordingHandlerProvider() {
    }

    static Recorder recorder(String id) {
        return RECORDERS.computeIfAbsent(id, k -> new Recorder());
    }

    @Override
    public String type() {
        return "recording";
    }

    @Override
    public EventHandler create(HandlerContext context) {
        Recorder recorder = recorder(context.settings().required("id"));
        return (event, attempt, replies) -> {
            recorder.entered.release();
            recorder.gate.acquire();
            recorder.gate.release();
            Semaphore conversationGate = recorder.conversationGates.get(
                    event.conversation() + event.thread().map(thread -> "/" + thread).orElse(""));
            if (conversationGate != null) {
                conversationGate.acquire();
                conversationGate.release();
            }
            recorder.attempts.add(attempt);
            recorder.events.add(event);
            if (recorder.down) {
                throw HandlerException.giveUp("the agent is down");
            }
            if (event.text().equals("boom")) {
                throw new IllegalStateException("boom");
            }
            if (event.text().equals("interrupted")) {
                throw new InterruptedException("the handler's own");
            }
            if (event.text().equals("needs approval")) {
                replies.send(OutboundMessage.reply(event, "").asking(APPROVAL));
            }
            if (event.approval().isPresent()) {
                replies.reply("decision " + event.approval().get().decision());
            }
        };
    }

    static final class Recorder {
        final BlockingQueue<ChannelEvent> events = new LinkedBlockingQueue<>();
        final Semaphore gate = new Semaphore(1);
        final Semaphore entered = new Semaphore(0);
        final Map<String, Semaphore> conversationGates = new ConcurrentHashMap<>();
        final BlockingQueue<Attempt> attempts = new LinkedBlockingQueue<>();
        /** While set, every event is refused for good (a dead letter at once). */
        volatile boolean down;

        ChannelEvent next() throws InterruptedException {
            ChannelEvent event = events.poll(10, TimeUnit.SECONDS);
            if (event == null) {
                throw new AssertionError("no event reached the handler within 10 s");
            }
            return event;
        }

        void hold() throws InterruptedException {
            gate.acquire();
        }

        /** Waits until the handler was entered (by an event that may now wait at the gate). */
        void awaitEntered() throws InterruptedException {
            if (!entered.tryAcquire(10, TimeUnit.SECONDS)) {
                throw new AssertionError("the handler was not entered within 10 s");
            }
        }

        void release() {
            gate.release();
        }

        /**
         * Holds events of one conversation ({@code C1}, or {@code C1/<thread ts>} for a thread) at the handler until
         * {@link #release(String)}.
         */
        void hold(String conversation) {
            conversationGates.put(conversation, new Semaphore(0));
        }

        void release(String conversation) {
            conversationGates.get(conversation).release();
        }
    }
}
