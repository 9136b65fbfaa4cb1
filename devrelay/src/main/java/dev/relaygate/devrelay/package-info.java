/**
 * A runnable fake channel relay: serves the relay API of relay-protocol.md section 4 with a generated signing secret,
 * records and prints the Slack calls it proxies, and pushes signed events to a gateway (section 2.7). Used by the
 * tests and by {@code bin/relaygate demo}; never for production traffic.
 */
package dev.relaygate.devrelay;
