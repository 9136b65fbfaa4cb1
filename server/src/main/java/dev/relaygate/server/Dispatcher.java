package dev.relaygate.server;

import java.lang.System.Logger.Level;
import java.util.Map;

import dev.relaygate.api.ChannelEvent;
import dev.relaygate.api.Delivery;
import dev.relaygate.api.OutboundMessage;
import dev.relaygate.api.spi.Channel;
import dev.relaygate.api.spi.EventHandler;
import dev.relaygate.api.spi.Replies;

/**
 * Drains the inbox into the agent's handler on a virtual thread. A handler that throws is logged and the next event
 * is taken: nothing a handler does stops the dispatcher.
 */
final class Dispatcher implements AutoCloseable {
    private static final System.Logger LOGGER = System.getLogger(Dispatcher.class.getName());

    private final Inbox inbox;
    private final EventHandler handler;
    private final Map<String, Channel> channels;
    private Thread worker;

    Dispatcher(Inbox inbox, EventHandler handler, Map<String, Channel> channels) {
        this.inbox = inbox;
        this.handler = handler;
        this.channels = channels;
    }

    void start() {
        worker = Thread.ofVirtual().name("relaygate-dispatcher").start(this::run);
    }

    private void run() {
        while (!Thread.currentThread().isInterrupted()) {
            ChannelEvent event;
            try {
                event = inbox.take();
            } catch (InterruptedException e) {
                return;
            }
            dispatch(event);
        }
    }

    private void dispatch(ChannelEvent event) {
        try {
            handler.handle(event, new ChannelReplies(event, channels.get(event.channel())));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            // The message of a handler's exception may quote user text; log it at DEBUG only.
            LOGGER.log(Level.WARNING, "Handler failed on " + event + ": " + t.getClass().getName());
            LOGGER.log(Level.DEBUG, "Handler failure detail", t);
        }
    }

    @Override
    public void close() {
        if (worker != null) {
            worker.interrupt();
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
