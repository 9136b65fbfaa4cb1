/**
 * Where events and plugin state are kept: the {@link dev.relaygate.server.store.Inbox} contract and its three stores
 * (in memory, SQLite in the data dir, PostgreSQL for several replicas), the data dir itself, and the plugins'
 * {@link dev.relaygate.api.spi.StateStore} on SQLite or PostgreSQL. The gateway opens them through
 * {@link dev.relaygate.server.store.Inboxes}, {@link dev.relaygate.server.store.SqliteState} and
 * {@link dev.relaygate.server.store.Postgres}; the implementations are package-private.
 */
package dev.relaygate.server.store;
