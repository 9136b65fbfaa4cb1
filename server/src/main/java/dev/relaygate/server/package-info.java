/**
 * The Relaygate server: configuration, plugin loading, the signature-checking routing layer, the dispatcher and
 * health; the stores are in {@link dev.relaygate.server.store}. The way of an event, in code order:
 * {@link dev.relaygate.server.WebhookRoute} (read, verify, decode, enqueue, acknowledge),
 * {@link dev.relaygate.server.store.Inbox}, {@link dev.relaygate.server.Dispatcher}, the
 * configured {@link dev.relaygate.api.spi.EventHandler}, and back out through
 * {@link dev.relaygate.api.spi.Channel#send}.
 */
package dev.relaygate.server;
