/**
 * The {@code slack-relay} channel: Slack through the channel-relay protocol (shared/docs/relay-protocol.md). The relay
 * owns the Slack app and pushes events as HMAC-signed webhooks to {@code /relay/events}; this plugin verifies them
 * with the api toolkit, maps them to {@link dev.relaygate.api.ChannelEvent}s, and sends replies through the relay.
 */
package dev.relaygate.plugins.slackrelay;
