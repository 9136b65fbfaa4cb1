package dev.relaygate.api;

import java.util.List;
import java.util.Optional;

/**
 * What a channel made of a verified request: {@link Events} to store and hand to the agent, or a {@link Rejection}
 * (for example {@code 400 invalid JSON}).
 */
public sealed interface Inbound permits Inbound.Events, Rejection {
    /**
     * Events to accept, answered with {@code 200 {"ok":true}}.
     *
     * @param events the events, possibly none (a verified request the channel chose to drop is still acknowledged)
     * @return the result
     */
    static Inbound events(List<ChannelEvent> events) {
        return new Events(events, Optional.empty());
    }

    /**
     * Events to accept, answered with a channel-specific response once they are stored (a handshake challenge).
     *
     * @param events the events, possibly none
     * @param answer the response to send instead of {@code {"ok":true}}
     * @return the result
     */
    static Inbound answer(List<ChannelEvent> events, WebhookResponse answer) {
        return new Events(events, Optional.of(answer));
    }

    /**
     * Decoded events.
     *
     * @param events the events
     * @param answer the response to send once they are stored, if not {@code {"ok":true}}
     */
    record Events(List<ChannelEvent> events, Optional<WebhookResponse> answer) implements Inbound {
        /**
         * Copies the list.
         */
        public Events {
            events = List.copyOf(events);
        }
    }
}
